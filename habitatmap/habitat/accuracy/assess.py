"""Assess a habitat map against reference samples: read both, pick the estimator for the design.

If the reference file has stratum columns (``stratum`` and ``stratum_pixels`` by default), the
sample is treated as stratified random by that stratum and Stehman's (2014) estimators are used.
Otherwise it is treated as stratified by map class, with the map's class areas as stratum sizes
(Olofsson et al. 2014); for a simple random sample this is the usual post-stratified estimate.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from habitatmap.errors import HabitatmapWarning, InputDataError
from habitatmap.geodesy import DatumOperation
from habitatmap.grid import Grid
from habitatmap.habitat.accuracy.estimators import Accuracy, estimate
from habitatmap.habitat.samples import SampleSet, read_samples
from habitatmap.io.raster import open_raster, read_window
from habitatmap.legend.crosswalk import Crosswalk
from habitatmap.legend.model import Legend

__all__ = [
    "DESIGN_CV",
    "DESIGN_MAP_STRATA",
    "Assessment",
    "accuracy_by_method",
    "assess_map",
    "assess_samples",
    "map_pixel_counts",
    "pixel_area_ha",
]

DESIGN_MAP_STRATA = "stratified random by map class (Olofsson et al. 2014)"
DESIGN_CV = ("spatial block cross-validation of the training samples; they are not a probability "
             "sample, so the area-adjusted figures are indicative only (give --validation with an "
             "independent stratified random sample for reportable estimates)")


@dataclass
class Assessment:
    """An accuracy assessment and how it was made."""

    accuracy: Accuracy
    design: str
    map: str
    reference: str
    pixel_area_ha: float
    dropped_nodata: int = 0
    operation: DatumOperation | None = None
    notes: list[str] = field(default_factory=list)
    #: Accuracy per way of classifying (a gap-filled map's method band): method, pixels, samples,
    #: overall accuracy (a ratio estimator over the design's weights).
    by_method: list[dict[str, object]] = field(default_factory=list)


def accuracy_by_method(methods: np.ndarray, map_codes: np.ndarray, samples: SampleSet,
                       mapped_pixels: dict[int, int], names: dict[int, str],
                       method_pixels: dict[str, int] | None = None) -> list[dict[str, object]]:
    """Overall accuracy within each method's pixels (a domain of the map).

    Each sample weighs N_h / n_h of its stratum (the file's strata, else the map classes with their
    mapped pixels); the domain's accuracy is the weighted share of correct samples among the
    domain's samples (a ratio estimator; Stehman 2014, section 2.4). Its standard error is left out:
    with few samples in a domain, read ``samples`` first.
    """
    if samples.strata is not None and samples.stratum_sizes is not None:
        strata, sizes = samples.strata.astype(str), {str(k): v for k, v in samples.stratum_sizes.items()}
    else:
        strata, sizes = map_codes.astype(str), {str(k): v for k, v in mapped_pixels.items()}
    labels, counts = np.unique(strata, return_counts=True)
    per = dict(zip(labels.tolist(), counts.tolist(), strict=True))
    w = np.array([sizes.get(h, 0) / per[h] for h in strata], dtype=float)
    correct = map_codes == samples.codes
    out = []
    for m in sorted(set(methods.tolist())):
        z = methods == m
        name = names.get(int(m), str(m))
        oa = float((w * correct * z).sum() / (w * z).sum()) if (w * z).sum() > 0 else None
        out.append({"method": name, "pixels": (method_pixels or {}).get(name), "samples": int(z.sum()),
                    "overall_accuracy": None if oa is None else round(oa, 6)})
    return out


def pixel_area_ha(grid: Grid, what: str) -> float:
    """Pixel area in hectares; refuses a geographic CRS (pixel areas vary with latitude)."""
    return grid.pixel_area_m2(what) / 10_000


def map_pixel_counts(path: str | os.PathLike[str], *, block: int = 2048) -> tuple[dict[int, int], Grid]:
    """Pixel count of every class in a single-band class map (read window by window)."""
    with open_raster(path, what="class map") as ds:
        grid = Grid.from_dataset(ds)
        if ds.count != 1 or np.dtype(ds.dtypes[0]).kind not in "iu":
            raise InputDataError(f"{path}: has {ds.count} band(s) of {ds.dtypes[0]}; a class map has one "
                                 "integer band of legend codes (e.g. the output of 'habitatmap classify').")
        nodata = ds.nodata
        counts = np.zeros(256 if ds.dtypes[0] == "uint8" else 65536, dtype=np.int64)
        for win in grid.blocks(block):
            counts += np.bincount(read_window(ds, 1, window=win, path=path).ravel(),
                                  minlength=counts.size)[:counts.size]
    return {int(c): int(counts[c]) for c in np.flatnonzero(counts) if nodata is None or c != nodata}, grid


def _class_map(path: Path):
    """The grid of a single-band integer class map and a function sampling it at pixels (NaN on
    nodata). Any tool's class map works: band names are not needed."""
    with open_raster(path, what="class map") as ds:
        grid = Grid.from_dataset(ds)
        if ds.count != 1 or np.dtype(ds.dtypes[0]).kind not in "iu":
            raise InputDataError(f"{path}: has {ds.count} band(s) of {ds.dtypes[0]}; a class map has one "
                                 "integer band of legend codes (e.g. the output of 'habitatmap classify').")
        nodata = ds.nodata

    def values_at(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        from rasterio.windows import Window

        out = np.full(len(rows), np.nan)
        tile = 256
        keys = (rows // tile) * (grid.width // tile + 1) + cols // tile
        with open_raster(path, what="class map") as ds:
            for key in np.unique(keys):
                sel = np.flatnonzero(keys == key)
                r0, c0 = int(rows[sel[0]]) // tile * tile, int(cols[sel[0]]) // tile * tile
                block = read_window(ds, 1, window=Window(c0, r0, min(tile, grid.width - c0),
                                                         min(tile, grid.height - r0)), path=path)
                out[sel] = block[rows[sel] - r0, cols[sel] - c0]
        if nodata is not None:
            out[out == nodata] = np.nan
        return out

    return grid, values_at


def assess_samples(map_codes: np.ndarray, samples: SampleSet, mapped_pixels: dict[int, int],
                   pixel_area_ha: float, legend: Legend) -> tuple[Accuracy, str]:
    """Estimate accuracy for reference ``samples`` whose map classes are ``map_codes``."""
    order = [c for c in legend.codes if c in set(map_codes) | set(samples.codes) | set(mapped_pixels)]
    if samples.strata is not None and samples.stratum_sizes is not None:
        acc = estimate(map_codes, samples.codes, samples.strata, samples.stratum_sizes,
                       pixel_area_ha=pixel_area_ha, classes=order, mapped_pixels=mapped_pixels)
        design = "stratified random by the sample's 'stratum' field (Stehman 2014 estimators)"
        pure = all(len(set(samples.codes[samples.strata == h].tolist())) == 1 for h in acc.strata)
        if pure:
            acc.notes.append("every stratum holds one reference class, so the reference class areas "
                             "are the stratum sizes themselves: their confidence intervals are zero")
        total = sum(N for N, _ in acc.strata.values())
        mapped_total = sum(mapped_pixels.values())
        if mapped_total and abs(total - mapped_total) > 0.01 * mapped_total:
            acc.notes.append(f"the strata cover {total} pixels but the map has {mapped_total} pixels "
                             "with data; the area estimates refer to the strata's area")
    else:
        acc = estimate(map_codes, samples.codes, map_codes, mapped_pixels,
                       pixel_area_ha=pixel_area_ha, classes=order, mapped_pixels=mapped_pixels)
        design = DESIGN_MAP_STRATA
    return acc, design


def assess_map(
    map_path: str | os.PathLike[str],
    reference: str | os.PathLike[str],
    legend: Legend,
    *,
    label_field: str | None = None,
    crosswalk: Crosswalk | None = None,
    allow_ballpark: bool = False,
    mapped_pixels: dict[int, int] | None = None,
    method_path: str | os.PathLike[str] | None = None,
    method_pixels: dict[str, int] | None = None,
) -> Assessment:
    """Assess a class map (legend codes) against a reference sample file.

    ``mapped_pixels`` (class -> pixel count) spares a pass over the map when the caller has them.
    ``method_path`` (a gap-filled map's ``<map>_method.tif``, found beside the map by default)
    adds the accuracy of each way of classifying (:func:`accuracy_by_method`).

    Raises
    ------
    InputDataError
        Unreadable map or reference, reference off the map, or no reference on mapped pixels.
    LegendError
        Reference labels not in the legend (or crosswalk).

    Warns
    -----
    HabitatmapWarning
        When reference samples fall on map nodata (they are left out).
    """
    map_path = Path(map_path)
    grid, values_at = _class_map(map_path)
    pixel_ha = pixel_area_ha(grid, str(map_path))
    samples = read_samples(reference, grid, legend, label_field=label_field, crosswalk=crosswalk,
                           max_per_polygon=1, allow_ballpark=allow_ballpark)
    values = values_at(samples.rows, samples.cols)
    ok = np.isfinite(values)
    dropped = int((~ok).sum())
    if not ok.any():
        raise InputDataError(f"{samples.source}: every reference sample falls on nodata in {map_path}; "
                             "check that the map and the reference cover the same area.")
    if dropped:
        warnings.warn(f"{samples.source}: {dropped} reference sample(s) fall on nodata in {map_path} "
                      "and are left out.", HabitatmapWarning, stacklevel=2)
    samples = samples.subset(ok)
    map_codes = values[ok].astype(np.int64)
    unknown = sorted(set(map_codes.tolist()) - set(legend.codes))
    if unknown:
        raise InputDataError(f"{map_path}: holds values {unknown} that are not legend codes; assess a "
                             "map classified with this legend (or pass its --legend).")
    mapped = mapped_pixels if mapped_pixels is not None else map_pixel_counts(map_path)[0]
    acc, design = assess_samples(map_codes, samples, mapped, pixel_ha, legend)
    result = Assessment(acc, design, str(map_path), samples.source, pixel_ha, dropped, samples.operation,
                        list(acc.notes))
    if method_path is None:
        # Only the method raster the map itself names: a file left by an earlier, gap-filled run
        # beside a map made without gap filling would describe other pixels.
        with open_raster(map_path, what="class map") as ds:
            gap_fill = ds.tags().get("GAP_FILL", "")
        sibling = map_path.with_name(map_path.stem + "_method.tif")
        if sibling.name in gap_fill and sibling.is_file():
            method_path = sibling
    if method_path is not None:
        from habitatmap.io.raster import open_raster as _open

        _, methods_at = _class_map(Path(method_path))
        with _open(method_path, what="method raster") as ds:
            tags = ds.tags(1)
        names = {int(k.split("_", 1)[1]): v for k, v in tags.items() if k.startswith("METHOD_")}
        methods = np.nan_to_num(methods_at(samples.rows, samples.cols), nan=0).astype(np.int64)
        if method_pixels is None:  # counted here when the caller (a later step) has no tally
            counts, _ = map_pixel_counts(method_path)
            method_pixels = {names[k]: v for k, v in counts.items() if k in names}
        result.by_method = accuracy_by_method(methods, map_codes, samples, mapped, names, method_pixels)
    return result
