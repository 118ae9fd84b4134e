"""An Omniscape run: check the inputs, solve the windows tile by tile on dask, stream the maps.

Targets are split into tiles of block centres; each tile is one task (:func:`.tile.solve_tile`)
that reads its part of the inputs, so a cluster's workers need only the file paths. Task results
are added into uncompressed scratch GeoTIFFs as they arrive (at most a few tasks in flight), and
the final maps are written strip by strip from there: memory depends on the window and tile
sizes, not on the raster's.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.corridors.omniscape.options import OmniscapeOptions, check_options
from habitatmap.corridors.omniscape.targets import Geometry, correction_array
from habitatmap.corridors.omniscape.tile import DRIVERS, InputFiles, TileResult, read_window_of, solve_tile
from habitatmap.corridors.omniscape.window import solve_window, window_pattern
from habitatmap.errors import ConfigError, HabitatmapWarning, InputDataError
from habitatmap.grid import Grid

__all__ = ["MAPS", "OmniscapeMaps", "block_correction", "check_inputs", "omniscape", "read_reclass_table",
           "tile_plan"]

#: The maps a run can write, in Omniscape's names.
MAPS = ("cum_currmap", "flow_potential", "normalized_cum_currmap")
#: Target block centres per task along each axis (a task solves up to this squared).
TILE_TARGETS = 48
#: Rows per strip when the final maps are written.
STRIP_ROWS = 256


@dataclass
class OmniscapeMaps:
    """Where a run's sums are (scratch rasters, deleted when the ``with`` block of
    :func:`omniscape` ends) and what it did.

    Attributes
    ----------
    grid
        The resistance raster's grid.
    targets, solved
        Targets found and windows that carried current.
    seconds
        Wall time of the solves.
    """

    grid: Grid
    files: InputFiles
    options: OmniscapeOptions
    current: Path
    flow_potential: Path | None
    targets: int = 0
    solved: int = 0
    tasks: int = 0
    seconds: float = 0.0

    def strips(self) -> Iterator[tuple[int, dict[str, np.ndarray], np.ndarray]]:
        """``(row, maps, nodata)`` strip by strip: the maps a run asks for (``cum_currmap``,
        ``flow_potential``, ``normalized_cum_currmap``, and ``classified_resistance`` when
        reclassified) and the cells that are nodata in the (reclassified) resistance."""
        from rasterio.windows import Window

        from habitatmap.io.raster import open_raster

        opts = self.options
        g = self.grid
        with contextlib.ExitStack() as stack:
            cur = stack.enter_context(open_raster(self.current, what="scratch raster"))
            fp = (stack.enter_context(open_raster(self.flow_potential, what="scratch raster"))
                  if self.flow_potential is not None else None)
            for row in range(0, g.height, STRIP_ROWS):
                h = min(STRIP_ROWS, g.height - row)
                win = Window(0, row, g.width, h)
                raw = read_window_of(self.files.resistance, row, row + h, 0, g.width)
                res = raw.copy()
                for old, new in self.files.reclass:
                    res[raw == old] = new
                nodata = np.isnan(res)
                maps: dict[str, np.ndarray] = {}
                c = cur.read(1, window=win)
                if opts.write_raw_currmap:
                    maps["cum_currmap"] = c
                if fp is not None:
                    f = fp.read(1, window=win)
                    if opts.calc_flow_potential:
                        maps["flow_potential"] = f
                    if opts.calc_normalized_current:
                        with np.errstate(divide="ignore", invalid="ignore"):
                            norm = c / f
                        maps["normalized_cum_currmap"] = np.where(np.isnan(norm), 0.0, norm)
                if opts.reclassify_resistance and opts.write_reclassified_resistance:
                    maps["classified_resistance"] = res
                yield row, maps, nodata


def read_reclass_table(path: Path) -> tuple[tuple[float, float], ...]:
    """A reclass table: two columns (old value, new value), whitespace-separated; ``missing``
    (or ``NaN``, quoted or not, as Julia's ``readdlm`` reads it) as the new value makes those cells
    nodata.

    Raises
    ------
    InputDataError
        Missing file or a line that is not two numbers.
    """
    from habitatmap.io.text import read_text

    if not path.exists():
        raise InputDataError(f"{path}: reclass table not found; check reclass_table.")
    pairs: list[tuple[float, float]] = []
    for number, line in enumerate(read_text(path, what="reclass table", gz=False).splitlines(), start=1):
        parts = [part.strip("\"'") for part in line.split()]
        if not parts or parts[0].startswith("#"):
            continue
        try:
            if len(parts) != 2:
                raise ValueError
            new = math.nan if parts[1].lower() in ("missing", "nan", "nodata") else float(parts[1])
            pairs.append((float(parts[0]), new))
        except ValueError:
            raise InputDataError(f"{path}, line {number}: {line.strip()[:60]!r} is not 'old new' (two "
                                 "numbers, or a number and missing); fix the line.") from None
    if not pairs:
        raise InputDataError(f"{path}: the reclass table has no rows; add 'old new' lines.")
    return tuple(pairs)


def _grid(path: Path, what: str) -> tuple[Grid, str]:
    from habitatmap.io.raster import open_raster

    with open_raster(path, what=what, drivers=DRIVERS) as ds:
        if ds.count != 1:
            raise InputDataError(f"{path}: has {ds.count} bands, but a single-band {what} is expected; "
                                 "extract the band.")
        return Grid.from_dataset(ds, require_crs=False), ds.crs.to_wkt() if ds.crs else ""


def check_inputs(opts: OmniscapeOptions) -> tuple[InputFiles, Grid]:
    """Check the rasters an Omniscape run names and gather them.

    The resistance must be positive where it has data (checked strip by strip); every other layer
    must have the resistance's size (a different projection is warned about unless
    ``allow_different_projections``).

    Raises
    ------
    InputDataError
        A file that cannot be read, of another size, or 0 / negative resistances.
    """
    check_options(opts, where=opts.source)
    assert opts.resistance_file is not None
    grid, wkt = _grid(opts.resistance_file, "resistance raster")
    named = [("source_file", opts.source_file if not opts.source_from_resistance else None)]
    names = ("condition1_file", "condition1_future_file", "condition2_file", "condition2_future_file")
    named += list(zip(names, opts.condition_files(), strict=True))
    for key, path in named:
        if path is None:
            continue
        other, owkt = _grid(path, key.replace("_", " "))
        if (other.width, other.height) != (grid.width, grid.height):
            raise InputDataError(f"{path}: {other.width} x {other.height} cells, but the resistance "
                                 f"{opts.resistance_file} has {grid.width} x {grid.height}; give {key} "
                                 "on the resistance's grid.")
        if (owkt != wkt or other.transform != grid.transform) and not opts.allow_different_projections:
            warnings.warn(f"{path}: {key} has another projection or origin than the resistance "
                          f"{opts.resistance_file}; it is used cell for cell.", HabitatmapWarning,
                          stacklevel=2)
    for row in range(0, grid.height, STRIP_ROWS):
        res = read_window_of(opts.resistance_file, row, min(row + STRIP_ROWS, grid.height), 0, grid.width)
        bad = res[~np.isnan(res)] <= 0
        if bad.any():
            raise InputDataError(f"{opts.resistance_file}: the resistance (or conductance) surface contains "
                                 "0 or negative values; use positive values and nodata for impassable cells.")
    reclass: tuple[tuple[float, float], ...] = ()
    if opts.reclassify_resistance and opts.reclass_table is not None:
        reclass = read_reclass_table(opts.reclass_table)
    files = InputFiles(opts.resistance_file, None if opts.source_from_resistance else opts.source_file,
                       opts.condition_files(), reclass)
    return files, grid


def tile_plan(geo: Geometry, per: int = TILE_TARGETS) -> list[tuple[np.ndarray, np.ndarray]]:
    """The tasks: ``(rows, cols)`` of block centres, at most ``per`` x ``per`` each, row by row."""
    rows, cols = geo.centres(0), geo.centres(1)
    return [(rows[i:i + per], cols[j:j + per]) for i in range(0, len(rows), per)
            for j in range(0, len(cols), per)]


def block_correction(geo: Geometry, opts: OmniscapeOptions) -> np.ndarray:
    """Omniscape's block-artifact correction for this geometry and stencil (see
    :func:`.targets.correction_array`), solved with the fast window kernel."""
    r = geo.reach
    disc = window_pattern(r, four=opts.connect_four_neighbors_only)
    work: dict[str, np.ndarray] = {}

    def currents(sources: np.ndarray, g: np.ndarray) -> np.ndarray:
        out = np.zeros(g.shape)
        cur = solve_window(disc, g, sources[r + disc.dy, r + disc.dx], r, r, work)
        if cur is not None:
            out[r + disc.dy, r + disc.dx] = cur[:-1]
            out[r, r] = cur[-1]
        return out

    return correction_array(geo, currents)


@contextlib.contextmanager
def omniscape(opts: OmniscapeOptions, scratch_near: Path, *, scheduler: str | None = None,
              workers: int | None = None, on_task: Callable[[int, int], None] | None = None,
              tile_targets: int = TILE_TARGETS) -> Iterator[OmniscapeMaps]:
    """Run Omniscape; inside the ``with`` block the sums are readable strip by strip.

    Parameters
    ----------
    opts
        The run's options (files included).
    scratch_near
        A path in the output folder: scratch rasters are written beside it.
    scheduler, workers
        A ``dask.distributed`` scheduler address, or the number of local worker processes
        (default: the run's client, else a local cluster of threads).
    on_task
        Called with ``(done, total)`` after each task.
    tile_targets
        Block centres per task along each axis.

    Raises
    ------
    InputDataError, ConfigError
        As :func:`check_inputs`.
    """
    import rasterio
    from rasterio.windows import Window

    from habitatmap.io.raster import ScratchRaster
    from habitatmap.parallel import dask_client, map_unordered

    files, grid = check_inputs(opts)
    geo = Geometry(opts.radius, opts.buffer, opts.block_size, grid.height, grid.width)
    if geo.reach < geo.block_radius:
        raise ConfigError(f"{opts.source}: block_size {opts.block_size} is wider than the window "
                          f"(radius + buffer = {geo.reach}); use a smaller block_size.")
    correction = block_correction(geo, opts) if opts.corrects else None
    plan = [(r, c) for r, c in tile_plan(geo, tile_targets) if len(r) and len(c)]
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        cur_s = stack.enter_context(ScratchRaster(scratch_near, grid=grid, dtype="float64", nodata=None))
        fp_s = (stack.enter_context(ScratchRaster(Path(str(scratch_near) + ".fp"), grid=grid, dtype="float64",
                                                  nodata=None))
                if opts.flow_potential_needed else None)
        for s in (cur_s, fp_s):
            if s is not None:
                with s.write() as dst:
                    for row in range(0, grid.height, STRIP_ROWS):
                        h = min(STRIP_ROWS, grid.height - row)
                        dst.write(np.zeros((1, h, grid.width)), window=Window(0, row, grid.width, h))
        maps = OmniscapeMaps(grid, files, opts, cur_s.path, fp_s.path if fp_s is not None else None,
                             tasks=len(plan))
        tasks = [(files, opts, geo, rows, cols, correction) for rows, cols in plan]
        # A small block cache: the scratch rasters are updated window by window, and GDAL's default
        # cache (5 % of RAM) would otherwise keep a large raster's blocks in memory.
        stack.enter_context(rasterio.Env(GDAL_CACHEMAX=64))
        cur_ds = stack.enter_context(rasterio.open(cur_s.path, "r+"))
        fp_ds = stack.enter_context(rasterio.open(fp_s.path, "r+")) if fp_s is not None else None
        client = stack.enter_context(dask_client(scheduler, processes=workers))
        nthreads = sum(client.nthreads().values()) or 1
        for done, res in enumerate(map_unordered(client, solve_tile, tasks, max_in_flight=2 * nthreads), 1):
            _add(cur_ds, res, res.current, grid)
            if fp_ds is not None and res.flow_potential is not None:
                _add(fp_ds, res, res.flow_potential, grid)
            maps.targets += res.targets
            maps.solved += res.solved
            if on_task is not None:
                on_task(done, len(tasks))
        cur_ds.close()
        if fp_ds is not None:
            fp_ds.close()
        maps.seconds = time.perf_counter() - start
        yield maps


def _add(ds: Any, res: TileResult, values: np.ndarray, grid: Grid) -> None:
    """Add a task's grown tile into the scratch sums (the part inside the raster)."""
    from rasterio.windows import Window

    y0, x0 = max(res.row, 0), max(res.col, 0)
    y1 = min(res.row + values.shape[0], grid.height)
    x1 = min(res.col + values.shape[1], grid.width)
    if y1 <= y0 or x1 <= x0:
        return
    win = Window(x0, y0, x1 - x0, y1 - y0)
    part = values[y0 - res.row:y1 - res.row, x0 - res.col:x1 - res.col]
    ds.write(ds.read(1, window=win) + part, 1, window=win)

