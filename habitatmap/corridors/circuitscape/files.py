"""Circuitscape's file formats: ASCII grids (or GeoTIFFs, optionally gzipped), point, pair and
source-strength lists, and the output files (``_resistances.out``, ASCII maps).

Grids are read through :mod:`habitatmap.io.raster` (only the ASCII grid and GeoTIFF drivers, size
checked against memory first) and written with the habitat grid's header, values rounded to 8
decimals, as Circuitscape writes them.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from habitatmap.corridors.modes import FocalPoints
from habitatmap.errors import HabitatmapWarning, InputDataError
from habitatmap.grid import Grid

__all__ = [
    "AsciiGrid",
    "format_value",
    "read_cell_values",
    "read_grid",
    "read_pairs",
    "read_points",
    "read_strengths",
    "read_text_rows",
    "write_ascii_grid",
    "write_resistances",
]

#: GDAL drivers a Circuitscape grid may be read with.
GRID_DRIVERS = ("AAIGrid", "GTiff")


@dataclass(frozen=True)
class AsciiGrid:
    """A grid of Circuitscape data: the values (float64, NaN for nodata), its grid and nodata value."""

    data: np.ndarray
    grid: Grid
    nodata: float = -9999.0


def _drivers(path: Path) -> tuple[str, ...]:
    name = path.name.lower().removesuffix(".gz")
    return ("AAIGrid",) if name.endswith(".asc") else ("GTiff",) if name.endswith((".tif", ".tiff")) \
        else GRID_DRIVERS


def read_grid(path: Path) -> AsciiGrid:
    """A single-band grid (ASCII grid or GeoTIFF, optionally gzipped) as float64 with NaN nodata.

    Raises
    ------
    InputDataError
        Unreadable, not one of those formats, or too large for the free memory.
    """
    from habitatmap.io.raster import read_gzipped_raster, read_raster

    what = "Circuitscape grid"
    if path.name.lower().endswith(".gz"):
        raster = read_gzipped_raster(path, what=what, drivers=_drivers(path), dtype=np.float64,
                                     require_crs=False)
    else:
        raster = read_raster(path, what=what, drivers=_drivers(path), dtype=np.float64, require_crs=False)
    nodata = raster.nodata if raster.nodata is not None and not math.isnan(raster.nodata) else -9999.0
    return AsciiGrid(raster.data, raster.grid, float(nodata))


def same_grid(path: Path, other: AsciiGrid, habitat: AsciiGrid, ini: Path) -> None:
    """Refuse a grid of another size than the habitat grid; warn if only its corner differs."""
    g, h = other.grid, habitat.grid
    if (g.width, g.height) != (h.width, h.height):
        raise InputDataError(f"{path}: {g.width} x {g.height} cells, but the habitat grid has "
                             f"{h.width} x {h.height} (in {ini}); give grids of the same extent.")
    if not g.transform.almost_equals(h.transform, precision=1e-9):
        warnings.warn(f"{path}: its corner or cell size differs from the habitat grid's; cells are "
                      "matched by position.", HabitatmapWarning, stacklevel=3)


def _text_lines(path: Path) -> list[list[str]]:
    """The non-blank lines of a text input (optionally gzipped), split on whitespace."""
    from habitatmap.io.text import read_text

    text = read_text(path, what="Circuitscape text input")
    return [line.split() for line in text.splitlines() if line.strip()]


def read_text_rows(path: Path) -> np.ndarray:
    """Lines of ``value x y`` as an ``(n, 3)`` float array (only finite numbers accepted).

    Raises
    ------
    InputDataError
        For lines that are not three finite numbers.
    """
    lines = _text_lines(path)
    try:
        rows = np.array([[float(v) for v in r[:3]] for r in lines], dtype=np.float64).reshape(-1, 3)
    except ValueError:
        rows = np.array([[np.nan]])
    if not np.isfinite(rows).all():
        raise InputDataError(f"{path}: expected lines of 'value x y' (finite numbers); fix the file.")
    return rows


def _cells_from_xy(path: Path, table: np.ndarray, grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, cols (0-based) and values of a 'value x y' list, placed by Circuitscape's rule."""
    values, x, y = table[:, 0], table[:, 1], table[:, 2]
    rows, cols = grid.rowcol(x, y, on_edge="previous")
    outside = ~grid.contains(rows, cols)
    if outside.any():
        bad = ", ".join(f"{values[i]:g} at ({x[i]:g}, {y[i]:g})" for i in np.flatnonzero(outside)[:5])
        raise InputDataError(f"{path}: point(s) {bad} fall outside the habitat grid; fix their "
                             "coordinates or extend the grid.")
    return rows, cols, values


def read_points(path: Path, habitat: AsciiGrid, ini: Path) -> FocalPoints:
    """Focal points or regions: a ``value x y`` list (``.txt``) or a grid of ids.

    Raises
    ------
    InputDataError
        Fewer than two focal nodes, points off the grid, unreadable file.
    """
    if path.suffix.lower() == ".txt":
        rows, cols, values = _cells_from_xy(path, read_text_rows(path), habitat.grid)
    else:
        other = read_grid(path)
        same_grid(path, other, habitat, ini)
        grid = np.nan_to_num(other.data, nan=0.0)
        rows, cols = np.nonzero(grid)
        values = grid[rows, cols]
    keep = values > 0
    points = FocalPoints(rows[keep], cols[keep], values[keep].astype(np.int64))
    if len(points.unique_ids) < 2:
        raise InputDataError(f"{path}: fewer than two focal points or regions; give at least two.")
    return points


def read_cell_values(path: Path, habitat: AsciiGrid, ini: Path) -> np.ndarray:
    """A source or ground file (grid, or ``value x y`` list) as a grid; nodata is NaN."""
    if path.suffix.lower() == ".txt":
        rows, cols, values = _cells_from_xy(path, read_text_rows(path), habitat.grid)
        out = np.full(habitat.grid.shape, np.nan)
        out[rows, cols] = values
        return out
    other = read_grid(path)
    same_grid(path, other, habitat, ini)
    return other.data


def read_pairs(path: Path) -> tuple[str, set[tuple[int, int]], np.ndarray]:
    """Included-pairs file: returns (mode, excluded id pairs, ids the file knows).

    Raises
    ------
    InputDataError
        For a file in neither of Circuitscape's two layouts.
    """
    lines = _text_lines(path)
    if not lines:
        raise InputDataError(f"{path}: empty included-pairs file; list pairs or remove the option.")
    head = lines[0][0].lower()
    try:
        if head == "min":
            return "include", *_pairs_matrix(lines)
        if head == "mode":
            return lines[0][1].lower(), *_pairs_list(lines)
    except (ValueError, IndexError, OverflowError):
        pass
    raise InputDataError(f"{path}: not an included-pairs file Circuitscape reads: either 'min' and 'max' "
                         "lines and a matrix headed by the focal ids, or 'mode include|exclude' and one "
                         "pair of ids a line; fix the file.")


def _pairs_matrix(lines: list[list[str]]) -> tuple[set[tuple[int, int]], np.ndarray]:
    lo, hi = float(lines[0][1]), float(lines[1][1])
    ids = np.array([int(float(v)) for v in lines[2][1:]], dtype=np.int64)
    rows = lines[3:3 + len(ids)]
    if len(rows) != len(ids) or any(len(r) < 1 + len(ids) for r in rows):
        raise ValueError("matrix is not square")
    mat = np.array([[float(v) for v in r[1:1 + len(ids)]] for r in rows])
    keep = np.where(mat > hi, 0.0, mat) >= lo
    excluded = {(int(ids[i]), int(ids[j])) for i in range(len(ids)) for j in range(len(ids))
                if i != j and not keep[i, j] and not keep[j, i]}
    return excluded, ids


def _pairs_list(lines: list[list[str]]) -> tuple[set[tuple[int, int]], np.ndarray]:
    mode = lines[0][1].lower()
    if mode not in ("include", "exclude"):
        raise ValueError(mode)
    pairs = {(int(float(r[0])), int(float(r[1]))) for r in lines[1:]}
    ids = np.array(sorted({v for p in pairs for v in p} - {0}), dtype=np.int64)
    listed = pairs | {(b, a) for a, b in pairs}
    excluded = {(int(a), int(b)) for a in ids for b in ids
                if a != b and ((int(a), int(b)) in listed) == (mode == "exclude")}
    return excluded, ids


def read_strengths(path: Path) -> dict[int, float]:
    """Variable source strengths: lines of ``focal id, strength``.

    Raises
    ------
    InputDataError
        For lines that are not an id and a finite number.
    """
    lines = _text_lines(path)  # outside the try: its own error is an InputDataError (a ValueError)
    try:
        out = {int(float(r[0])): float(r[1]) for r in lines}
    except (ValueError, IndexError, OverflowError):
        out = {0: math.nan}
    if not all(math.isfinite(v) for v in out.values()):
        raise InputDataError(f"{path}: expected lines of 'focal id, source strength' (finite numbers); "
                             "fix the file.")
    return out


def format_value(v: float) -> str:
    """A number as Circuitscape writes it (integers without a decimal point)."""
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.10g}"


def write_ascii_grid(path: Path, values: np.ndarray, grid: Grid, nodata: float) -> Path:
    """Write ``values`` as an ESRI ASCII grid with ``grid``'s header, atomically."""
    from habitatmap.io.atomic import atomic_path

    rounded = np.round(values, 8)
    west, south, _, _ = grid.bounds
    with atomic_path(path) as tmp, open(tmp, "w", encoding="ascii") as f:
        f.write(f"ncols         {grid.width}\nnrows         {grid.height}\n"
                f"xllcorner     {west!r}\nyllcorner     {south!r}\n"
                f"cellsize      {grid.resolution!r}\nNODATA_value  {format_value(nodata)}\n")
        for row in rounded:
            f.write(" ".join(format_value(float(v)) for v in row))
            f.write("\n")
    return path


def write_resistances(prefix: str, ids: np.ndarray, res: np.ndarray) -> list[Path]:
    """Pairwise resistances as ``PREFIX_resistances.out`` (matrix) and ``_resistances_3columns.out``."""
    from habitatmap.io.atomic import write_text_atomic

    fv = format_value
    lines = [" ".join(["0", *(fv(float(i)) for i in ids)])]
    for i, pid in enumerate(ids):
        lines.append(" ".join([fv(float(pid)), *(fv(float(v)) for v in res[i])]))
    three = [f"{fv(float(ids[i]))} {fv(float(ids[j]))} {fv(float(res[j, i]))}"
             for i in range(len(ids)) for j in range(i + 1, len(ids))]
    return [write_text_atomic(f"{prefix}_resistances.out", "\n".join(lines) + "\n"),
            write_text_atomic(f"{prefix}_resistances_3columns.out", "\n".join(three) + "\n" if three else "")]
