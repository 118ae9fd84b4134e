"""One raster grid per run: CRS, resolution and an extent snapped to the resolution.

Every raster step maps its data onto a :class:`Grid` (as odc-geo's GeoBox does), so reprojection
happens once, when data are loaded, and everything after that is plain array arithmetic. The grid
is also the only place that turns pixel positions into map coordinates and back: nothing else does
affine arithmetic by hand.
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

__all__ = ["Grid", "crs_label", "utm_epsg"]


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 / UTM zone containing (lon, lat)."""
    zone = min(60, max(1, math.floor((lon + 180.0) / 6.0) + 1))
    return (32600 if lat >= 0 else 32700) + zone


def crs_label(crs: object) -> str:
    """``AUTHORITY:CODE`` of a CRS when it has one, else its WKT (what grids and records store)."""
    c = CRS.from_user_input(crs)
    code = c.to_authority()
    return f"{code[0]}:{code[1]}" if code else c.to_wkt()


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

    # -- construction ---------------------------------------------------------------------------
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
        if not resolution > 0 or not math.isfinite(resolution):
            raise ValueError("resolution must be a positive number")
        w, s, e, n = bounds
        ax, ay = anchor
        x0 = ax + math.floor((w - ax) / resolution) * resolution
        x1 = ax + math.ceil((e - ax) / resolution) * resolution
        y0 = ay + math.floor((s - ay) / resolution) * resolution
        y1 = ay + math.ceil((n - ay) / resolution) * resolution
        width = max(1, round((x1 - x0) / resolution))
        height = max(1, round((y1 - y0) / resolution))
        return cls(crs_label(crs), Affine(resolution, 0.0, x0, 0.0, -resolution, y1), width, height)

    @classmethod
    def from_origin(cls, crs: object, west: float, north: float, resolution: float, width: int,
                    height: int) -> Grid:
        """A grid of ``width`` x ``height`` square pixels whose top-left corner is (west, north)."""
        return cls(crs_label(crs), Affine(resolution, 0.0, west, 0.0, -resolution, north), int(width),
                   int(height))

    @classmethod
    def from_dataset(cls, ds: Any, *, require_crs: bool = True) -> Grid:
        """The grid of an open rasterio dataset.

        Parameters
        ----------
        ds
            The dataset.
        require_crs
            Refuse a raster without a CRS (else its grid gets the empty CRS ``""``, as Circuitscape's
            ASCII grids have none).

        Raises
        ------
        InputDataError
            If the raster has no CRS (when required) or is rotated.
        """
        from habitatmap.errors import InputDataError

        if ds.crs is None and require_crs:
            raise InputDataError(f"{ds.name}: the raster has no coordinate reference system; "
                                 "write it with its CRS and try again.")
        if ds.transform.b != 0 or ds.transform.d != 0:
            raise InputDataError(f"{ds.name}: the raster is rotated; warp it to a north-up grid first.")
        t = ds.transform
        if not all(math.isfinite(v) for v in (t.a, t.c, t.e, t.f)) or t.a == 0 or t.e == 0:
            raise InputDataError(f"{ds.name}: the raster's corner or cell size is not a finite, non-zero "
                                 "number; fix its header (or georeferencing) and try again.")
        if ds.width < 1 or ds.height < 1:
            raise InputDataError(f"{ds.name}: the raster has no cells; write it again.")
        return cls(crs_label(ds.crs) if ds.crs is not None else "", ds.transform, ds.width, ds.height)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for manifests and provenance)."""
        return {"crs": self.crs, "transform": list(self.transform)[:6],
                "width": self.width, "height": self.height}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Grid:
        """Inverse of :meth:`to_dict`."""
        return cls(doc["crs"], Affine(*doc["transform"][:6]), int(doc["width"]), int(doc["height"]))

    # -- properties -----------------------------------------------------------------------------
    @property
    def pyproj_crs(self) -> CRS:
        """The CRS as a :class:`pyproj.CRS`."""
        return CRS.from_user_input(self.crs)

    @property
    def resolution(self) -> float:
        """Pixel width in CRS units."""
        return self.transform.a

    @property
    def square(self) -> bool:
        """True when pixels are as tall as they are wide."""
        return math.isclose(abs(self.transform.a), abs(self.transform.e), rel_tol=1e-9)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north)."""
        t = self.transform
        return (t.c, t.f + t.e * self.height, t.c + t.a * self.width, t.f)

    @property
    def pixel_area(self) -> float:
        """Area of one pixel in square CRS units (square metres for a metric projected CRS)."""
        return abs(self.transform.a * self.transform.e)

    def pixel_area_m2(self, what: str = "the raster") -> float:
        """Area of one pixel in square metres.

        Raises
        ------
        InputDataError
            If the CRS is geographic (pixel areas then vary with latitude).
        """
        crs = self.require_projected(what, why="pixel areas are not constant")
        unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        return self.pixel_area * unit * unit

    def require_projected(self, what: str, *, why: str = "distances and areas need metres") -> CRS:
        """The CRS, if it is projected.

        Raises
        ------
        InputDataError
            Naming ``what``, if the grid is in a geographic CRS.
        """
        from habitatmap.errors import InputDataError

        crs = self.pyproj_crs
        if not crs.is_projected:
            raise InputDataError(f"{what}: the grid is in a geographic CRS ({self.crs}), so {why}; "
                                 "reproject it to a projected CRS (e.g. its UTM zone) first.")
        return crs

    # -- pixels and coordinates -----------------------------------------------------------------
    def xy(self, rows: Any, cols: Any, *, offset: str = "center") -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates of pixel positions (centres by default, or ``offset="ul"`` corners)."""
        d = 0.5 if offset == "center" else 0.0
        r = np.asarray(rows, dtype=np.float64) + d
        c = np.asarray(cols, dtype=np.float64) + d
        t = self.transform
        return t.c + c * t.a + r * t.b, t.f + c * t.d + r * t.e

    def rowcol(self, xs: Any, ys: Any, *, on_edge: str = "next") -> tuple[np.ndarray, np.ndarray]:
        """Row and column (int64) of the pixels holding map coordinates; may lie off the grid.

        A coordinate exactly on a pixel edge belongs to the pixel the edge starts (``on_edge="next"``,
        the pixel to the east or south) or ends (``"previous"``, Circuitscape's rule for point lists).
        """
        inv = ~self.transform
        x, y = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
        c = inv.a * x + inv.b * y + inv.c
        r = inv.d * x + inv.e * y + inv.f
        if on_edge == "previous":
            return np.ceil(r).astype(np.int64) - 1, np.ceil(c).astype(np.int64) - 1
        # A hair of tolerance so a coordinate exactly on a pixel edge lands in the pixel it starts.
        return (np.floor(r + 1e-9).astype(np.int64), np.floor(c + 1e-9).astype(np.int64))

    def contains(self, rows: Any, cols: Any) -> np.ndarray:
        """True where (row, col) lies on the grid."""
        r, c = np.asarray(rows), np.asarray(cols)
        return (r >= 0) & (r < self.height) & (c >= 0) & (c < self.width)

    # -- windows and sub-grids ------------------------------------------------------------------
    def blocks(self, size: int) -> Iterator[Window]:
        """Windows of at most ``size`` x ``size`` pixels covering the grid, row by row."""
        for row in range(0, self.height, size):
            for col in range(0, self.width, size):
                yield Window(col, row, min(size, self.width - col), min(size, self.height - row))

    def window_transform(self, window: Window) -> Affine:
        """Transform of a window's top-left corner."""
        return self.transform @ Affine.translation(window.col_off, window.row_off)

    def window_bounds(self, window: Window) -> tuple[float, float, float, float]:
        """(west, south, east, north) of a window."""
        return self.subgrid(window).bounds

    def subgrid(self, window: Window) -> Grid:
        """The grid of a window (same CRS and pixel lattice)."""
        return Grid(self.crs, self.window_transform(window), int(window.width), int(window.height))

    def window_for(self, bounds: tuple[float, float, float, float]) -> Window | None:
        """The smallest window covering ``bounds`` (grid CRS), clipped to the grid; None if disjoint."""
        w, s, e, n = bounds
        inv = ~self.transform
        c0, r0 = inv @ (w, n)
        c1, r1 = inv @ (e, s)
        col0 = max(0, math.floor(min(c0, c1) + 1e-9))
        row0 = max(0, math.floor(min(r0, r1) + 1e-9))
        col1 = min(self.width, math.ceil(max(c0, c1) - 1e-9))
        row1 = min(self.height, math.ceil(max(r0, r1) - 1e-9))
        if col1 <= col0 or row1 <= row0:
            return None
        return Window(col0, row0, col1 - col0, row1 - row0)

    def offset_in(self, other: Grid) -> tuple[int, int] | None:
        """(row, col) of this grid's first pixel in ``other``, if both share CRS, pixel size and
        lattice (values can then be copied, not resampled); else None."""
        t, g = self.transform, other.transform
        if CRS.from_user_input(self.crs) != other.pyproj_crs:
            return None
        if not (abs(t.a - g.a) < 1e-9 and abs(t.e - g.e) < 1e-9 and t.b == g.b == 0 and t.d == g.d == 0):
            return None
        dc, dr = (t.c - g.c) / g.a, (t.f - g.f) / g.e
        if abs(dc - round(dc)) > 1e-6 or abs(dr - round(dr)) > 1e-6:
            return None
        return round(dr), round(dc)

    def same_as(self, other: Grid) -> bool:
        """True if ``other`` is exactly this grid (same CRS, size and georeferencing)."""
        if (self.width, self.height) != (other.width, other.height) \
                or not self.transform.almost_equals(other.transform, precision=1e-6):
            return False
        if not self.crs or not other.crs:
            return self.crs == other.crs
        return self.pyproj_crs == other.pyproj_crs

    def inside(self, geometry: Any, window: Window) -> np.ndarray:
        """Boolean mask of the window's pixels whose centres fall inside ``geometry`` (grid CRS).

        Blocks wholly inside or outside are decided from their outline; only blocks on the edge
        test each pixel centre. Pure shapely, so it is safe in worker threads.
        """
        import shapely

        shape = (int(window.height), int(window.width))
        outline = shapely.box(*self.window_bounds(window))
        if not shapely.is_prepared(geometry):
            shapely.prepare(geometry)
        if shapely.contains(geometry, outline):
            return np.ones(shape, dtype=bool)
        if not shapely.intersects(geometry, outline):
            return np.zeros(shape, dtype=bool)
        sub = self.subgrid(window)
        xs, _ = sub.xy(0, np.arange(shape[1]))
        _, ys = sub.xy(np.arange(shape[0]), 0)
        gx, gy = np.meshgrid(xs, ys)
        return shapely.contains_xy(geometry, gx, gy)
