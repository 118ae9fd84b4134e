"""``habitatmap grid``: the shared equal-area monitoring grid and camera-trap layouts on it."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli.options import AllowBallpark, Lang, number

__all__ = ["make", "stations"]

grid_app = typer.Typer(
    help="The shared monitoring grid: cells with stable INSPIRE-style ids, and camera stations on it.\n\n"
    "Example: habitatmap grid make --aoi aoi.geojson --cell-km 5 --out grid.gpkg",
    no_args_is_help=True,
)
app.add_typer(grid_app, name="grid")


@grid_app.command("make")
def make(
    ctx: typer.Context,
    aoi: str = typer.Option(..., "--aoi", help="Area of the grid: a vector file, FILE[:LAYER]."),
    cell_km: int = typer.Option(
        ..., "--cell-km", parser=number(minimum=1, maximum=100, integer=True), help="Cell size in whole km."
    ),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="The grid GeoPackage to write."),
    crs: str = typer.Option(
        None, "--crs", help="An equal-area CRS (default: the region's, see docs/monitoring.md)."
    ),
    zones: str = typer.Option(
        None, "--zones", help="Zones, FILE[:LAYER]: zoning.gpkg:levels or basemap.gpkg:zones."
    ),
    countries: str = typer.Option(None, "--countries", help="Country polygons, FILE[:LAYER]."),
    country_field: str = typer.Option(
        "country", "--country-field", help="Country code column of --countries."
    ),
    habitat: Path = typer.Option(
        None, "--habitat", dir_okay=False, help="Habitat map: composition, resistance."
    ),
    species: list[str] = typer.Option(None, "--species", help="Mean resistance of this species; repeat."),
    lang: Lang = "en",
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Make the equal-area monitoring grid over an area, with each cell's attributes.

    Example: habitatmap grid make --aoi tumen_aoi.geojson --cell-km 2 --zones out/zoning/zoning.gpkg:levels
    --habitat out/habitat.tif --out grid.gpkg
    """
    from habitatmap.geodesy import parse_crs
    from habitatmap.monitoring.cells import run_grid_make

    run = run_grid_make(
        aoi,
        cell_km,
        out,
        state(ctx).legend,
        crs=parse_crs(crs) if crs else None,
        zones=zones,
        countries=countries,
        country_field=country_field,
        habitat=habitat,
        species=list(species or []) or None,
        lang=lang,
        allow_ballpark=allow_ballpark,
    )
    console.print(
        f"{len(run.cells)} cells of {cell_km} km on {run.crs} (region {run.region}); ids such as "
        f"{run.cells['cell_id'].iloc[0]}.",
        highlight=False,
    )
    echo_path("grid", run.path)


@grid_app.command("stations")
def stations(
    ctx: typer.Context,
    grid: Path = typer.Option(..., "--grid", dir_okay=False, help="Grid GeoPackage from 'grid make'."),
    per_cell: int = typer.Option(
        ..., "--per-cell", parser=number(minimum=1, maximum=100, integer=True), help="Stations per cell."
    ),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="The stations GeoPackage to write."),
    habitat: list[str] = typer.Option(
        None, "--habitat", help="Suitable habitat class key; repeat or comma-separate."
    ),
    habitat_map: Path = typer.Option(
        None, "--habitat-map", dir_okay=False, help="Habitat map (default: the one the grid was made from)."
    ),
    min_spacing: float = typer.Option(
        0.0,
        "--min-spacing",
        parser=number(minimum=0, maximum=100000),
        help="Least distance between stations, m.",
    ),
    start: str = typer.Option(None, "--start", help="Planned deployment start (ISO 8601 with offset)."),
    end: str = typer.Option(None, "--end", help="Planned deployment end (ISO 8601 with offset)."),
    lang: Lang = "en",
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Lay out camera stations on suitable habitat in every cell, a minimum spacing apart.

    Example: habitatmap grid stations --grid grid.gpkg --per-cell 2 --habitat korean_pine_broadleaf_forest
    --min-spacing 1000 --out stations.gpkg
    """
    from habitatmap.monitoring.stations import run_stations

    keys = [k.strip() for item in habitat or [] for k in item.split(",") if k.strip()]
    run = run_stations(
        grid,
        out,
        state(ctx).legend,
        per_cell=per_cell,
        habitat_keys=keys or None,
        habitat_map=habitat_map,
        min_spacing=min_spacing,
        start=start,
        end=end,
        lang=lang,
        allow_ballpark=allow_ballpark,
    )
    console.print(
        f"{len(run.stations)} stations; {run.cells_without} cells without suitable habitat, "
        f"{run.short} with fewer than {per_cell}.",
        highlight=False,
    )
    echo_path("stations", run.path)
    echo_path("Camtrap DP deployments", run.deployments)
