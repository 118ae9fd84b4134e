"""The area of interest: read from any vector file GDAL reads, or from a WGS 84 bounding box."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import shapely
from pyproj import CRS
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from habitatmap.errors import InputDataError
from habitatmap.geodesy import DatumOperation, transform_geometries

__all__ = ["Area", "area_from_bbox", "read_area", "split_layer"]

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
        label = target.to_authority()
        return Area(shapely.make_valid(moved), f"{label[0]}:{label[1]}" if label else target.to_wkt(),
                    self.source, op)


def split_layer(spec: str) -> tuple[Path, str | None]:
    """Split ``FILE[:LAYER]`` into the file and the optional layer name."""
    path = Path(spec)
    if path.exists() or ":" not in spec:
        return path, None
    file, layer = spec.rsplit(":", 1)
    return Path(file), (layer or None)


def read_area(spec: str | os.PathLike[str]) -> Area:
    """Read the polygons of a vector file (``FILE`` or ``FILE:LAYER``) and dissolve them into one area.

    Raises
    ------
    InputDataError
        If the file is missing or unreadable, has no CRS, or holds no polygons.
    """
    import pyogrio

    path, layer = split_layer(str(spec))
    if not path.exists():
        raise InputDataError(f"{path}: area file not found; check the path given to --aoi.")
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer, columns=[])
    except Exception as err:  # pyogrio raises DataSourceError, DataLayerError, ...
        raise InputDataError(f"{spec}: cannot read it as a vector layer ({err}); "
                             "pass a GeoPackage, GeoJSON, Shapefile or another GDAL vector format.") from None
    if gdf.crs is None:
        raise InputDataError(f"{spec}: the layer has no coordinate reference system; "
                             "save it with its CRS (e.g. a .prj for a Shapefile) and try again.")
    polys = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    polys = polys[polys.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        raise InputDataError(f"{spec}: holds no polygons; an area of interest must be a polygon layer.")
    geom = shapely.make_valid(shapely.union_all(polys.values))
    label = gdf.crs.to_authority()
    crs = f"{label[0]}:{label[1]}" if label else gdf.crs.to_wkt()
    return Area(geom, crs, f"{path}" + (f":{layer}" if layer else ""))


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
    if len(values) != 4:
        raise InputDataError(f"bbox {bbox!r}: expected four numbers W,S,E,N in degrees, "
                             "e.g. --bbox 130.6,42.85,130.85,43.02.")
    w, s, e, n = values
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise InputDataError(f"bbox {bbox!r}: needs -180 <= W < E <= 180 and -90 <= S < N <= 90 "
                             "(longitude first); fix the order or the values.")
    return Area(box(w, s, e, n), "EPSG:4326", f"bbox {w},{s},{e},{n}")
