"""``habitatmap habitats``: work with habitat maps (polygons for the base map)."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli.options import number
from habitatmap.scale import SIMPLIFY_TOLERANCE_M

__all__ = ["polygonize"]


habitats_app = typer.Typer(
    help="Work with habitat maps.\n\nExample: habitatmap habitats polygonize habitat.tif --out habitats.gpkg",
    no_args_is_help=True,
)
app.add_typer(habitats_app, name="habitats")


@habitats_app.command("polygonize")
def polygonize(
    ctx: typer.Context,
    map_path: Path = typer.Argument(..., dir_okay=False, help="Habitat map from 'habitatmap classify'."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="GeoPackage to write."),
    tolerance: float = typer.Option(SIMPLIFY_TOLERANCE_M, "--tolerance",
                                    parser=number(minimum=0, maximum=1e5),
                                    help="Simplification tolerance in metres "
                                         "(default: 0.25 mm at 1:100000)."),
    layer: str = typer.Option("habitats", "--layer", help="Layer name."),
) -> None:
    """Trace the map into polygons with code, key, names in every language and area, simplified for
    1:100000 without gaps or overlaps.

    Example: habitatmap habitats polygonize habitat.tif --out habitats.gpkg
    """
    from habitatmap.habitat.polygonize import polygonize_map

    result = polygonize_map(map_path, out, state(ctx).legend, tolerance_m=tolerance, layer=layer)
    console.print(f"{result.polygons} polygons (tolerance {result.tolerance_m:g} m"
                  + (f", {result.repaired} repaired after simplification" if result.repaired else "") + ")")
    echo_path(f"habitat polygons ({result.layer})", result.path)
