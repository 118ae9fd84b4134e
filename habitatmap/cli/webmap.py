"""``habitatmap webmap``: one offline HTML map of the base map, habitat and corridors."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_operations, echo_path, state
from habitatmap.cli.options import AllowBallpark, Lang

__all__ = ["compare", "webmap"]


webmap_app = typer.Typer(invoke_without_command=True,
                         no_args_is_help=False)
app.add_typer(webmap_app, name="webmap")


@webmap_app.callback()
def webmap(
    ctx: typer.Context,
    basemap: Path = typer.Option(None, "--basemap", dir_okay=False,
                                 help="GeoPackage from 'habitatmap basemap'."),
    out: Path = typer.Option(None, "--out", "-o", dir_okay=False, help="HTML file to write."),
    habitat: Path = typer.Option(None, "--habitat", dir_okay=False, help="Habitat map COG."),
    corridors: Path = typer.Option(None, "--corridors", file_okay=False,
                                   help="Folder from 'corridors circuit' or 'corridors leastcost', "
                                        "or the demo's output folder."),
    zoning: Path = typer.Option(None, "--zoning", file_okay=False,
                                help="Folder from 'zoning compare': protection levels and border mismatch."),
    omniscape: Path = typer.Option(None, "--omniscape", file_okay=False,
                                   help="Folder from 'corridors omniscape': normalised current."),
    burn: list[Path] = typer.Option([], "--burn", file_okay=False,
                                    help="Folder from 'change burn': burn severity (repeatable)."),
    change: Path = typer.Option(None, "--change", file_okay=False,
                                help="Folder from 'change habitat': the pixels whose class changed."),
    lang: Lang = "en",
    online_basemap: bool = typer.Option(False, "--online-basemap",
                                        help="Add an OpenStreetMap layer (needs internet)."),
    allow_ballpark: AllowBallpark = False,
) -> None:
    """A self-contained interactive map that works offline (Leaflet inlined, no CDN, no tiles).

    Example: habitatmap webmap --basemap basemap.gpkg --habitat habitat.tif --corridors out/ --lang ru
    --out map.html
    """
    from habitatmap.errors import ConfigError
    from habitatmap.webmap.build import build_webmap

    if ctx.invoked_subcommand is not None:
        return
    if basemap is None or out is None:
        raise ConfigError("webmap needs --basemap and --out (or the 'compare' subcommand); see "
                          "'habitatmap webmap --help'.")
    result = build_webmap(basemap, out, state(ctx).legend, habitat=habitat, corridors=corridors, lang=lang,
                          online_basemap=online_basemap, allow_ballpark=allow_ballpark, zoning=zoning,
                          omniscape=omniscape, burns=burn, change=change)
    console.print(f"  layers: {', '.join(result.layers)}", highlight=False)
    echo_operations(result.operations)
    console.print(f"  {len(result.classes)} habitat classes in the legend; {result.size_bytes / 1e6:.1f} MB, "
                  "opens offline in any browser", highlight=False)
    echo_path("web map", result.path)


@webmap_app.command("compare")
def compare(
    ctx: typer.Context,
    left: str = typer.Option(..., "--left", help="FILE[:LAYER] or a habitat map raster (left side)."),
    right: str = typer.Option(..., "--right", help="FILE[:LAYER] or a habitat map raster (right side)."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="HTML file to write."),
    lang: Lang = "en",
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Swipe between two layers, e.g. Russian and Chinese zoning or two habitat maps; works offline.

    Example: habitatmap webmap compare --left ru_zones.shp --right cn_tlnp.gpkg:功能分区 --out compare.html
    """
    from habitatmap.webmap.compare import build_compare

    result = build_compare(left, right, out, state(ctx).legend, lang=lang, allow_ballpark=allow_ballpark)
    echo_operations(result.operations)
    echo_path("comparison map", result.path)
