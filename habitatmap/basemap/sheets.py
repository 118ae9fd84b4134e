"""1:100000 map-sheet nomenclature of both sides: SK-42 (Soviet/Russian) and GB/T 13989-2012 (China).

Both divide the 1:1,000,000 sheet (6 deg of longitude x 4 deg of latitude; row letter from the
equator, column 1-60 from 180 deg W) into 12 x 12 sheets of 30' x 20'. They differ in how a sheet is
written and in the datum its frame is drawn in:

* SK-42: ``K-52-35``, sheets numbered 1..144 from the north-west corner, west to east then north to
  south; frames in Pulkovo 1942 geographic coordinates (EPSG:4284).
* GB/T 13989-2012: ``K52D003011`` (million sheet, scale letter ``D``, 3-digit row from the north,
  3-digit column from the west); frames in CGCS2000 geographic coordinates (EPSG:4490).

A sheet is half-open: it holds the points with ``west <= lon < east`` and ``south <= lat < north``
in its own datum, so the sheets of a grid tile the plane without gaps or overlaps. Only the
northern and eastern hemispheres, and for SK-42 latitudes below 60 deg N (where sheets are still
single), are supported: that covers every park this toolkit serves.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from habitatmap.errors import InputDataError
from habitatmap.geodesy import DatumOperation, transform_geometries
from habitatmap.values import quote

__all__ = [
    "SYSTEMS",
    "Located",
    "Sheet",
    "frames_touching",
    "locate",
    "parse_sheet",
    "sheet_at",
    "sheet_frames",
    "sheet_grid",
    "sheets_in_bounds",
]

#: system -> (title, geographic CRS of its frames)
SYSTEMS: dict[str, tuple[str, str]] = {
    "sk42": ("SK-42 (Soviet/Russian nomenclature)", "EPSG:4284"),
    "gbt13989": ("GB/T 13989-2012 (Chinese nomenclature)", "EPSG:4490"),
}

_SHEET_W_MIN = 30  # arc-minutes of longitude
_SHEET_H_MIN = 20  # arc-minutes of latitude
_SK42 = re.compile(r"^([A-U])-(\d{1,2})-(\d{1,3})$")
_GBT = re.compile(r"^([A-U])(\d{2})D(\d{3})(\d{3})$")


@dataclass(frozen=True)
class Sheet:
    """One 1:100000 sheet.

    Attributes
    ----------
    system
        ``sk42`` or ``gbt13989``.
    row_letter, million_col
        The 1:1,000,000 sheet (``K``, 52).
    row, col
        Position inside it, 1..12 from the north-west corner.
    """

    system: str
    row_letter: str
    million_col: int
    row: int
    col: int

    @property
    def number(self) -> int:
        """SK-42 sheet number 1..144."""
        return (self.row - 1) * 12 + self.col

    @property
    def code(self) -> str:
        """The sheet's code in its system (``K-52-35`` or ``K52D003011``)."""
        if self.system == "sk42":
            return f"{self.row_letter}-{self.million_col}-{self.number}"
        return f"{self.row_letter}{self.million_col:02d}D{self.row:03d}{self.col:03d}"

    @property
    def crs(self) -> str:
        """Geographic CRS (datum) the frame is defined in."""
        return SYSTEMS[self.system][1]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees of the sheet's datum."""
        west_min = (self.million_col - 31) * 360 + (self.col - 1) * _SHEET_W_MIN
        north_min = (ord(self.row_letter) - ord("A") + 1) * 240 - (self.row - 1) * _SHEET_H_MIN
        return (west_min / 60, (north_min - _SHEET_H_MIN) / 60, (west_min + _SHEET_W_MIN) / 60,
                north_min / 60)

    def frame(self, *, points_per_edge: int = 31) -> Polygon:
        """The frame as a polygon in the sheet's datum, densified so that it stays a true
        graticule-bounded shape after projection (one vertex per minute of arc by default)."""
        w, s, e, n = self.bounds
        t = np.linspace(0.0, 1.0, points_per_edge)
        xs = np.concatenate([w + (e - w) * t, np.full_like(t, e)[1:], e - (e - w) * t[1:],
                             np.full_like(t, w)[1:]])
        ys = np.concatenate([np.full_like(t, s), s + (n - s) * t[1:], np.full_like(t, n)[1:],
                             n - (n - s) * t[1:]])
        return Polygon(np.column_stack([xs, ys]))

    def in_system(self, system: str) -> Sheet:
        """The sheet with the same numbers written in another system (its frame is in that
        system's datum, so on the ground it lies up to ~100 m away)."""
        return Sheet(system, self.row_letter, self.million_col, self.row, self.col)


def _check_system(system: str) -> str:
    if system not in SYSTEMS:
        raise InputDataError(f"unknown sheet system {quote(system)}; use one of {', '.join(SYSTEMS)}.")
    return system


def _minutes(value: float) -> float:
    # Round to a micro-arc-minute so that 43.0 or 42 + 40/60 land on the sheet they start.
    return round(value * 60.0, 6)


def sheet_at(lon: float, lat: float, system: str) -> Sheet:
    """The sheet holding (lon, lat), given in degrees of the system's own datum.

    Raises
    ------
    InputDataError
        Outside the supported range (northern and eastern hemispheres; SK-42 below 60 deg N).
    """
    _check_system(system)
    if not (0.0 <= lon < 180.0 and 0.0 <= lat < 88.0):
        raise InputDataError(f"({lon}, {lat}): sheets are supported for 0-180 deg E and 0-88 deg N "
                             "only; give longitude first, in degrees east.")
    if system == "sk42" and lat >= 60.0:
        raise InputDataError(f"({lon}, {lat}): north of 60 deg N SK-42 sheets are doubled, which is "
                             "not supported yet; map areas south of 60 deg N.")
    lon_m, lat_m = _minutes(lon), _minutes(lat)
    row_index = int(lat_m // 240)
    million_col = int(lon_m // 360) + 31
    k = int((lat_m - row_index * 240) // _SHEET_H_MIN)  # 0..11 from the south
    j = int((lon_m - (million_col - 31) * 360) // _SHEET_W_MIN)  # 0..11 from the west
    return Sheet(system, chr(ord("A") + row_index), million_col, 12 - k, j + 1)


def parse_sheet(code: str) -> Sheet:
    """Read ``K-52-35`` (SK-42) or ``K52D003011`` (GB/T 13989) into a :class:`Sheet`.

    Raises
    ------
    InputDataError
        If the code is neither form or its numbers are out of range.
    """
    text = code.strip().upper()
    if m := _SK42.match(text):
        letter, col, number = m.group(1), int(m.group(2)), int(m.group(3))
        if 1 <= col <= 60 and 1 <= number <= 144:
            return Sheet("sk42", letter, col, (number - 1) // 12 + 1, (number - 1) % 12 + 1)
    elif m := _GBT.match(text):
        letter, col, row, c = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
        if 1 <= col <= 60 and 1 <= row <= 12 and 1 <= c <= 12:
            return Sheet("gbt13989", letter, col, row, c)
    raise InputDataError(f"{quote(code)}: not a 1:100000 sheet code; write SK-42 sheets like K-52-35 and "
                         "GB/T 13989 sheets like K52D003011.")


def sheets_in_bounds(bounds: tuple[float, float, float, float], system: str) -> list[Sheet]:
    """Every sheet whose frame meets the (west, south, east, north) box, in the system's datum."""
    _check_system(system)
    w, s, e, n = bounds
    if not (w <= e and s <= n):
        raise InputDataError(f"bounds {bounds}: west is east of east or south north of north; give "
                             "west <= east and south <= north.")
    cx0 = math.floor(_minutes(w) / _SHEET_W_MIN)
    cx1 = max(cx0 + 1, math.ceil(_minutes(e) / _SHEET_W_MIN))
    cy0 = math.floor(_minutes(s) / _SHEET_H_MIN)
    cy1 = max(cy0 + 1, math.ceil(_minutes(n) / _SHEET_H_MIN))
    # North to south, west to east, as sheets are numbered.
    return [sheet_at((cx * _SHEET_W_MIN + _SHEET_W_MIN / 2) / 60, (cy * _SHEET_H_MIN + _SHEET_H_MIN / 2) / 60,
                     system)
            for cy in range(cy1 - 1, cy0 - 1, -1) for cx in range(cx0, cx1)]


def frames_touching(geometry: object, system: str) -> list[Sheet]:
    """Sheets whose frames intersect ``geometry`` (shapely, in the system's geographic datum)."""
    candidates = sheets_in_bounds(tuple(shapely.bounds(geometry)), system)
    shapely.prepare(geometry)
    return [sh for sh in candidates if shapely.intersects(geometry, shapely.box(*sh.bounds))]


@dataclass(frozen=True)
class Located:
    """Where a point falls in one system: the sheet, the point in that system's datum, and the
    datum operation used to get there (None when the point was already in that datum)."""

    sheet: Sheet
    lonlat: tuple[float, float]
    operation: DatumOperation | None


def locate(lon: float, lat: float, *, crs: str = "EPSG:4326",
           allow_ballpark: bool = False) -> dict[str, Located]:
    """The 1:100000 sheet of a point in both systems.

    The point (given in ``crs``) is first moved into each system's datum with the operation PROJ
    picks for its area, because a sheet edge is a line in that datum, not in WGS 84.

    Raises
    ------
    GeodesyError
        If only a zero-shift step from an older datum is available and ``allow_ballpark`` is False.
    InputDataError
        Outside the supported range.
    """
    from pyproj import CRS

    from habitatmap.geodesy import parse_crs

    crs = parse_crs(crs, option="--crs")
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InputDataError(f"({lon}, {lat}): not finite coordinates; give finite numbers.")
    if CRS.from_user_input(crs).is_geographic and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputDataError(f"({lon}, {lat}): not a longitude and latitude in degrees; give longitude "
                             "first.")
    out = {}
    for system, (_, sys_crs) in SYSTEMS.items():
        moved, op = transform_geometries(Point(lon, lat), crs, sys_crs, allow_ballpark=allow_ballpark,
                                         what=f"point ({lon}, {lat})", densify=False)
        x, y = float(moved.x), float(moved.y)
        out[system] = Located(sheet_at(x, y, system), (x, y), op)
    return out


def sheet_frames(area_lonlat: object, area_crs: str, target_crs: str, system: str, *,
                 allow_ballpark: bool = False, source: str = "area"
                 ) -> tuple[gpd.GeoDataFrame, DatumOperation | None]:
    """Frames of every sheet meeting an area, built in the system's datum, densified, then moved
    to ``target_crs``.

    Parameters
    ----------
    area_lonlat
        The area (shapely) in ``area_crs``.
    area_crs, target_crs
        CRS of the area and of the output frames.
    system
        ``sk42`` or ``gbt13989``.
    allow_ballpark
        Accept a zero-shift step from an older datum.
    source
        Where the area came from, for messages.

    Returns
    -------
    (GeoDataFrame, DatumOperation or None)
        One row per sheet: ``code``, ``other_code`` (same numbers in the other system), ``system``,
        ``datum``, ``scale``, ``west``, ``south``, ``east``, ``north`` (degrees in the datum).
    """
    _check_system(system)
    sys_crs = SYSTEMS[system][1]
    in_datum, _ = transform_geometries(area_lonlat, area_crs, sys_crs, allow_ballpark=allow_ballpark,
                                       what=f"{source} (area of the {system} sheets)")
    sheets = frames_touching(in_datum, system)
    frames = np.array([sh.frame() for sh in sheets], dtype=object)
    moved, op = transform_geometries(frames, sys_crs, target_crs, allow_ballpark=allow_ballpark,
                                     what=f"{system} sheet frames", densify=False)
    other = "gbt13989" if system == "sk42" else "sk42"
    rows = {
        "code": [sh.code for sh in sheets],
        "other_code": [sh.in_system(other).code for sh in sheets],
        "system": [system] * len(sheets),
        "datum": [sys_crs] * len(sheets),
        "scale": [100_000] * len(sheets),
        **{k: [sh.bounds[i] for sh in sheets] for i, k in enumerate(("west", "south", "east", "north"))},
    }
    return gpd.GeoDataFrame(rows, geometry=list(np.asarray(moved, dtype=object)), crs=target_crs), op


def sheet_grid(area: object, crs: str = "auto", *,
               allow_ballpark: bool = False) -> tuple[str, dict[str, gpd.GeoDataFrame]]:
    """Frames of every sheet meeting an :class:`habitatmap.aoi.Area`, in both systems.

    Parameters
    ----------
    area
        The area.
    crs
        CRS of the frames, or ``auto`` for the UTM zone of the area's centre.
    allow_ballpark
        Accept a zero-shift step from an older datum.

    Returns
    -------
    (crs, {"sheets_sk42": GeoDataFrame, "sheets_gbt13989": GeoDataFrame})
        Each row also carries the datum operation (``operation``, ``operation_accuracy_m``).
    """
    from habitatmap.geodesy import parse_crs
    from habitatmap.grid import utm_epsg

    if crs == "auto":
        centre = area.lonlat.centroid  # type: ignore[attr-defined]
        target = f"EPSG:{utm_epsg(centre.x, centre.y)}"
    else:
        target = parse_crs(crs)
    layers = {}
    for system in SYSTEMS:
        gdf, op = sheet_frames(area.geometry, area.crs, target, system,  # type: ignore[attr-defined]
                               allow_ballpark=allow_ballpark, source=str(getattr(area, "source", "area")))
        if op is not None:
            gdf["operation"] = op.description
            gdf["operation_accuracy_m"] = op.accuracy_m
        layers[f"sheets_{system}"] = gdf
    return target, layers
