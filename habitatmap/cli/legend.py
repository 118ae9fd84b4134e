"""``habitatmap legend``: show, check and export the shared habitat legend."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from habitatmap.cli._app import app, console, state
from habitatmap.cli.options import Lang, OutFile
from habitatmap.legend.export import EXPORT_FORMATS, export_legend
from habitatmap.legend.model import LANGUAGES, check_language, load_legend

__all__ = ["check", "export", "show"]


legend_app = typer.Typer(
    help="Show, check and export the shared habitat legend.\n\nExample: habitatmap legend show --lang zh",
    no_args_is_help=True,
)
app.add_typer(legend_app, name="legend")


@legend_app.command("show")
def show(ctx: typer.Context, lang: Lang = "en") -> None:
    """Print the legend as a table: code, colour, key, name, crosswalks and resistances.

    Example: habitatmap legend show --lang zh
    """
    check_language(lang)
    legend = state(ctx).legend
    species = legend.species
    table = Table(title=f"{legend.legend.title.get(lang)} ({legend.id} {legend.version})",
                  caption="WC: ESA WorldCover code; IUCN: IUCN habitat class; "
                          "species columns: movement resistance (1 easiest .. 1000 barrier)")
    table.add_column("code", justify="right")
    table.add_column("")
    table.add_column("key", overflow="fold", min_width=10)
    table.add_column("name", overflow="fold", min_width=16)
    table.add_column("WC", justify="right")
    table.add_column("IUCN")
    for sp in species:
        table.add_column(legend.legend.species[sp].names.get(lang), justify="right",
                         overflow="fold", max_width=10)
    for c in legend.classes:
        table.add_row(
            str(c.code), f"[on {c.colour}]  [/]", c.key, c.name(lang), str(c.worldcover),
            c.iucn.level2 or str(c.iucn.level1),
            *(f"{c.resistance[sp].value:g}" for sp in species),
        )
    console.print(table)


@legend_app.command("check")
def check(
    ctx: typer.Context,
    file: Path | None = typer.Argument(
        None, dir_okay=False, help="Legend YAML to check (default: the --legend one, or the bundled legend).",
    ),
) -> None:
    """Validate a legend file: unique codes and keys, colours, five languages, resistances.

    Exits with code 2 and one sentence naming the class and the problem if the legend is invalid.

    Example: habitatmap legend check my_legend.yaml
    """
    legend = load_legend(file) if file is not None else state(ctx).legend
    console.print(
        f"{legend.source}: valid legend {legend.id} {legend.version}: {len(legend.classes)} classes, "
        f"names in {', '.join(LANGUAGES)}, resistances for {', '.join(legend.species)}.",
        highlight=False,
    )


@legend_app.command("export")
def export(
    ctx: typer.Context,
    fmt: str = typer.Option(
        ..., "--format", "-f", help=f"Output format: {', '.join(EXPORT_FORMATS)}.",
    ),
    out: OutFile = ...,
    lang: Lang = "en",
) -> None:
    """Export the legend as a QGIS style (qml), OGC SLD (sld), GDAL colour table (clr) or JSON.

    Example: habitatmap legend export --format qml --lang ru --out habitat_ru.qml
    """
    path = export_legend(state(ctx).legend, fmt, out, lang=check_language(lang))
    console.print(f"Wrote {fmt} legend ({lang}) to {path}", highlight=False)
