"""``habitatmap sheets``: the 1:100000 map sheets of both national nomenclatures."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli.options import AllowBallpark, Lang, number

# Library modules (geopandas, matplotlib) are imported inside the commands: `habitatmap --help`
# and every other command start without paying for them.

__all__ = ["grid_cmd", "locate_cmd", "sheet_map"]


sheets_app = typer.Typer(
    help="1:100000 map sheets: SK-42 (K-52-35) and GB/T 13989 (K52D003011).\n\n"
         "Example: habitatmap sheets locate 131.25 43.1667",
    no_args_is_help=True,
)
app.add_typer(sheets_app, name="sheets")


def _dms(value: float, pos: str, neg: str) -> str:
    sign = pos if value >= 0 else neg
    total = round(abs(value) * 3600, 1)
    d, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    sec = f"{int(s):02d}" if s == int(s) else f"{s:04.1f}"
    return f"{int(d)}°{int(m):02d}'{sec}\"{sign}"


@sheets_app.command("locate")
def locate_cmd(
    lon: float = typer.Argument(..., parser=number(), help="Longitude (or easting in --crs)."),
    lat: float = typer.Argument(..., parser=number(), help="Latitude (or northing in --crs)."),
    crs: str = typer.Option("EPSG:4326", "--crs", help="CRS of the coordinates."),
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Print the 1:100000 sheet of a point in both nomenclatures, with its frame corners.

    Example: habitatmap sheets locate 131.25 43.1667
    """
    from habitatmap.basemap.sheets import locate

    found = locate(lon, lat, crs=crs, allow_ballpark=allow_ballpark)
    console.print(f"1:100000 sheets at ({lon}, {lat}) [{crs}]:", highlight=False)
    # Plain lines, not a table: codes get copied and must never be cut to fit the terminal.
    for system, hit in found.items():
        w, s, e, n = hit.sheet.bounds
        label = "SK-42" if system == "sk42" else "GB/T 13989"
        console.print(f"  {label:<10} {hit.sheet.code:<11} frame in "
                      f"{hit.sheet.crs}: NW {_dms(n, 'N', 'S')} {_dms(w, 'E', 'W')}, "
                      f"SE {_dms(s, 'N', 'S')} {_dms(e, 'E', 'W')}", highlight=False)
    for system, hit in found.items():
        if hit.operation is not None:
            acc = f", accuracy {hit.operation.accuracy_m:g} m" if hit.operation.accuracy_m is not None else ""
            console.print(f"{system}: point moved to {hit.sheet.crs} with {hit.operation.description}{acc}",
                          highlight=False)


@sheets_app.command("grid")
def grid_cmd(
    aoi: str = typer.Option(..., "--aoi", help="Area: any vector file GDAL reads (FILE or FILE:LAYER)."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="GeoPackage to write."),
    crs: str = typer.Option("auto", "--crs", help="CRS of the output frames, or 'auto' (UTM of the area)."),
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Write the frames of every sheet meeting the area: layers sheets_sk42 (built in Pulkovo 1942)
    and sheets_gbt13989 (built in CGCS2000), densified and reprojected.

    Example: habitatmap sheets grid --aoi workflows/tumen_aoi.geojson --out sheets.gpkg
    """
    from habitatmap.area import read_area
    from habitatmap.basemap.sheets import sheet_grid
    from habitatmap.io.vector import write_layers
    from habitatmap.provenance import Provenance

    area = read_area(aoi)
    target, layers = sheet_grid(area, crs, allow_ballpark=allow_ballpark)
    record = Provenance("basemap.sheets", parameters={"crs": target}).add_input("area", area.source)
    write_layers(out, layers, provenance=record)
    for name, gdf in layers.items():
        console.print(f"{name}: {len(gdf)} sheets ({', '.join(gdf['code'])})", highlight=False)
    echo_path(f"sheet frames ({target})", out)


@app.command("sheet-map")
def sheet_map(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Sheet code, SK-42 (K-52-46) or GB/T 13989 (K52D004010)."),
    basemap: Path = typer.Option(..., "--basemap", dir_okay=False,
                                 help="Base map from 'habitatmap basemap'."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="Output .pdf or .png."),
    lang: Lang = "en",
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Render one 1:100000 sheet of the base map at true scale (page size from the frame), with
    graticule ticks, legend, scale bar, north arrow, title and a CRS/datum note.

    Example: habitatmap sheet-map K-52-46 --basemap basemap.gpkg --out K-52-46.pdf --lang ru
    """
    from habitatmap.basemap.sheetmap import render_sheet

    result = render_sheet(code, basemap, out, state(ctx).legend, lang=lang, allow_ballpark=allow_ballpark)
    w, h = result.page_mm
    console.print(f"Sheet {result.code} at 1:100000 on a {w:.0f} x {h:.0f} mm page.", highlight=False)
    echo_path("sheet map", result.path)
