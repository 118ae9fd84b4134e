"""``habitatmap corridors``: resistance surfaces (least-cost and circuit analyses follow)."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.corridors.resistance import parse_barrier, resistance_surface

corridors_app = typer.Typer(
    help="Wildlife corridors across the border.\n\n"
         "Example: habitatmap corridors resistance habitat.tif --species amur_leopard --out resistance.tif",
    no_args_is_help=True,
)
app.add_typer(corridors_app, name="corridors")


@corridors_app.command("resistance")
def resistance(
    ctx: typer.Context,
    habitat: Path = typer.Argument(..., dir_okay=False, help="Habitat map from 'habitatmap classify'."),
    species: str = typer.Option(..., "--species",
                                help="amur_leopard, amur_tiger, snow_leopard or pallas_cat."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="Resistance COG to write."),
    barrier: list[str] = typer.Option([], "--barrier",
                                      help="FILE[:LAYER]:VALUE, burned in at that resistance; repeat."),
    allow_ballpark: bool = typer.Option(False, "--allow-ballpark",
                                        help="Accept a zero-shift step for barriers on an older datum."),
) -> None:
    """Movement resistance of a species from the legend, with barrier layers burned in.

    Example: habitatmap corridors resistance habitat.tif --species amur_leopard --out r.tif
    --barrier roads.gpkg:500 --barrier fence.gpkg:1000
    """
    barriers = [parse_barrier(b) for b in barrier]
    result = resistance_surface(habitat, species, out, state(ctx).legend, barriers=barriers,
                                allow_ballpark=allow_ballpark)
    for spec, n in result.barrier_pixels.items():
        op = result.operations.get(spec)
        console.print(f"  {spec}: {n} pixels burned in" + (f" (moved with {op.description})" if op else ""),
                      highlight=False)
    echo_path(f"resistance ({species})", result.path)
