"""One raster grid per run: CRS, resolution and an extent snapped to the resolution.

Every raster step maps its data onto a :class:`Grid` (as odc-geo's GeoBox does), so reprojection
happens once, when data are loaded, and everything after that is plain array arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from affine import Affine
from pyproj import CRS
from rasterio.windows import Window

__all__ = ["Grid", "utm_epsg"]


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 / UTM zone containing (lon, lat)."""
    zone = min(60, max(1, math.floor((lon + 180.0) / 6.0) + 1))
    return (32600 if lat >= 0 else 32700) + zone


def _crs_label(crs: CRS) -> str:
    code = crs.to_authority()
    return f"{code[0]}:{code[1]}" if code else crs.to_wkt()


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid.

    Attributes
    ----------
    crs
        Coordinate reference system, as ``AUTHORITY:CODE`` or WKT.
    transform
        Affine transform of the top-left pixel corner.
    width, height
        Size in pixels.
    """

    crs: str
    transform: Affine
    width: int
    height: int

    @classmethod
    def from_bounds(
        cls,
        crs: object,
        bounds: tuple[float, float, float, float],
        resolution: float,
        *,
        anchor: tuple[float, float] = (0.0, 0.0),
    ) -> Grid:
        """The smallest grid covering ``bounds`` whose pixel edges fall on ``anchor + k * resolution``.

        Parameters
        ----------
        crs
            Anything :class:`pyproj.CRS` accepts.
        bounds
            (west, south, east, north) in the units of ``crs``.
        resolution
            Pixel size in CRS units.
        anchor
            A point on the pixel lattice (e.g. a corner of the source scenes, so that no resampling
            is needed when the CRS matches).
        """
        if resolution <= 0:
            raise ValueError("resolution must be positive")
        w, s, e, n = bounds
        ax, ay = anchor
        x0 = ax + math.floor((w - ax) / resolution) * resolution
        x1 = ax + math.ceil((e - ax) / resolution) * resolution
        y0 = ay + math.floor((s - ay) / resolution) * resolution
        y1 = ay + math.ceil((n - ay) / resolution) * resolution
        width = max(1, round((x1 - x0) / resolution))
        height = max(1, round((y1 - y0) / resolution))
        label = _crs_label(CRS.from_user_input(crs))
        return cls(label, Affine(resolution, 0.0, x0, 0.0, -resolution, y1), width, height)

    @property
    def pyproj_crs(self) -> CRS:
        """The CRS as a :class:`pyproj.CRS`."""
        return CRS.from_user_input(self.crs)

    @property
    def resolution(self) -> float:
        """Pixel size in CRS units."""
        return self.transform.a

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north)."""
        t = self.transform
        return (t.c, t.f + t.e * self.height, t.c + t.a * self.width, t.f)

    def blocks(self, size: int) -> Iterator[Window]:
        """Windows of at most ``size`` x ``size`` pixels covering the grid, row by row."""
        for row in range(0, self.height, size):
            for col in range(0, self.width, size):
                yield Window(col, row, min(size, self.width - col), min(size, self.height - row))

    def window_transform(self, window: Window) -> Affine:
        """Transform of a window's top-left corner."""
        return self.transform @ Affine.translation(window.col_off, window.row_off)

    def inside(self, geometry: Any, window: Window) -> np.ndarray:
        """Boolean mask of the window's pixels whose centres fall inside ``geometry`` (grid CRS).

        Blocks wholly inside or outside are decided from their outline; only blocks on the edge
        test each pixel centre. Pure shapely, so it is safe in worker threads.
        """
        import shapely

        shape = (int(window.height), int(window.width))
        t = self.window_transform(window)
        x0, y1 = t.c, t.f
        x1, y0 = x0 + t.a * shape[1], y1 + t.e * shape[0]
        outline = shapely.box(x0, y0, x1, y1)
        if not shapely.is_prepared(geometry):
            shapely.prepare(geometry)
        if shapely.contains(geometry, outline):
            return np.ones(shape, dtype=bool)
        if not shapely.intersects(geometry, outline):
            return np.zeros(shape, dtype=bool)
        xs = x0 + t.a * (np.arange(shape[1]) + 0.5)
        ys = y1 + t.e * (np.arange(shape[0]) + 0.5)
        gx, gy = np.meshgrid(xs, ys)
        return shapely.contains_xy(geometry, gx, gy)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for manifests and provenance)."""
        return {"crs": self.crs, "transform": list(self.transform)[:6],
                "width": self.width, "height": self.height}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Grid:
        """Inverse of :meth:`to_dict`."""
        return cls(doc["crs"], Affine(*doc["transform"][:6]), int(doc["width"]), int(doc["height"]))

    @classmethod
    def from_dataset(cls, ds: Any) -> Grid:
        """The grid of an open rasterio dataset.

        Raises
        ------
        InputDataError
            If the raster has no CRS or is rotated.
        """
        from habitatmap.errors import InputDataError

        if ds.crs is None:
            raise InputDataError(f"{ds.name}: the raster has no coordinate reference system; "
                                 "write it with its CRS and try again.")
        if ds.transform.b != 0 or ds.transform.d != 0:
            raise InputDataError(f"{ds.name}: the raster is rotated; warp it to a north-up grid first.")
        return cls(_crs_label(CRS.from_user_input(ds.crs)), ds.transform, ds.width, ds.height)

    @property
    def pixel_area(self) -> float:
        """Area of one pixel in square CRS units (square metres for a projected CRS)."""
        return abs(self.transform.a * self.transform.e)

    def same_as(self, crs: object, transform: Affine, width: int, height: int) -> bool:
        """True if a raster with this georeferencing lies exactly on this grid (False without a CRS)."""
        if not crs:
            return False
        return (CRS.from_user_input(crs) == self.pyproj_crs and width == self.width
                and height == self.height and transform.almost_equals(self.transform, precision=1e-6))
