"""One task of an Omniscape run: the targets of a tile, solved from the input files.

A task reads only its tile of the inputs (grown by the window reach) and returns the currents of
its windows summed on that grown tile; the caller adds the tiles into the cumulative maps. So a
task needs nothing but file paths and options, runs on any dask worker that can read the files,
and memory depends on the tile and window sizes, not on the raster.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from habitatmap.corridors.omniscape.options import OmniscapeOptions
from habitatmap.corridors.omniscape.targets import (
    Geometry,
    block_reference,
    correction_offset,
    target_strengths,
    window_extent,
    zero_block,
)
from habitatmap.corridors.omniscape.window import (
    COND_EQUAL,
    COND_NONE,
    COND_WITHIN,
    accumulate,
    solve_window,
    window_pattern,
    window_sources,
)

__all__ = ["InputFiles", "TileResult", "read_layers", "read_window_of", "single_threaded_blas",
           "solve_targets", "solve_tile"]

#: Input formats Omniscape reads.
DRIVERS = ("GTiff", "AAIGrid")
#: Flow-potential factors kept per task (one per shape of window clipped by the raster's edge).
FACTOR_CACHE = 24


@dataclass(frozen=True)
class InputFiles:
    """The rasters of a run and how cells become conductances and sources.

    Attributes
    ----------
    resistance, sources
        Resistance (or conductance) raster; source strength raster (None: from resistance).
    conditions
        ``(present 1, future 1, present 2, future 2)`` rasters of conditional connectivity.
    reclass
        ``(from, to)`` pairs applied to the resistance first (``to`` NaN: becomes nodata).
    """

    resistance: Path
    sources: Path | None = None
    conditions: tuple[Path | None, Path | None, Path | None, Path | None] = (None, None, None, None)
    reclass: tuple[tuple[float, float], ...] = ()


@dataclass
class TileResult:
    """Summed window currents on the grown tile whose first cell is ``(row, col)``."""

    row: int
    col: int
    current: np.ndarray
    flow_potential: np.ndarray | None = None
    targets: int = 0
    solved: int = 0


_BLAS_LOCK = threading.Lock()
_BLAS_USERS = [0]


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS on one thread while windows are solved: tasks already run side by side on the cores,
    and a full benchmark run without this limit took 3.1x as long as with it (see docs/benchmarks.md).

    Each thread sets the limit for itself (the OpenBLAS builds numpy and scipy ship keep it per
    thread); the last task of the process to leave restores the original, so a build that keeps
    one process-wide setting is not reset under a task that is still running.
    """
    from threadpoolctl import threadpool_limits

    with _BLAS_LOCK:
        _BLAS_USERS[0] += 1
        limiter = threadpool_limits(limits=1, user_api="blas")
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_USERS[0] -= 1
            if _BLAS_USERS[0] == 0:
                limiter.restore_original_limits()


@dataclass
class _Work:
    disc: dict[str, np.ndarray] = field(default_factory=dict)
    square: dict[str, np.ndarray] = field(default_factory=dict)
    factors: OrderedDict[tuple[int, int, int, int], np.ndarray] = field(default_factory=OrderedDict)


def read_window_of(path: Path, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    """Rows ``y0:y1`` and columns ``x0:x1`` of a raster as float64, NaN for nodata and outside."""
    from rasterio.windows import Window

    from habitatmap.io.raster import open_raster, read_window

    out = np.full((y1 - y0, x1 - x0), np.nan)
    with open_raster(path, what="Omniscape input raster", drivers=DRIVERS) as ds:
        ry0, ry1 = max(y0, 0), min(y1, ds.height)
        rx0, rx1 = max(x0, 0), min(x1, ds.width)
        if ry1 <= ry0 or rx1 <= rx0:
            return out
        block = read_window(ds, 1, window=Window(rx0, ry0, rx1 - rx0, ry1 - ry0), masked=True, path=path)
        data = np.ma.filled(block.astype(np.float64), np.nan)
        if ds.nodata is not None and not math.isnan(ds.nodata):
            data[data == ds.nodata] = np.nan
        out[ry0 - y0:ry1 - y0, rx0 - x0:rx1 - x0] = data
    return out


def read_layers(files: InputFiles, opts: OmniscapeOptions, y0: int, y1: int, x0: int, x1: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray | None]]:
    """A block of the run's layers, NaN-padded outside the raster.

    Returns
    -------
    resistance, conductance, sources, conditions
        The resistance after reclassification (NaN: nodata), the conductances (0: no node), the
        source strengths (0: none) and the four condition layers (None when not used).
    """
    raw = read_window_of(files.resistance, y0, y1, x0, x1)
    res = raw.copy()
    for old, new in files.reclass:
        res[raw == old] = new
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = res if opts.resistance_is_conductance else 1.0 / res
    g = np.where(np.isfinite(cond) & (cond > 0), cond, 0.0)
    if opts.source_from_resistance:
        cutoff = 1.0 / opts.r_cutoff if opts.r_cutoff != 0 else math.inf
        with np.errstate(invalid="ignore"):
            src = np.where(np.isfinite(cond) & (cond >= cutoff), cond, 0.0)
    else:
        assert files.sources is not None
        src = np.nan_to_num(read_window_of(files.sources, y0, y1, x0, x1), nan=0.0)
        src[src < opts.source_threshold] = 0.0
    conds = [read_window_of(p, y0, y1, x0, x1) if p is not None else None for p in files.conditions]
    return res, g, src, conds


def _kind(opts: OmniscapeOptions, which: int) -> int:
    if not opts.conditional or (which == 2 and opts.n_conditions < 2):
        return COND_NONE
    comparison = opts.comparison1 if which == 1 else opts.comparison2
    return COND_WITHIN if comparison == "within" else COND_EQUAL


def solve_tile(files: InputFiles, opts: OmniscapeOptions, geo: Geometry, rows: np.ndarray, cols: np.ndarray,
               correction: np.ndarray | None) -> TileResult:
    """Solve the windows of the targets among block centres ``rows x cols``.

    Parameters
    ----------
    files, opts
        The run's inputs and options.
    geo
        Window and raster sizes.
    rows, cols
        Consecutive target rows and columns (block centres) of this tile.
    correction
        Omniscape's block-artifact correction array, or None.
    """
    pad = max(geo.reach, geo.block_radius)
    y0, y1 = int(rows[0]) - pad, int(rows[-1]) + pad + 1
    x0, x1 = int(cols[0]) - pad, int(cols[-1]) + pad + 1
    _, g, src, conds = read_layers(files, opts, y0, y1, x0, x1)
    ty_all, tx_all, amps_all = target_strengths(src, rows, cols, (y0, x0), geo)
    with single_threaded_blas():
        cum, fp, solved = solve_targets(g, src, conds, (y0, x0), ty_all, tx_all, amps_all, opts, geo,
                                        correction)
    return TileResult(y0, x0, cum, fp, len(ty_all), solved)


def solve_targets(g: np.ndarray, src: np.ndarray, conds: list[np.ndarray | None], origin: tuple[int, int],
                  ty_all: np.ndarray, tx_all: np.ndarray, amps_all: np.ndarray, opts: OmniscapeOptions,
                  geo: Geometry, correction: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Solve the windows of the given targets on layers already read (see :func:`read_layers`).

    ``g``, ``src`` and ``conds`` cover the targets' windows; their cell ``[0, 0]`` is the global
    ``origin``. Returns the summed current and flow potential on that grid and the number of
    windows that carried current.
    """
    y0, x0 = origin
    reach, br = geo.reach, geo.block_radius
    cum = np.zeros(g.shape)
    fp = np.zeros(g.shape) if opts.flow_potential_needed else None
    if len(ty_all) == 0:
        return cum, fp, 0
    disc = window_pattern(reach, four=opts.connect_four_neighbors_only)
    square = (window_pattern(reach, square=True, four=opts.connect_four_neighbors_only)
              if fp is not None else None)
    inside = np.zeros(g.shape)
    inside[max(0, -y0):min(g.shape[0], geo.height - y0), max(0, -x0):min(g.shape[1], geo.width - x0)] = 1.0
    to_square = None
    if square is not None:
        k = 2 * reach + 1
        index = np.full((k, k), -1, dtype=np.int64)
        index[square.dy + reach, square.dx + reach] = np.arange(square.n)
        to_square = index[disc.dy + reach, disc.dx + reach]
    empty = np.zeros((1, 1))
    kinds = (_kind(opts, 1), _kind(opts, 2))
    present = [conds[0] if conds[0] is not None else empty, conds[2] if conds[2] is not None else empty]
    future = [conds[1], conds[3]]
    bounds = ((float(opts.condition1_lower), float(opts.condition1_upper)),
              (float(opts.condition2_lower), float(opts.condition2_upper)))
    corr = correction if correction is not None else np.zeros((0, 0))
    work = _Work()
    sources = np.empty(disc.n)
    solved = 0
    for ty, tx, amps in zip(ty_all.tolist(), tx_all.tolist(), amps_all.tolist(), strict=True):
        ly, lx = ty - y0, tx - x0
        wy0, wy1 = window_extent(ty, geo.height, reach)
        wx0, wx1 = window_extent(tx, geo.width, reach)
        zy0, zy1 = zero_block(wy0, geo.height, geo)
        zx0, zx1 = zero_block(wx0, geo.width, geo)
        refs = [math.nan, math.nan]
        for i in range(2):
            if kinds[i] != COND_NONE:
                fut = future[i]
                assert fut is not None
                block = fut[ly - br:min(ty + br, geo.height - 1) - y0 + 1,
                            lx - br:min(tx + br, geo.width - 1) - x0 + 1]
                refs[i] = block_reference(block, kinds[i])
        total = window_sources(src, ly, lx, disc.dy, disc.dx, geo.radius ** 2, zy0 - y0, zy1 - y0,
                                zx0 - x0, zx1 - x0, float(amps), present[0], kinds[0], refs[0], bounds[0][0],
                                bounds[0][1], present[1], kinds[1], refs[1], bounds[1][0], bounds[1][1],
                                sources)
        if not total > 0:
            continue
        cy = correction_offset(ty, geo.height, geo) if correction is not None else 0
        cx = correction_offset(tx, geo.width, geo) if correction is not None else 0
        cur = solve_window(disc, g, sources, ly, lx, work.disc)
        if cur is not None:
            accumulate(cum, ly, lx, disc.dy, disc.dx, cur, corr, cy, cx)
            solved += 1
        if fp is not None and square is not None and to_square is not None:
            key = (wy0 - ty, wy1 - ty, wx0 - tx, wx1 - tx)
            sq = np.zeros(square.n)
            sq[to_square] = sources
            factor = work.factors.get(key)
            if factor is not None:
                work.factors.move_to_end(key)
            cur = solve_window(square, inside, sq, ly, lx, work.square, factor=factor)
            if cur is not None:
                if factor is None:
                    work.factors[key] = work.square["fac"].copy()
                    if len(work.factors) > FACTOR_CACHE:
                        work.factors.popitem(last=False)
                accumulate(fp, ly, lx, square.dy, square.dx, cur, corr, cy, cx)
    return cum, fp, solved

