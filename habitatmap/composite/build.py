"""Per-pixel composites of pulled scenes over clear observations only, with spectral indices.

The grid is cut into blocks sized so that one task holds a bounded number of bytes whatever the
number of scenes; blocks run on dask.distributed (:mod:`habitatmap.parallel`) and are written to the
output as they finish. Output: one float32 COG with the composite bands, the requested indices and
a ``clear_count`` band (number of clear observations behind each pixel); nodata is NaN.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from habitatmap.composite.indices import INDICES, compute_index, parse_indices
from habitatmap.composite.spec import METHODS
from habitatmap.errors import ConfigError, HabitatmapError, HabitatmapWarning, InputDataError, reason
from habitatmap.grid import Grid
from habitatmap.io.raster import FAST_COG_PROFILE, cog_writer, open_raster
from habitatmap.provenance import Provenance
from habitatmap.scenes.pull import load_manifest, scene_path
from habitatmap.values import quote

__all__ = [
    "CompositeResult",
    "CompositeSettings",
    "block_size_for",
    "composite_block",
    "composite_scenes",
    "medoid",
    "read_stack",
]

#: Bytes one task may hold for its input stack (the stack plus a few same-sized temporaries).
TASK_BYTES = 192 * 1024 * 1024

#: progress(blocks_done, blocks_total)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CompositeSettings:
    """How to composite.

    Attributes
    ----------
    method
        ``median`` (per band, robust) or ``medoid`` (the actual observation closest to all others
        in spectral space, so bands stay physically consistent).
    months
        Keep only scenes acquired in these months (None: all).
    start, end
        Keep only scenes acquired on or after ``start`` and on or before ``end`` (None: no limit):
        one year's composite, or the scenes before and after a fire.
    indices
        Indices computed from the composite (see :data:`habitatmap.indices.INDICES`).
    scheduler
        dask.distributed scheduler address; None runs a local cluster.
    threads
        Threads of the local cluster.
    """

    method: str = "median"
    months: frozenset[int] | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    indices: tuple[str, ...] = ()
    scheduler: str | None = None
    threads: int | None = None


@dataclass
class CompositeResult:
    """The written composite and what went into it."""

    path: Path
    scenes: list[str]
    bands: list[str]
    empty_fraction: float
    provenance: Provenance | None = None


def block_size_for(n_scenes: int, n_bands: int, *, budget: int = TASK_BYTES) -> int:
    """Block side (a multiple of 256) whose input stack fits ``budget`` bytes."""
    per_pixel = max(1, n_scenes) * n_bands * 4 * 3  # the stack and two temporaries of its size
    side = int(math.sqrt(budget / per_pixel)) // 256 * 256
    return int(min(2048, max(256, side)))


def medoid(stack: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per pixel, the valid observation with the least summed spectral distance to the others.

    Parameters
    ----------
    stack
        ``(scenes, bands, pixels)`` reflectance.
    valid
        ``(scenes, pixels)`` True where the observation is clear.

    Returns
    -------
    numpy.ndarray
        ``(bands, pixels)``; NaN where no observation is valid.
    """
    t, b, n = stack.shape
    filled = np.where(valid[:, None, :], stack, 0.0).astype(np.float32)
    total = np.zeros((t, n), dtype=np.float32)
    for i in range(t):
        for j in range(i + 1, t):
            d = np.sqrt(((filled[i] - filled[j]) ** 2).sum(axis=0))
            both = valid[i] & valid[j]
            total[i] += np.where(both, d, 0)
            total[j] += np.where(both, d, 0)
    total[~valid] = np.inf
    best = np.argmin(total, axis=0)
    out = np.take_along_axis(stack, best[None, None, :].repeat(b, axis=1), axis=0)[0]
    out[:, ~valid.any(axis=0)] = np.nan
    return out


def read_stack(paths: Sequence[str], window: Any, n_bands: int) -> np.ndarray:
    """``(scenes, bands, rows, cols)`` float32 of one window of every scene.

    Each task opens and closes its own datasets: a GDAL dataset must never outlive or leave the
    thread that uses it (cached handles freed later by another thread crashed GDAL).
    """
    stack = np.empty((len(paths), n_bands, window.height, window.width), dtype=np.float32)
    for t, path in enumerate(paths):
        try:
            with open_raster(path, what="pulled scene") as ds:
                ds.read(window=window, out=stack[t])
        except Exception as err:  # GDAL's own errors, or ours; one sentence either way
            raise InputDataError(f"{path}: cannot be read ({reason(err)}); the pulled scene is damaged: "
                                 "delete it and run the same 'scenes pull' again.") from None
    return stack


def composite_block(
    paths: Sequence[str],
    window: Any,
    grid: Grid,
    area: Any | None,
    bands: Sequence[str],
    method: str,
    indices: Sequence[str],
) -> tuple[Any, np.ndarray, int, int]:
    """Composite one window; return (window, bands+indices+count array, area pixels, empty ones)."""
    import bottleneck as bn

    stack = read_stack(paths, window, len(bands))
    if area is not None:
        inside = grid.inside(area, window)
    else:
        inside = np.ones((window.height, window.width), dtype=bool)
    valid = np.isfinite(stack).all(axis=1) & inside  # (scenes, rows, cols)
    stack[~np.broadcast_to(valid[:, None], stack.shape)] = np.nan
    count = valid.sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN pixels are expected: count 0
        if method == "median":
            comp = bn.nanmedian(stack, axis=0)
        else:
            t, b, h, w = stack.shape
            comp = medoid(stack.reshape(t, b, h * w), valid.reshape(t, h * w)).reshape(b, h, w)
    named = dict(zip(bands, comp, strict=True))
    out = np.empty((len(bands) + len(indices) + 1, window.height, window.width), dtype=np.float32)
    out[: len(bands)] = comp
    for k, name in enumerate(indices):
        out[len(bands) + k] = compute_index(name, named)
    out[-1] = count
    return window, out, int(inside.sum()), int((inside & (count == 0)).sum())


def _select(folder: Path, manifest: dict[str, Any], settings: CompositeSettings) -> list[dict]:
    entries = []
    months = settings.months
    for entry in manifest.get("scenes", []):
        stamp = str(entry.get("datetime", ""))
        month = stamp[5:7]
        if months is not None and not (month.isdigit() and int(month) in months):
            continue
        if settings.start is not None or settings.end is not None:
            try:
                day = dt.date.fromisoformat(stamp[:10])
            except ValueError:
                continue  # a scene without a date cannot be placed in the range
            if (settings.start is not None and day < settings.start) or \
                    (settings.end is not None and day > settings.end):
                continue
        path = scene_path(folder, entry)
        if not path.is_file():
            raise InputDataError(f"{path}: listed in {folder / 'manifest.json'} but missing; "
                                 "run the same 'scenes pull' again to restore it.")
        entries.append({**entry, "path": str(path)})
    return entries


def _check_grid(entries: list[dict], grid: Grid, n_bands: int) -> None:
    for e in entries:
        try:
            with open_raster(e["path"], what="pulled scene") as ds:
                same = grid.same_as(Grid.from_dataset(ds)) and ds.count == n_bands
        except HabitatmapError as err:  # keep its reason (empty, truncated, no CRS), give the pull's fix
            problem = str(err).split(": ", 1)[-1].split("; ")[0]
            raise InputDataError(f"{e['path']}: {problem}; the pulled scene is damaged: delete it and run "
                                 "the same 'scenes pull' again.") from None
        if not same:
            raise InputDataError(f"{e['path']}: not on the grid and bands of the manifest; delete it "
                                 "and run the same 'scenes pull' again.")


def composite_scenes(
    folder: str | os.PathLike[str],
    out: str | os.PathLike[str],
    settings: CompositeSettings | None = None,
    *,
    progress: Progress | None = None,
) -> CompositeResult:
    """Composite the scenes of a pull folder into one COG.

    Parameters
    ----------
    folder
        Folder written by :func:`habitatmap.scenes.pull.pull_scenes`.
    out
        Output COG path.
    settings
        Method, months, indices and where to compute.
    progress
        Called as ``progress(blocks_done, blocks_total)``.

    Returns
    -------
    CompositeResult

    Raises
    ------
    InputDataError
        If no scene is left after the month filter, or scene files are missing or inconsistent.
    ConfigError
        For an unknown method, or an index the bands cannot give.

    Warns
    -----
    HabitatmapWarning
        When some of the area has no clear observation in any scene (those pixels are nodata,
        ``clear_count`` 0).
    """
    from habitatmap.parallel import dask_client, map_unordered

    settings = settings or CompositeSettings()
    if settings.method not in METHODS:
        raise ConfigError(f"--method {quote(settings.method)}: not a method; choose one of "
                          f"{', '.join(METHODS)}.")
    folder = Path(folder)
    manifest = load_manifest(folder)
    try:
        grid = Grid.from_dict(manifest["settings"]["grid"])
        bands = [str(b) for b in manifest["settings"]["bands"]]
        area_wkt = (manifest["settings"].get("area") or {}).get("wkt")
        area = shapely.from_wkt(area_wkt) if area_wkt else None
    except (KeyError, TypeError, ValueError, shapely.errors.ShapelyError):
        raise InputDataError(f"{folder / 'manifest.json'}: its grid, bands or area are damaged; pull "
                             "the scenes again into a new folder.") from None
    if area is not None:
        shapely.prepare(area)  # once, before the worker threads share it
    entries = _select(folder, manifest, settings)
    if not entries:
        when = f" in months {sorted(settings.months)}" if settings.months else ""
        if settings.start or settings.end:
            when += f" from {settings.start or 'the first'} to {settings.end or 'the last'}"
        raise InputDataError(f"{folder}: no pulled scene{when}; widen --months or the dates, or pull more "
                             "scenes.")
    _check_grid(entries, grid, len(bands))
    indices = parse_indices(settings.indices, bands)

    paths = [e["path"] for e in entries]
    names = [*bands, *indices, "clear_count"]
    side = block_size_for(len(paths), len(bands))
    windows = list(grid.blocks(side))
    tags = {
        "PRODUCT": f"{settings.method} composite of clear observations (surface reflectance)",
        "METHOD": settings.method,
        "MONTHS": ",".join(map(str, sorted(settings.months))) if settings.months else "all",
        "SCENES": ",".join(e["id"] for e in entries),
        "INDICES": ",".join(indices),
    }
    record = Provenance("composite", parameters={
        "method": settings.method, "indices": list(indices), "grid": grid.to_dict(),
        "months": sorted(settings.months) if settings.months else "all"})
    if settings.start or settings.end:  # ISO 8601 interval, open ends as '..'
        dates = f"{settings.start or '..'}/{settings.end or '..'}"
        tags["DATES"] = dates
        record.parameters["dates"] = dates
    for e in entries:
        record.add_input("scene", e["path"], sha256=e.get("sha256"), id=e["id"])
    record.add_operation("area of interest", (manifest["settings"].get("area") or {}).get("operation"))
    tags.update(record.finish().tags())
    band_tags = [{"ROLE": "reflectance"} for _ in bands] + \
        [{"ROLE": "index", "DEFINITION": INDICES[n][2]} for n in indices] + \
        [{"ROLE": "count", "DEFINITION": "number of clear observations"}]
    inside = empty = 0
    with cog_writer(out, grid=grid, count=len(names), dtype="float32", nodata=float("nan"),
                    band_descriptions=names, tags=tags, band_tags=band_tags,
                    resampling="average",
                    # Compression threads are safe here: all reading is over when the COG is made.
                    profile=FAST_COG_PROFILE) as dst, \
            dask_client(settings.scheduler, threads=settings.threads) as client:
        threads = sum(client.nthreads().values()) or 1
        tasks = ((paths, w, grid, area, bands, settings.method, indices) for w in windows)
        for n, (win, block, n_in, n_empty) in enumerate(
                map_unordered(client, composite_block, tasks, max_in_flight=2 * threads), start=1):
            dst.write(block, window=win)
            inside += n_in
            empty += n_empty
            if progress is not None:
                progress(n, len(windows))
    fraction = empty / inside if inside else 1.0
    if empty:
        warnings.warn(
            f"{fraction:.1%} of the area ({empty} pixels) has no clear observation in the "
            f"{len(paths)} scene(s) used; those pixels are nodata with clear_count 0 in {out} "
            "(add scenes or widen --months).", HabitatmapWarning, stacklevel=2)
    return CompositeResult(Path(out), [e["id"] for e in entries], names, fraction, record)
