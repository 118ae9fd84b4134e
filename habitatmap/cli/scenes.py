"""``habitatmap scenes``: find and list Landsat scenes."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from habitatmap.cli._app import app, console
from habitatmap.scenes import SceneSummary, read_static_items, summarize_item

scenes_app = typer.Typer(
    help="Find and list Landsat Collection 2 Level-2 scenes.\n\n"
         "Example: habitatmap scenes list sample_data/tumen/stac/catalog.json",
    no_args_is_help=True,
)
app.add_typer(scenes_app, name="scenes")


def scenes_table(summaries: list[SceneSummary], title: str) -> Table:
    """A rich table of scene summaries."""
    table = Table(title=title)
    # Ids are copied into other commands, so nothing wraps; the five columns fit 80 characters.
    for col in ("id", "date", "platform", "cloud %", "WRS"):
        table.add_column(col, justify="right" if col == "cloud %" else "left", no_wrap=True)
    for s in summaries:
        cc = "" if s.cloud_cover is None else f"{s.cloud_cover:.1f}"
        table.add_row(s.id, s.datetime[:10], s.platform, cc, f"{s.wrs_path}/{s.wrs_row}")
    return table


@scenes_app.command("list")
def list_scenes(
    catalog: Path = typer.Argument(..., help="A static STAC catalog.json or collection.json."),
) -> None:
    """List the scenes of a static STAC catalog: id, date, platform, cloud cover, WRS path/row.

    Example: habitatmap scenes list sample_data/tumen/stac/catalog.json
    """
    summaries = [summarize_item(i) for i in read_static_items(catalog)]
    console.print(scenes_table(summaries, f"{len(summaries)} scenes in {catalog}"))
