"""Habitat map -> habitat polygons for the 1:100000 base map.

Pixels are traced into polygons (4-connected, the connectivity the minimum mapping unit uses, so
every polygon is at least the MMU), then simplified as one coverage with the 1:100000 line
tolerance (:data:`habitatmap.scale.SIMPLIFY_TOLERANCE_M`): shared edges are simplified once, so
neighbouring polygons neither overlap nor leave gaps. Invalid results are repaired and counted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from habitatmap.errors import InputDataError
from habitatmap.grid import Grid
from habitatmap.io.raster import read_raster
from habitatmap.io.vector import write_layers
from habitatmap.legend.model import LANGUAGES, Legend
from habitatmap.provenance import Provenance
from habitatmap.scale import SIMPLIFY_TOLERANCE_M

__all__ = ["PolygonizeResult", "habitat_polygons", "habitat_polygons_from_file", "polygonize_map"]


@dataclass(frozen=True)
class PolygonizeResult:
    """What :func:`polygonize_map` wrote."""

    path: Path
    layer: str
    polygons: int
    repaired: int
    tolerance_m: float


def habitat_polygons(labels: np.ndarray, grid: Grid, legend: Legend, *,
                     tolerance_m: float = SIMPLIFY_TOLERANCE_M) -> tuple[object, int]:
    """Polygons of a class array as a GeoDataFrame (code, key, names, area_ha) and the repair count."""
    import geopandas as gpd
    import rasterio.features

    valid = labels != legend.nodata
    geoms, codes = [], []
    for geom, value in rasterio.features.shapes(labels, mask=valid, connectivity=4,
                                                transform=grid.transform):
        geoms.append(shapely.geometry.shape(geom))
        codes.append(int(value))
    geoms_a = np.asarray(geoms, dtype=object)
    if tolerance_m > 0 and len(geoms_a):
        geoms_a = shapely.coverage_simplify(geoms_a, tolerance_m, simplify_boundary=True)
    broken = ~shapely.is_valid(geoms_a)
    repaired = int(broken.sum())
    if repaired:
        fixed = shapely.make_valid(geoms_a[broken])
        # make_valid may return a collection with slivers of lines; keep the polygonal part.
        geoms_a[broken] = [shapely.union_all([g for g in shapely.get_parts(f)
                                              if g.geom_type in ("Polygon", "MultiPolygon")])
                           for f in fixed]
    keep = ~shapely.is_empty(geoms_a)
    geoms_a = geoms_a[keep]
    codes_a = np.asarray(codes, dtype=np.int64)[keep]
    unknown = sorted(set(codes_a.tolist()) - set(legend.codes))
    if unknown:
        raise InputDataError(f"the map holds values {unknown} that are not legend codes; polygonize a "
                             "map classified with this legend (or pass its --legend).")
    data = {"code": codes_a, "key": [legend.by_code(c).key for c in codes_a]}
    for lang in LANGUAGES:
        names = legend.names(lang)
        data[f"name_{lang}"] = [names[c] for c in codes_a]
    data["area_ha"] = np.round(shapely.area(geoms_a) / 10_000, 4)
    return gpd.GeoDataFrame(data, geometry=list(geoms_a), crs=grid.crs), repaired


def polygonize_map(
    map_path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    legend: Legend,
    *,
    tolerance_m: float = SIMPLIFY_TOLERANCE_M,
    layer: str = "habitats",
) -> PolygonizeResult:
    """Trace a habitat map into simplified polygons in a GeoPackage layer.

    Parameters
    ----------
    map_path
        Class map of legend codes (``habitatmap classify`` output), in a projected CRS.
    out
        GeoPackage to write (replaced atomically).
    legend
        The legend the map uses.
    tolerance_m
        Simplification tolerance in metres (default from 1:100000; 0 keeps the pixel outlines).
    layer
        Layer name.

    Raises
    ------
    InputDataError
        If the map is missing, not a single-band class map, or in a geographic CRS.
    """
    gdf, repaired = _read_and_trace(map_path, legend, tolerance_m)
    record = Provenance("habitat.polygonize", parameters={"tolerance_m": tolerance_m, "layer": layer,
                                                          "legend": legend.id})
    record.add_input("habitat map", map_path)
    write_layers(out, {layer: gdf}, provenance=record)
    return PolygonizeResult(Path(out), layer, len(gdf), repaired, tolerance_m)


def habitat_polygons_from_file(map_path: str | os.PathLike[str], legend: Legend, *,
                               tolerance_m: float = SIMPLIFY_TOLERANCE_M) -> object:
    """The habitat polygons of a map file as a GeoDataFrame (see :func:`polygonize_map`)."""
    return _read_and_trace(map_path, legend, tolerance_m)[0]


def _read_and_trace(map_path: str | os.PathLike[str], legend: Legend,
                    tolerance_m: float) -> tuple[object, int]:
    raster = read_raster(map_path, what="habitat map", require_single_band=True)
    if raster.data.dtype not in (np.uint8, np.uint16):
        raise InputDataError(f"{map_path}: not a class map (one integer band of legend codes, uint8 or "
                             "uint16); pass the output of 'habitatmap classify'.")
    raster.grid.require_projected(str(map_path), why="areas and the metre tolerance mean nothing")
    present = np.unique(raster.data)
    unknown = sorted(set(present.tolist()) - set(legend.codes) - {legend.nodata})
    if unknown:  # before tracing: the polygons of a wrong map would take long and mean nothing
        shown = ", ".join(map(str, unknown[:10])) + (", ..." if len(unknown) > 10 else "")
        raise InputDataError(f"{map_path}: holds values {shown} that are not codes of legend {legend.id}; "
                             "polygonize a map classified with this legend (or pass its --legend).")
    return habitat_polygons(raster.data, raster.grid, legend, tolerance_m=tolerance_m)
