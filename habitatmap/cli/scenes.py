"""``habitatmap scenes``: search, list and pull Landsat scenes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from habitatmap.cli._app import app, console, echo_path, err_console
from habitatmap.cli._progress import scene_progress
from habitatmap.cli.options import AllowBallpark, AoiOption, BboxOption, Retries, number, parse_date_range
from habitatmap.errors import ConfigError, InputDataError
from habitatmap.scenes.defaults import DEFAULT_BANDS, DEFAULT_COLLECTION, DEFAULT_STAC

__all__ = ["area_option", "list_scenes", "pull", "scenes_table", "search"]


if TYPE_CHECKING:  # the STAC and GDAL stacks load when a command runs
    from habitatmap.area import Area
    from habitatmap.scenes.items import SceneSummary
    from habitatmap.scenes.pull import PullResult

scenes_app = typer.Typer(
    help="Find, list and pull Landsat Collection 2 Level-2 scenes.\n\n"
         "Example: habitatmap scenes search --stac sample_data/tumen/stac/catalog.json "
         "--aoi workflows/tumen_aoi.geojson --out items.json",
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


def area_option(aoi: str | None, bbox: str | None) -> Area:
    """The area from exactly one of --aoi and --bbox."""
    from habitatmap.area import area_from_bbox, read_area

    if (aoi is None) == (bbox is None):
        raise ConfigError("no area, or two; give exactly one of --aoi FILE or --bbox W,S,E,N.")
    return read_area(aoi) if aoi is not None else area_from_bbox(bbox or "")


@scenes_app.command("search")
def search(
    stac: str = typer.Option(DEFAULT_STAC, "--stac", help="STAC API URL, or a static catalog.json / "
                             "collection.json as a path or URL."),
    collection: str = typer.Option(DEFAULT_COLLECTION, "--collection", help="STAC collection id."),
    aoi: AoiOption = None,
    bbox: BboxOption = None,
    start: str | None = typer.Option(None, "--start", help="First acquisition date, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="Last acquisition date, YYYY-MM-DD."),
    max_cloud: float | None = typer.Option(None, "--max-cloud", parser=number(minimum=0, maximum=100),
                                           help="Largest scene cloud cover in percent."),
    platform: list[str] = typer.Option([], "--platform", help="landsat-5 ... landsat-9 (repeatable)."),
    limit: int | None = typer.Option(None, "--limit",
                                     parser=number(minimum=1, integer=True),
                                     help="Keep at most this many scenes."),
    out: Path | None = typer.Option(None, "--out", "-o", dir_okay=False,
                                    help="Write the items as a GeoJSON FeatureCollection here."),
    retries: Retries = 5,
) -> None:
    """Search Landsat scenes in a STAC API or a static catalog; print them and save them for 'pull'.

    Example: habitatmap scenes search --stac sample_data/tumen/stac/catalog.json
    --aoi workflows/tumen_aoi.geojson --start 2021-06-01 --end 2022-10-31 --max-cloud 50 --out items.json
    """
    from habitatmap.scenes.access import RetryPolicy
    from habitatmap.scenes.items import summarize_item
    from habitatmap.scenes.search import SceneQuery, search_scenes, write_items

    area = area_option(aoi, bbox)
    s, e = parse_date_range(start, end)
    query = SceneQuery(area=area, start=s, end=e, max_cloud=max_cloud, platforms=tuple(platform),
                       collection=collection or None, limit=limit)
    items = search_scenes(stac, query, retry=RetryPolicy(retries=retries))
    if not items:  # an empty items file would only fail later, in 'scenes pull'
        raise InputDataError(f"{stac}: no scene matches this search (area {area.source}); widen the "
                             "dates, the cloud limit or the area, and check the area's CRS.")
    console.print(scenes_table([summarize_item(i) for i in items], f"{len(items)} scenes in {stac}"))
    if out is not None:
        echo_path("items", write_items(items, out))


@scenes_app.command("list")
def list_scenes(
    catalog: Path = typer.Argument(..., help="A static STAC catalog.json or collection.json."),
) -> None:
    """List the scenes of a static STAC catalog: id, date, platform, cloud cover, WRS path/row.

    Example: habitatmap scenes list sample_data/tumen/stac/catalog.json
    """
    from habitatmap.scenes.items import read_static_items, summarize_item

    summaries = [summarize_item(i) for i in read_static_items(catalog)]
    console.print(scenes_table(summaries, f"{len(summaries)} scenes in {catalog}"))


def _outcome_table(result: PullResult) -> Table:
    table = Table(title=f"{len(result.outcomes)} scenes on {result.grid.crs}, "
                        f"{result.grid.width} x {result.grid.height} px at {result.grid.resolution:g}")
    for col in ("id", "status", "clear %"):
        table.add_column(col, justify="right" if col == "clear %" else "left", no_wrap=True)
    for o in result.outcomes:
        clear = "" if o.clear_fraction is None else f"{100 * o.clear_fraction:.1f}"
        table.add_row(o.id, o.status, clear)
    return table


@scenes_app.command("pull")
def pull(
    items: Path = typer.Argument(..., help="Items file written by 'scenes search --out' "
                                 "(or a static catalog.json)."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder (resumable)."),
    aoi: AoiOption = None,
    bbox: BboxOption = None,
    crs: str = typer.Option("auto", "--crs", help="Grid CRS: 'auto' (the scenes' UTM zone) or EPSG code."),
    resolution: float = typer.Option(30.0, "--resolution",
                                     parser=number(minimum=0, min_open=True),
                                     help="Pixel size in CRS units."),
    bands: str = typer.Option(",".join(DEFAULT_BANDS), "--bands",
                              help="eo:bands common names to keep, comma-separated."),
    keep_snow: bool = typer.Option(False, "--keep-snow", help="Do not mask snow/ice (winter work)."),
    workers: int = typer.Option(2, "--workers",
                                parser=number(minimum=1, maximum=64, integer=True),
                                help="Scenes pulled at the same time."),
    allow_ballpark: AllowBallpark = False,
    retries: Retries = 5,
    requester_pays: bool = typer.Option(
        False, "--requester-pays",
        help="Read s3:// assets of requester-pays buckets (Earth Search's Landsat, s3://usgs-landsat) "
             "with your AWS credentials; the transfer is billed to your AWS account. Assets with an "
             "https address are read over https either way."),
) -> None:
    """Pull the area's window of each scene onto one grid, cloud-masked, as one COG per scene.

    Only the bytes of the area's tiles are read (HTTP range requests). Running the same command
    again resumes: finished scenes are skipped.

    Example: habitatmap scenes pull items.json --aoi workflows/tumen_aoi.geojson --out scenes/
    """
    from habitatmap.scenes.access import RetryPolicy
    from habitatmap.scenes.items import load_items
    from habitatmap.scenes.pull import PullSettings, pull_scenes

    area = area_option(aoi, bbox)
    band_list = tuple(b.strip() for b in bands.split(",") if b.strip())
    if not band_list:
        raise ConfigError("--bands is empty; give common names such as blue,green,red,nir08.")
    settings = PullSettings(bands=band_list, crs=crs, resolution=resolution, keep_snow=keep_snow,
                            workers=workers, allow_ballpark=allow_ballpark,
                            retry=RetryPolicy(retries=retries), requester_pays=requester_pays)
    loaded = load_items(items)
    with scene_progress([i.id for i in loaded]) as progress:
        result = pull_scenes(loaded, area, out, settings, source=str(items), progress=progress)
    console.print(_outcome_table(result))
    if result.not_overlapping:
        console.print(f"{len(result.not_overlapping)} item(s) outside the area were skipped: "
                      f"{', '.join(result.not_overlapping)}")
    echo_path("manifest", result.manifest)
    if result.failed:
        for o in result.failed:
            err_console.print(f"[bold red]Failed:[/bold red] {o.error}", highlight=False)
        raise InputDataError(f"{items}: {len(result.failed)} of {len(result.outcomes)} scenes failed (each "
                             "named above); the others are done, so fix the cause and run the same command "
                             "again to finish.")
