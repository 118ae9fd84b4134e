"""The shared monitoring grid: equal-area cells whose ids do not depend on who makes them.

Cells are squares of K km in a documented equal-area CRS, anchored on that CRS's own origin (a
cell's lower-left corner is a whole multiple of K km in both axes). Their ids follow the INSPIRE /
EEA reference grid style, ``{K}kmN{northing}E{easting}`` with the lower-left corner in km (a minus
sign where the CRS's coordinates are negative). Two offices that make a grid of the same K over
overlapping areas get the same cells with the same ids where they overlap, whatever area each
asked for.

Regions (:data:`GRID_CRS`): ``asia-north`` uses ESRI:102025, *Asia North Albers Equal Area Conic*
(WGS 84; standard parallels 15 N and 65 N, central meridian 95 E, origin 30 N 95 E, no false easting
or northing), which covers every site of habitatmap (Kazakhstan to the Tumen) with one set of ids;
``europe`` uses EPSG:3035 (ETRS89-LAEA, the INSPIRE grid's own CRS); elsewhere ``global`` uses
EPSG:6933 (WGS 84 / NSIDC EASE-Grid 2.0 Global). A user may name another equal-area CRS.

Per cell: the share of the cell inside the area asked for, the share in each country, the park,
zone and shared protection level covering most of it (a zoning comparison's ``levels`` layer or a
base map's ``zones``), the habitat composition (% of mapped pixels) and the mean resistance of each
species (from the legend's per-class resistances and that composition).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.errors import ConfigError, InputDataError

__all__ = [
    "GRID_CRS",
    "PRODUCT",
    "GridRun",
    "cell_id",
    "grid_crs_for",
    "habitat_composition",
    "make_cells",
    "parse_cell_id",
    "read_cells",
    "require_equal_area",
    "run_grid_make",
    "zone_attributes",
]

PRODUCT = "monitoring.grid"

#: Region -> (CRS, what it is, (west, south, east, north) in degrees where it is the default).
GRID_CRS: dict[str, tuple[str, str, tuple[float, float, float, float]]] = {
    "asia-north": ("ESRI:102025", "Asia North Albers Equal Area Conic", (40.0, 20.0, 180.0, 80.0)),
    "europe": ("EPSG:3035", "ETRS89-extended / LAEA Europe (INSPIRE grid)", (-35.0, 25.0, 40.0, 85.0)),
    "global": ("EPSG:6933", "WGS 84 / NSIDC EASE-Grid 2.0 Global", (-180.0, -86.0, 180.0, 86.0)),
}

_EQUAL_AREA = (
    "Albers Equal Area",
    "Lambert Azimuthal Equal Area",
    "Lambert Cylindrical Equal Area",
    "Equal Earth",
    "Mollweide",
    "Sinusoidal",
    "Goode Homolosine",
    "Eckert IV",
    "Eckert VI",
)
_ID = re.compile(r"^(?P<km>\d+)kmN(?P<n>-?\d+)E(?P<e>-?\d+)$")


def require_equal_area(crs: object, *, option: str = "--crs") -> Any:
    """The CRS, or :class:`ConfigError` when it does not preserve areas."""
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    method = ""
    if c.coordinate_operation is not None:
        method = c.coordinate_operation.method_name
    if not c.is_projected or not any(m.lower() in method.lower() for m in _EQUAL_AREA):
        raise ConfigError(
            f"{option} {c.to_string()} is not an equal-area projection ({method or 'geographic'}); "
            "give one such as ESRI:102025, EPSG:3035 or EPSG:6933, so that every cell has "
            "the same area on the ground."
        )
    return c


def grid_crs_for(lonlat: tuple[float, float, float, float]) -> tuple[str, str]:
    """The region and CRS of the grid for an area given as (west, south, east, north) degrees."""
    w, s, e, n = lonlat
    cx, cy = (w + e) / 2, (s + n) / 2
    for region in ("asia-north", "europe"):
        crs, _, (bw, bs, be, bn) = GRID_CRS[region]
        if bw <= cx <= be and bs <= cy <= bn:
            return region, crs
    return "global", GRID_CRS["global"][0]


def cell_id(easting: float, northing: float, km: int) -> str:
    """The id of the K km cell whose lower-left corner is at (easting, northing) metres."""
    return f"{km}kmN{round(northing / 1000)}E{round(easting / 1000)}"


def parse_cell_id(text: str) -> tuple[int, float, float]:
    """(K, easting, northing) of a cell id's lower-left corner, in km and metres."""
    m = _ID.match(text.strip())
    if m is None:
        raise InputDataError(f"{text!r} is not a grid cell id; ids look like 5kmN1715E3165.")
    return int(m["km"]), float(m["e"]) * 1000, float(m["n"]) * 1000


def make_cells(aoi: Any, cell_km: int, crs: Any) -> Any:
    """The cells of ``cell_km`` km covering ``aoi`` (a shapely geometry on ``crs``).

    Returns a GeoDataFrame with ``cell_id``, ``cell_km``, ``easting``, ``northing`` (lower-left, m),
    ``area_km2`` and ``aoi_share`` (of the cell inside the area).
    """
    import geopandas as gpd
    import shapely

    if not isinstance(cell_km, int) or not 1 <= cell_km <= 100:
        raise ConfigError(
            f"--cell-km {cell_km} is not a whole number of km from 1 to 100; give one such as 2 or 5."
        )
    size = cell_km * 1000.0
    w, s, e, n = aoi.bounds
    cols = np.arange(math.floor(w / size), math.ceil(e / size))
    rows = np.arange(math.floor(s / size), math.ceil(n / size))
    if len(cols) * len(rows) > 2_000_000:
        raise ConfigError(
            f"A {cell_km} km grid over this area would have {len(cols) * len(rows):,} cells; give "
            "a larger --cell-km or a smaller area."
        )
    cc, rr = np.meshgrid(cols, rows)
    x0, y0 = cc.ravel() * size, rr.ravel() * size
    boxes = shapely.box(x0, y0, x0 + size, y0 + size)
    shapely.prepare(aoi)
    hit = shapely.intersects(aoi, boxes)
    boxes, x0, y0 = boxes[hit], x0[hit], y0[hit]
    share = shapely.area(shapely.intersection(boxes, aoi)) / (size * size)
    keep = share > 0
    frame = gpd.GeoDataFrame(
        {
            "cell_id": [cell_id(x, y, cell_km) for x, y in zip(x0[keep], y0[keep], strict=True)],
            "cell_km": cell_km,
            "easting": x0[keep],
            "northing": y0[keep],
            "area_km2": size * size / 1e6,
            "aoi_share": np.round(share[keep], 6),
        },
        geometry=list(boxes[keep]),
        crs=crs,
    )
    return frame.sort_values(["northing", "easting"], ascending=[False, True]).reset_index(drop=True)


def _first(columns: Any, names: tuple[str, ...]) -> str | None:
    return next((c for c in names if c in columns), None)


def zone_attributes(cells: Any, zones: Any, *, countries: Any = None, country_field: str = "country") -> Any:
    """Country shares, park, zone and protection level of each cell.

    Parameters
    ----------
    cells
        From :func:`make_cells`.
    zones
        Zone polygons on the cells' CRS: a zoning comparison's ``levels`` (``country``, ``park``,
        ``zone_value``, ``level``) or a base map's ``zones`` (``country``, ``park_en``,
        ``zone_class``); ``None`` for none.
    countries
        Country polygons with ``country_field``; without them the shares are of each country's zones.
    """
    import geopandas as gpd

    out = cells.copy()
    size2 = out["area_km2"].to_numpy() * 1e6

    def overlay(layer: Any, keep: list[str]) -> Any:
        layer = layer[[*keep, "geometry"]].copy()
        layer["geometry"] = layer.geometry.make_valid()
        inter = gpd.overlay(out[["cell_id", "geometry"]], layer, how="intersection", keep_geom_type=True)
        inter["a"] = inter.geometry.area
        return inter

    share_source = countries if countries is not None else zones
    if share_source is not None:
        field_ = country_field if countries is not None else "country"
        if field_ not in share_source.columns:
            raise InputDataError(
                f"The country layer has no {field_!r} column; name the column with --country-field."
            )
        inter = overlay(share_source, [field_])
        table = inter.groupby(["cell_id", field_])["a"].sum().unstack(fill_value=0.0)
        for code in sorted(table.columns):
            col = f"share_{str(code).upper()}"
            out[col] = np.round(out["cell_id"].map(table[code]).fillna(0.0).to_numpy() / size2, 6)
    if zones is not None:
        park = _first(zones.columns, ("park", "park_en", "name_en", "name"))
        zone = _first(zones.columns, ("zone_value", "zone_class", "zone_national", "zone"))
        level = "level" if "level" in zones.columns else None
        keep = [c for c in ("country", park, zone, level) if c]
        inter = overlay(zones, keep)
        inter = inter.sort_values("a", ascending=False).drop_duplicates("cell_id")
        best = inter.set_index("cell_id")
        out["country"] = out["cell_id"].map(best["country"]) if "country" in best else None
        out["park"] = out["cell_id"].map(best[park]) if park else None
        out["zone"] = out["cell_id"].map(best[zone]) if zone else None
        if level:
            out["level"] = out["cell_id"].map(best[level]).astype("Int64")
        zoned = overlay(zones, []).groupby("cell_id")["a"].sum()
        out["zoned_share"] = np.round(out["cell_id"].map(zoned).fillna(0.0).to_numpy() / size2, 6)
    return out


def habitat_composition(
    cells: Any,
    habitat: str | os.PathLike[str],
    legend: Any,
    *,
    species: list[str] | None = None,
    allow_ballpark: bool = False,
    rows_per_strip: int = 512,
) -> tuple[Any, Any]:
    """Habitat composition (% of mapped pixels per class key) and mean resistance per species.

    The habitat map is read in strips of ``rows_per_strip`` rows (memory stays flat whatever its
    size); each pixel's centre is moved to the cells' CRS and counted in its cell.

    Returns the cells with ``pct_<key>``, ``mapped_share`` and ``resistance_<species>`` columns,
    and the datum operation used.
    """
    from rasterio.windows import Window

    from habitatmap.geodesy import lonlat_bounds, transformer_for
    from habitatmap.grid import Grid
    from habitatmap.io.raster import open_raster

    size = float(cells["cell_km"].iloc[0]) * 1000.0
    col0 = np.floor(cells["easting"].to_numpy() / size).astype(np.int64)
    row0 = np.floor(cells["northing"].to_numpy() / size).astype(np.int64)
    key = {(int(c), int(r)): i for i, (c, r) in enumerate(zip(col0, row0, strict=True))}
    codes = legend.codes
    code_pos = {c: j for j, c in enumerate(codes)}
    counts = np.zeros((len(cells), len(codes)), dtype=np.int64)
    with open_raster(habitat, what="habitat map") as ds:
        grid = Grid.from_dataset(ds)
        pixel_km2 = grid.pixel_area_m2(str(habitat)) / 1e6
        area = lonlat_bounds(grid.bounds, grid.crs)
        transformer, op = transformer_for(
            grid.crs, cells.crs, area=area, allow_ballpark=allow_ballpark, what=f"habitat map {habitat}"
        )
        lut = np.full(max(max(codes), int(legend.nodata), 255) + 1, -1, dtype=np.int64)
        for c, j in code_pos.items():
            lut[c] = j
        for top in range(0, grid.height, rows_per_strip):
            h = min(rows_per_strip, grid.height - top)
            data = ds.read(1, window=Window(0, top, grid.width, h))
            rr, cc = np.nonzero((data != legend.nodata) & (data >= 0) & (data < len(lut)))
            if len(rr) == 0:
                continue
            cls = lut[data[rr, cc]]
            ok = cls >= 0
            rr, cc, cls = rr[ok], cc[ok], cls[ok]
            xs, ys = grid.xy(rr + top, cc)
            gx, gy = transformer.transform(xs, ys)
            ci = np.floor(np.asarray(gx) / size).astype(np.int64)
            ri = np.floor(np.asarray(gy) / size).astype(np.int64)
            # Cells are few: look each pixel's cell up by its packed (column, row).
            packed = ci * 10_000_000 + ri
            uniq, inv = np.unique(packed, return_inverse=True)
            cell_of = np.array([key.get((int(u // 10_000_000), int(u % 10_000_000)), -1) for u in uniq])
            cell = cell_of[inv]
            m = cell >= 0
            counts += np.bincount(cell[m] * len(codes) + cls[m], minlength=counts.size).reshape(counts.shape)
    out = cells.copy()
    total = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(total[:, None] > 0, 100.0 * counts / total[:, None], np.nan)
    for j, c in enumerate(codes):
        out[f"pct_{legend.by_code(c).key}"] = np.round(pct[:, j], 3)
    out["mapped_share"] = np.round(np.minimum(total * pixel_km2 / out["area_km2"].to_numpy(), 1.0), 6)
    for sp in species if species is not None else legend.species:
        table = legend.resistance(sp)
        values = np.array([float(table.get(c, np.nan)) for c in codes])
        w = np.where(np.isfinite(values), counts, 0)
        tot = w.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(tot > 0, (w * np.nan_to_num(values)).sum(axis=1) / tot, np.nan)
        out[f"resistance_{sp}"] = np.round(mean, 4)
    return out, op


@dataclass
class GridRun:
    """What :func:`run_grid_make` wrote."""

    path: Path
    cells: Any
    crs: str
    region: str
    operations: list[Any] = field(default_factory=list)


def read_cells(path: str | os.PathLike[str]) -> Any:
    """The ``cells`` layer of a grid GeoPackage made by ``habitatmap grid make``."""
    from habitatmap.io.vector import read_vector

    frame, _ = read_vector(f"{os.fspath(path)}:cells", what="monitoring grid")
    if "cell_id" not in frame.columns or frame.empty:
        raise InputDataError(
            f"The grid {path} has no cells with a cell_id; make it with habitatmap grid make."
        )
    return frame


def run_grid_make(
    aoi: str,
    cell_km: int,
    out: str | os.PathLike[str],
    legend: Any,
    *,
    crs: str | None = None,
    zones: str | None = None,
    countries: str | None = None,
    country_field: str = "country",
    habitat: str | os.PathLike[str] | None = None,
    species: list[str] | None = None,
    lang: str = "en",
    allow_ballpark: bool = False,
) -> GridRun:
    """Make the monitoring grid over ``aoi`` and write it as a styled GeoPackage (layer ``cells``).

    Parameters
    ----------
    aoi
        The area (a vector file, ``FILE[:LAYER]``).
    cell_km
        Cell size, whole km.
    out
        The GeoPackage to write.
    legend
        The shared legend (class keys, resistances).
    crs
        An equal-area CRS; by default the region's (:data:`GRID_CRS`).
    zones, countries
        Zone and country layers (``FILE[:LAYER]``).
    habitat
        A habitat map, for composition and resistance.
    species
        Species for the mean resistance (default: every species of the legend).
    lang
        Language of the style's labels.
    allow_ballpark
        Accept a zero-shift datum step from an older datum.
    """
    import shapely

    from habitatmap.geodesy import lonlat_bounds, to_crs
    from habitatmap.io.atomic import check_output_folder
    from habitatmap.io.vector import read_vector, write_layers
    from habitatmap.monitoring.styles import styles_table
    from habitatmap.provenance import Provenance

    # The output is checked first: a wrong --out is told before the work, not after it.
    path = Path(out)
    if path.suffix.lower() != ".gpkg":
        raise ConfigError(f"--out {path} is not a .gpkg file; name a GeoPackage such as grid.gpkg.")
    check_output_folder(path)
    frame, info = read_vector(aoi, what="area of interest")
    record = Provenance(
        PRODUCT,
        parameters={"cell_km": cell_km, "crs": crs, "species": species, "country_field": country_field},
    )
    record.add_input("aoi", info.source)
    lonlat = lonlat_bounds(tuple(frame.total_bounds), frame.crs)
    if crs is None:
        region, crs = grid_crs_for(lonlat)
    else:
        region = next((r for r, (c, _, _) in GRID_CRS.items() if c.upper() == crs.upper()), "user")
    target = require_equal_area(crs)
    moved, op = to_crs(frame, target, allow_ballpark=allow_ballpark, what=f"area of interest {aoi}")
    ops = [(f"area of interest {aoi}", op)] if op is not None else []
    area = shapely.union_all(moved.geometry.make_valid().to_numpy())
    cells = make_cells(area, cell_km, target)
    zone_frame = country_frame = None
    if zones is not None:
        zf, zinfo = read_vector(zones, what="zone layer")
        zone_frame, zop = to_crs(zf, target, allow_ballpark=allow_ballpark, what=f"zone layer {zones}")
        record.add_input("zones", zinfo.source)
        ops += [(f"zone layer {zones}", zop)] if zop is not None else []
    if countries is not None:
        cf, cinfo = read_vector(countries, what="country layer")
        country_frame, cop = to_crs(
            cf, target, allow_ballpark=allow_ballpark, what=f"country layer {countries}"
        )
        record.add_input("countries", cinfo.source)
        ops += [(f"country layer {countries}", cop)] if cop is not None else []
    if zone_frame is not None or country_frame is not None:
        cells = zone_attributes(cells, zone_frame, countries=country_frame, country_field=country_field)
    if habitat is not None:
        cells, hop = habitat_composition(
            cells, habitat, legend, species=species, allow_ballpark=allow_ballpark
        )
        record.add_input("habitat", habitat)
        ops += [(f"habitat map {habitat}", hop)]
    for what, o in ops:
        record.add_operation(what, o)
    record.parameters.update(region=region, crs_used=target.to_string(), lonlat=list(lonlat))
    write_layers(
        path,
        {"cells": cells, "layer_styles": styles_table(["cells"], lang=lang)},
        layer_options={"layer_styles": {"FID": "id"}},
        provenance=record,
    )
    return GridRun(path, cells, target.to_string(), region, [o for _, o in ops])
