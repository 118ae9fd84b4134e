"""``habitatmap basemap``: both sides' layers in one 1:100000 base map GeoPackage."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli.options import AllowBallpark
from habitatmap.resources import data_path

__all__ = ["basemap"]


DEFAULT_MAPPING = data_path("workflows", "tumen_mapping.yaml")


@app.command("basemap")
def basemap(
    ctx: typer.Context,
    layer: list[str] = typer.Option(..., "--layer", "-l",
                                    help="Input layer, any vector format (FILE or FILE:LAYER); repeat."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="GeoPackage to write."),
    crs: str = typer.Option("auto", "--crs", help="Project CRS (EPSG:CODE) or 'auto' (UTM of the parks)."),
    mapping: Path = typer.Option(DEFAULT_MAPPING, "--mapping", dir_okay=False,
                                 help="Attribute mapping YAML (default: the Tumen sample's)."),
    aoi: str | None = typer.Option(None, "--aoi",
                                   help="Area of the map: the sheet grids cover it (default: the parks)."),
    habitat: Path | None = typer.Option(None, "--habitat", dir_okay=False,
                                        help="Habitat map to add as generalised polygons."),
    encoding: str | None = typer.Option(None, "--encoding",
                                        help="Encoding of Shapefiles without .cpg (e.g. cp1251, gbk)."),
    assume_crs: str | None = typer.Option(None, "--assume-crs", help="CRS of layers that have none."),
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Build the 1:100000 base map: parks, zones and border of both sides in one CRS and schema,
    both sheet grids, habitat polygons, and a provenance record.

    Example: habitatmap basemap --layer ru_leopard_np.shp --layer cn_tlnp.gpkg:国家公园范围 --out basemap.gpkg
    """
    from habitatmap.area import read_area
    from habitatmap.basemap import build_basemap, load_mapping, write_basemap  # geopandas: when used
    from habitatmap.io.atomic import check_output_folder

    legend = state(ctx).legend
    check_output_folder(out)  # fail before the work, not after it
    built = build_basemap(list(layer), load_mapping(mapping), crs=crs, habitat=habitat,
                          aoi=read_area(aoi) if aoi else None, legend=legend, encoding=encoding,
                          assume_crs=assume_crs, allow_ballpark=allow_ballpark)
    result = write_basemap(built, out, legend)
    console.print(f"Project CRS {result.crs}.")
    for info in result.inputs:
        op = info.operation
        how = "already in the project CRS" if op is None else (
            f"{op.description}" + (f" (accuracy {op.accuracy_m:g} m)" if op.accuracy_m is not None else "")
            + (" (a zero-shift step between ITRF-aligned datums)" if op.ballpark else ""))
        console.print(f"  {info.source}: {info.features} features from {info.crs}; {how}", highlight=False)
    sl = result.slivers
    if sl is not None and len(sl):
        for kind in ("overlap", "gap"):
            part = sl[sl["kind"] == kind]
            if len(part):
                console.print(f"Cross-border {kind}s: {len(part)}, {part['area_ha'].sum():.1f} ha in all, "
                              f"up to {part['max_width_m'].max():.0f} m wide (layer 'slivers').",
                              highlight=False)
    console.print("Layers: " + ", ".join(f"{k} ({v})" for k, v in result.layers.items()), highlight=False)
    echo_path("base map", result.path)
