"""A reference sample designed the way the good-practice literature says (Olofsson et al. 2014).

Stratified random sampling with the map classes as strata:

- **sample size** for a target standard error S(O) of overall accuracy, from the strata's area
  weights W_i and anticipated user's accuracies U_i (Olofsson et al. 2014, eq. 13, after Cochran
  1977 eq. 5.25): n = (sum_i W_i S_i / S(O))^2 with S_i = sqrt(U_i (1 - U_i));
- **allocation**: every class gets at least ``min_per_class`` (capped by its pixels), the rest is
  shared in proportion to area (the compromise the paper recommends between equal and
  proportional allocation);
- **points**: within each stratum a simple random sample of pixels without replacement, found in
  one pass over the map window by window (memory does not grow with the map), placed at the
  pixel centres.

The points carry ``stratum`` (the class key), ``stratum_pixels`` (its pixel count: the weights the
estimators need) and an empty ``habitat`` field for the interpreters; filled in, the file is the
``--reference`` of ``habitatmap accuracy``.

A change map (``change habitat``'s ``change.tif``, codes ``from x 100 + to``) is designed the same
way with its from-to pairs as strata (``korean_pine_broadleaf_forest>burned_bare``); its points get
an empty ``reference`` field instead, for the change each shows, and the filled-in file is the
``--reference`` of ``change habitat``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.errors import ConfigError, InputDataError

__all__ = ["SampleDesign", "allocate", "design_sample", "draw_stratified", "label_from_raster", "sample_size",
           "write_design"]


def sample_size(weights: dict[int, float], users_accuracy: dict[int, float], target_se: float) -> int:
    """Olofsson et al. (2014) eq. 13: the n giving overall accuracy the standard error ``target_se``.

    Parameters
    ----------
    weights
        Area share of each stratum (sums to 1).
    users_accuracy
        Anticipated user's accuracy of each stratum (0 < U < 1).
    target_se
        Wanted standard error of overall accuracy (e.g. 0.01).

    Raises
    ------
    ConfigError
        For a standard error or an accuracy outside (0, 1).
    """
    if not 0 < target_se < 1:
        raise ConfigError(f"--target-se {target_se:g} is not between 0 and 1; give e.g. 0.01.")
    total = 0.0
    for code, w in weights.items():
        u = users_accuracy[code]
        if not 0 < u < 1:
            raise ConfigError(f"an anticipated user's accuracy of {u:g} is not between 0 and 1; "
                              "give e.g. 0.85.")
        total += w * math.sqrt(u * (1 - u))
    return max(1, math.ceil((total / target_se) ** 2))


def allocate(n: int, pixels: dict[int, int], min_per_class: int) -> dict[int, int]:
    """Points per stratum: proportional to area, except that a class whose share would be below
    ``min_per_class`` gets that minimum (at most its pixels) and the others share the rest by area.

    This is the allocation of Olofsson et al. (2014, section 5.1.2: 75 points in each small change
    stratum, the remainder proportional). Shares are rounded by largest remainder, so the counts
    sum to ``n`` (or to every pixel, when the map has fewer than ``n``).
    """
    fixed: dict[int, int] = {}
    while True:
        free = {c: p for c, p in pixels.items() if c not in fixed}
        left = n - sum(fixed.values())
        area = sum(free.values())
        if not free or left <= 0 or area == 0:
            break
        shares = {c: left * p / area for c, p in free.items()}
        small = {c for c, s in shares.items() if s < min_per_class or s > pixels[c]}
        if not small:
            break
        for c in small:
            fixed[c] = min(pixels[c], min_per_class) if shares[c] < min_per_class else pixels[c]
    alloc = dict(fixed)
    free = {c: p for c, p in pixels.items() if c not in fixed}
    left = max(0, n - sum(fixed.values()))
    area = sum(free.values())
    if free and area:
        shares = {c: left * p / area for c, p in free.items()}
        whole = {c: int(s) for c, s in shares.items()}
        rest = left - sum(whole.values())
        for c in sorted(free, key=lambda c: (-(shares[c] - whole[c]), c))[:rest]:
            whole[c] += 1
        alloc.update({c: min(k, pixels[c]) for c, k in whole.items()})
    return {c: alloc.get(c, 0) for c in pixels}


def draw_stratified(path: str | os.PathLike[str], allocation: dict[int, int], pixels: dict[int, int], *,
                    seed: int = 0, block: int = 1024) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Rows and columns of a simple random sample of pixels in each stratum, in one pass over the
    map in strips of ``block`` rows.

    The k-th pixel of class c in raster order is chosen if k is among ``allocation[c]`` indices
    drawn without replacement from ``range(pixels[c])``.
    """
    from habitatmap.grid import Grid
    from habitatmap.io.raster import open_raster, read_window

    rng = np.random.default_rng(seed)
    wanted = {c: np.sort(rng.choice(pixels[c], size=k, replace=False)) for c, k in sorted(allocation.items())
              if k > 0}
    seen = dict.fromkeys(wanted, 0)
    found: dict[int, tuple[list, list]] = {c: ([], []) for c in wanted}
    from rasterio.windows import Window

    with open_raster(path, what="class map") as ds:
        grid = Grid.from_dataset(ds)
        # Full-width strips, so "raster order" is the same whatever the strip height: the draw
        # depends on the seed only. ``block`` rows at a time (fewer for very wide maps).
        rows = max(1, min(block, 2**24 // max(grid.width, 1)))
        for row in range(0, grid.height, rows):
            win = Window(0, row, grid.width, min(rows, grid.height - row))
            data = read_window(ds, 1, window=win, path=path)
            for c, idx in wanted.items():
                flat = np.flatnonzero(data.ravel() == c)
                if flat.size == 0:
                    continue
                lo, hi = seen[c], seen[c] + flat.size
                pick = idx[(idx >= lo) & (idx < hi)] - lo
                if pick.size:
                    r, cc = np.divmod(flat[pick], grid.width)
                    found[c][0].append(r + row)
                    found[c][1].append(cc)
                seen[c] = hi
    empty = np.empty(0, int)
    return {c: (np.concatenate(rr) if rr else empty, np.concatenate(cc) if cc else empty)
            for c, (rr, cc) in found.items()}


@dataclass
class SampleDesign:
    """A designed reference sample and the figures behind it."""

    points: Any  # GeoDataFrame: stratum, stratum_pixels, habitat (empty), sample_id
    table: list[dict[str, Any]]  # per stratum: code, key, pixels, weight, users_accuracy, n
    n: int
    target_se: float | None
    min_per_class: int
    seed: int
    notes: list[str] = field(default_factory=list)
    label_field: str = "habitat"  # "reference" for a change map


def _is_change_map(path: str | os.PathLike[str]) -> bool:
    from habitatmap.change.habitat import CHANGE_MAP_TAG
    from habitatmap.io.raster import open_raster

    with open_raster(path, what="class map") as ds:
        return ds.tags().get("PRODUCT") == CHANGE_MAP_TAG


def _keys(codes: Any, legend, change: bool) -> tuple[dict[int, str], list[int]]:
    """Stratum keys of map codes (``from>to`` for a change map) and the codes the legend lacks."""
    known = set(legend.codes)
    keys, unknown = {}, []
    for c in sorted(int(c) for c in codes):
        parts = divmod(c, 100) if change else (c,)
        if not all(p in known for p in parts):
            unknown.append(c)
        else:
            keys[c] = ">".join(legend.by_code(p).key for p in parts)
    return keys, unknown


def design_sample(map_path: str | os.PathLike[str], legend, *, target_se: float | None = 0.01,
                  n: int | None = None, min_per_class: int = 50,
                  users_accuracy: dict[str, float] | float = 0.85, seed: int = 0) -> SampleDesign:
    """Design a stratified random reference sample of a class map.

    Parameters
    ----------
    map_path
        Single-band class map of legend codes (e.g. ``habitat.tif``).
    legend
        The legend the codes belong to (keys for the strata).
    target_se, n
        Either the wanted standard error of overall accuracy (sample size from Olofsson et al. 2014
        eq. 13), or the sample size itself; ``n`` wins when both are given.
    min_per_class
        Least points of a class (the rest by area).
    users_accuracy
        Anticipated user's accuracy, one value for all classes or per class key (others 0.85).
    seed
        Seed of the random draw.

    Raises
    ------
    InputDataError
        If the map has no classified pixel.
    ConfigError
        For impossible parameters.
    """
    import geopandas as gpd

    from habitatmap.habitat.accuracy.assess import map_pixel_counts

    pixels, grid = map_pixel_counts(map_path)
    pixels = {c: p for c, p in pixels.items() if p > 0}
    if not pixels:
        raise InputDataError(f"{map_path}: has no classified pixel to sample; check the map.")
    change = _is_change_map(map_path)
    key_of, unknown = _keys(pixels, legend, change)
    if unknown:
        what = "change codes whose classes are" if change else "codes that are"
        raise InputDataError(f"{map_path}: holds {what} not in the legend ({unknown}); pass the legend "
                             "the map was made with (--legend).")
    if min_per_class < 0:
        raise ConfigError(f"--min-per-class {min_per_class} is negative; give 0 or more.")
    total = sum(pixels.values())
    weights = {c: p / total for c, p in pixels.items()}
    if isinstance(users_accuracy, dict):
        valid = set(key_of.values()) if change else {legend.by_code(c).key for c in legend.codes}
        bad = sorted(set(users_accuracy) - valid)
        if bad:
            raise ConfigError(f"--users-accuracy names {bad}, which are not keys of the map's classes; use "
                              "the map's keys" + (" (from>to)." if change else "."))
        ua = {c: users_accuracy.get(key_of[c], 0.85) for c in pixels}
    else:
        ua = dict.fromkeys(pixels, float(users_accuracy))
    notes = []
    if n is None:
        if target_se is None:
            raise ConfigError("give --target-se or --n for the sample size.")
        n = sample_size(weights, ua, target_se)
        notes.append(f"n = (sum W_i S_i / {target_se:g})^2 = {n} (Olofsson et al. 2014, eq. 13)")
    if n < 1:
        raise ConfigError(f"--n {n} is not a sample size; give 1 or more.")
    floor = sum(min(min_per_class, p) for p in pixels.values())
    if floor > n:
        notes.append(f"the minimum of {min_per_class} per class needs {floor} points, more than n = {n}; "
                     f"the sample has {floor}")
    alloc = allocate(max(n, floor), pixels, min_per_class)
    drawn = draw_stratified(map_path, alloc, pixels, seed=seed)
    rows, cols, strata, sizes = [], [], [], []
    for c in sorted(drawn):
        r, cc = drawn[c]
        rows.append(r)
        cols.append(cc)
        strata += [key_of[c]] * r.size
        sizes += [pixels[c]] * r.size
    rr, cc = np.concatenate(rows), np.concatenate(cols)
    x, y = grid.xy(rr, cc)
    label = "reference" if change else "habitat"
    points = gpd.GeoDataFrame(
        {"sample_id": np.arange(1, rr.size + 1), "stratum": strata, "stratum_pixels": sizes,
         label: [None] * rr.size},
        geometry=gpd.points_from_xy(x, y), crs=grid.crs)
    table = [{"code": c, "key": key_of[c], "pixels": pixels[c], "weight": round(weights[c], 6),
              "users_accuracy": ua[c], "n": alloc[c]} for c in sorted(pixels)]
    if change:
        notes.append("a change map: its from-to pairs are the strata; fill 'reference' with the change "
                     "each point shows (from_key>to_key)")
    return SampleDesign(points=points, table=table, n=int(rr.size), target_se=target_se,
                        min_per_class=min_per_class, seed=seed, notes=notes, label_field=label)


def write_design(design: SampleDesign, out: str | os.PathLike[str], *, map_path: str) -> Path:
    """Write the points (layer ``sample``) and the design table (layer ``design``) to a GeoPackage."""
    import pandas as pd

    from habitatmap.io.vector import write_layers
    from habitatmap.provenance import Provenance

    record = Provenance("habitat.accuracy.design", parameters={
        "n": design.n, "target_se": design.target_se, "min_per_class": design.min_per_class,
        "seed": design.seed, "strata": design.table, "notes": design.notes})
    record.add_input("map", map_path)
    table = pd.DataFrame(design.table)
    return write_layers(out, {"sample": design.points, "design": table}, provenance=record.finish())


def _values_at_points(design: SampleDesign, raster: str | os.PathLike[str]) -> np.ndarray:
    """A class raster's value at each design point (NaN off the raster or on its nodata)."""
    import shapely

    from habitatmap.geodesy import transform_geometries
    from habitatmap.habitat.accuracy.assess import _class_map

    grid, values_at = _class_map(Path(raster))  # reads only the tiles the points fall in
    geoms, _ = transform_geometries(design.points.geometry.values, design.points.crs, grid.crs,
                                    what=str(raster))
    rr, cc = grid.rowcol(shapely.get_x(geoms), shapely.get_y(geoms))
    on = grid.contains(rr, cc)
    if not on.any():
        raise InputDataError(f"{raster}: covers none of the sample points; give the reference raster of "
                             "the mapped area.")
    values = np.full(len(rr), np.nan)
    values[on] = values_at(rr[on], cc[on])  # NaN on the raster's nodata
    return values


def label_from_raster(design: SampleDesign, raster: str | os.PathLike[str], legend, *,
                      after: str | os.PathLike[str] | None = None) -> SampleDesign:
    """Fill the ``habitat`` field of a design from a reference raster of legend codes (a finer
    reference map, or a sample's synthetic truth), as interpreters would; points on the raster's
    nodata are left out (and counted in the notes). A change map's design (``reference`` field) is
    labelled from a reference change raster (codes ``from x 100 + to``, as ``change habitat``
    writes), or from the reference maps of both years: ``raster`` before, ``after`` after.

    Raises
    ------
    InputDataError
        If the raster is unreadable, does not cover the points, or holds codes outside the legend.
    ConfigError
        ``after`` given for a design that is not of a change map.
    """
    change = design.label_field == "reference"
    if after is not None and not change:
        raise ConfigError(f"{after}: a second reference raster labels only a change map's sample; "
                          "give one raster for a habitat map.")
    values = _values_at_points(design, raster)
    if after is not None:
        later = _values_at_points(design, after)
        for v, r in ((values, raster), (later, after)):
            unknown = sorted(set(v[np.isfinite(v)].astype(np.int64).tolist()) - set(legend.codes))
            if unknown:
                raise InputDataError(f"{r}: holds codes {unknown} that are not in the legend; pass a raster "
                                     "of the legend's codes.")
        values = values * 100 + later  # NaN where either year has no reference
    keep = np.isfinite(values)
    values = np.where(keep, values, -1).astype(np.int64)
    key_of, unknown = _keys(set(values[keep].tolist()), legend, change)
    if unknown:
        what = "change codes" if change else "codes"
        raise InputDataError(f"{raster}: holds {what} {unknown} that are not in the legend; pass a raster of "
                             "the legend's codes" + (" as from x 100 + to." if change else "."))
    points = design.points[keep].copy()
    points[design.label_field] = [key_of[int(v)] for v in values[keep]]
    names = Path(raster).name + (f" and {Path(after).name}" if after is not None else "")
    notes = [*design.notes, f"labelled from {names}"]
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} point(s) on the reference raster's nodata were left out")
    return SampleDesign(points=points, table=design.table, n=len(points), target_se=design.target_se,
                        min_per_class=design.min_per_class, seed=design.seed, notes=notes,
                        label_field=design.label_field)
