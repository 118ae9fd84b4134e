"""The area of interest: read from any vector file GDAL reads, or from a WGS 84 bounding box."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import cached_property

import shapely
from pyproj import CRS
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from habitatmap.errors import InputDataError
from habitatmap.geodesy import DatumOperation, transform_geometries
from habitatmap.grid import crs_label
from habitatmap.values import quote

__all__ = ["Area", "area_from_bbox", "read_area"]

_WGS84 = CRS.from_epsg(4326)


@dataclass(frozen=True)
class Area:
    """A (multi)polygon in a known CRS, with where it came from.

    Attributes
    ----------
    geometry
        The dissolved polygons.
    crs
        Their CRS as ``AUTHORITY:CODE`` or WKT.
    source
        File name (and layer) or ``bbox W,S,E,N``, for messages and provenance.
    operation
        The datum operation used to bring it into ``crs``, if it was transformed.
    """

    geometry: BaseGeometry
    crs: str
    source: str
    operation: DatumOperation | None = None

    @cached_property
    def lonlat(self) -> BaseGeometry:
        """The area in WGS 84 longitude/latitude (for STAC searches and footprints)."""
        return self.to_crs(_WGS84).geometry

    @property
    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees."""
        return tuple(self.lonlat.bounds)  # type: ignore[return-value]

    def to_crs(self, crs: object, *, allow_ballpark: bool = False) -> Area:
        """The area in another CRS, transformed with a datum-safe operation (see :mod:`geodesy`)."""
        target = CRS.from_user_input(crs)
        source = CRS.from_user_input(self.crs)
        if target == source:
            return self
        moved, op = transform_geometries(self.geometry, source, target, allow_ballpark=allow_ballpark,
                                         what=self.source)
        return Area(shapely.make_valid(moved), crs_label(target), self.source, op)


def read_area(spec: str | os.PathLike[str], *, assume_crs: str | None = None) -> Area:
    """Read the polygons of a vector file (``FILE`` or ``FILE:LAYER``) and dissolve them into one area.

    Raises
    ------
    InputDataError
        If the file is missing or unreadable, has no CRS, or holds no polygons.
    """
    from habitatmap.io.vector import read_vector

    gdf, info = read_vector(spec, what="area of interest", columns=[], assume_crs=assume_crs)
    polys = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    polys = polys[polys.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        raise InputDataError(f"{info.source}: holds no polygons; an area of interest must be a polygon "
                             "layer (or give --bbox W,S,E,N).")
    geom = shapely.make_valid(shapely.union_all(polys.values))
    if geom.is_empty or geom.area == 0:
        raise InputDataError(f"{info.source}: its polygons have no area; give a polygon layer with area.")
    return Area(geom, crs_label(gdf.crs), info.source)


def area_from_bbox(bbox: str | tuple[float, float, float, float]) -> Area:
    """An area from a WGS 84 bounding box ``W,S,E,N``.

    Raises
    ------
    InputDataError
        If the box is not four numbers in degrees with W < E and S < N.
    """
    try:
        values = [float(v) for v in bbox.split(",")] if isinstance(bbox, str) else list(map(float, bbox))
    except ValueError:
        values = []
    if len(values) != 4 or not all(map(math.isfinite, values)):
        raise InputDataError(f"--bbox {quote(bbox)}: not four finite numbers W,S,E,N in degrees; write "
                             "e.g. --bbox 130.6,42.85,130.85,43.02.")
    w, s, e, n = values
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise InputDataError(f"--bbox {quote(bbox)}: needs -180 <= W < E <= 180 and -90 <= S < N <= 90 "
                             "(longitude first); fix the order or the values.")
    return Area(box(w, s, e, n), "EPSG:4326", f"bbox {w},{s},{e},{n}")
