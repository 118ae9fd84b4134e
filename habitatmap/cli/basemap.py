"""``habitatmap basemap``: both sides' layers in one 1:100000 base map GeoPackage."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli.options import AllowBallpark
from habitatmap.errors import ConfigError

__all__ = ["basemap", "basemap_app", "mapping_draft"]

basemap_app = typer.Typer(no_args_is_help=False, invoke_without_command=True)
app.add_typer(basemap_app, name="basemap")


@basemap_app.command("mapping")
def mapping_draft(
    layer: list[str] = typer.Option(..., "--layer", "-l",
                                    help="Your layer, any vector format (FILE or FILE:LAYER); repeat."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="Mapping YAML to write."),
    encoding: str | None = typer.Option(None, "--encoding",
                                        help="Encoding of Shapefiles without .cpg (e.g. cp1251, gbk)."),
    assume_crs: str | None = typer.Option(None, "--assume-crs", help="CRS of layers that have none."),
) -> None:
    """Draft a mapping of your own layers: each layer's fields with sample values, a guessed target
    (parks, zones, border) and country, and for zone layers every zone name with its guessed shared
    class, as a commented YAML file to check and complete.

    Example: habitatmap basemap mapping --layer ru_park.shp --layer cn_zones.gpkg:功能分区 --out mapping.yaml
    """
    from habitatmap.basemap.infer import mapping_yaml, sketch_layer
    from habitatmap.io.atomic import check_output_folder, write_text_atomic

    check_output_folder(out)
    sketches = [sketch_layer(s, encoding=encoding, assume_crs=assume_crs) for s in layer]
    write_text_atomic(out, mapping_yaml(sketches))
    for s in sketches:
        state_text = "ready" if s.certain else f"to complete: {'; '.join(s.doubts)}"
        console.print(f"  {s.key}: {s.target or '?'}, {s.country or 'country ?'}; {state_text}",
                      highlight=False)
    echo_path("mapping draft", out)


@basemap_app.callback()
def basemap(
    ctx: typer.Context,
    layer: list[str] = typer.Option([], "--layer", "-l",
                                    help="Input layer, any vector format (FILE or FILE:LAYER); repeat."),
    out: Path | None = typer.Option(None, "--out", "-o", dir_okay=False, help="GeoPackage to write."),
    crs: str = typer.Option("auto", "--crs", help="Project CRS (EPSG:CODE) or 'auto' (UTM of the parks)."),
    mapping: Path | None = typer.Option(
        None, "--mapping", dir_okay=False,
        help="Attribute mapping YAML. Without it, a mapping is inferred from the layers when every guess "
             "is certain (and printed); otherwise draft one with 'habitatmap basemap mapping'."),
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
    both sheet grids, habitat polygons, and a provenance record. 'habitatmap basemap mapping'
    drafts the mapping of your own layers.

    Example: habitatmap basemap --layer ru_leopard_np.shp --layer cn_tlnp.gpkg:国家公园范围 --out basemap.gpkg
    """
    if ctx.invoked_subcommand is not None:
        return
    if not layer or out is None:
        raise ConfigError("basemap needs --layer (one or more) and --out; example: habitatmap basemap "
                          "--layer ru_park.shp --layer cn_park.gpkg --out basemap.gpkg.")
    from habitatmap.area import read_area
    from habitatmap.basemap import build_basemap, load_mapping, write_basemap  # geopandas: when used
    from habitatmap.io.atomic import check_output_folder

    legend = state(ctx).legend
    check_output_folder(out)  # fail before the work, not after it
    if mapping is None:
        from habitatmap.basemap.infer import infer_mapping

        chosen, sketches = infer_mapping(list(layer), encoding=encoding, assume_crs=assume_crs)
        console.print("No --mapping: inferred from the layers (check it; 'habitatmap basemap mapping' writes "
                      "it to a file to edit):", highlight=False)
        for sk in sketches:
            zones = f", zones {sk.zone_class}" if sk.zone_class else ""
            console.print(f"  {sk.key}: {sk.target}, {sk.country or '-'}, fields {sk.field_map}{zones}",
                          highlight=False)
    else:
        chosen = load_mapping(mapping)
    built = build_basemap(list(layer), chosen, crs=crs, habitat=habitat,
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
