"""Habitat classification of composites with the shared legend.

Steps: read the training samples onto the composites' grid, take their feature values (dropping
samples on nodata), fit the model (or load a saved one), predict the map window by window on
dask, smooth it (optional majority filter, then the minimum mapping unit), and write a uint8 COG
with the legend's colour table and category names.

A random forest is predicted with :mod:`habitatmap.forest` (exact; about 4x the speed of
scikit-learn's ``predict``); other models use their own ``predict``.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rasterio.windows import Window

from habitatmap.errors import ConfigError, HabitatmapWarning, InputDataError
from habitatmap.habitat.features import FeatureStack
from habitatmap.habitat.forest import CompiledForest, supports
from habitatmap.habitat.models import HabitatModel
from habitatmap.habitat.samples import SampleSet
from habitatmap.habitat.smoothing import SMOOTH_TILE, mmu_pixels, smooth_window
from habitatmap.io.raster import write_category_names
from habitatmap.legend.model import Legend
from habitatmap.provenance import Provenance
from habitatmap.scale import DEFAULT_MMU_HA
from habitatmap.values import quote

__all__ = [
    "METHOD_ALL",
    "METHOD_NODATA",
    "METHOD_ONLY",
    "MIN_CLASS_SAMPLES",
    "ClassifyResult",
    "ClassifySettings",
    "Fallback",
    "MapResult",
    "check_training",
    "classify_composites",
    "is_saved_model",
    "method_names",
    "predict_map",
    "sample_features",
    "spatial_folds",
    "train_fallbacks",
]

#: Fewer training samples than this for a class draws a warning naming it.
MIN_CLASS_SAMPLES = 15

#: progress(blocks_done, blocks_total)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ClassifySettings:
    """How to predict and smooth the map.

    Attributes
    ----------
    mmu_ha
        Minimum mapping unit in hectares (patches smaller than this merge into their largest
        neighbour); default from the 1:100000 scale (:data:`habitatmap.scale.DEFAULT_MMU_HA`); 0 = off.
    majority
        Side of a majority filter window applied before the MMU (0 = off, or 3, 5, 7).
    block
        Side of the prediction windows in pixels (smaller on small grids so every thread works).
    scheduler, threads
        Where to compute (see :func:`habitatmap.parallel.dask_client`).
    """

    mmu_ha: float = DEFAULT_MMU_HA
    majority: int = 0
    block: int = 1024
    scheduler: str | None = None
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.mmu_ha < 0 or not math.isfinite(self.mmu_ha):
            raise ConfigError(f"--mmu-ha {self.mmu_ha}: not an area; give hectares >= 0 (0 turns it off).")
        if self.majority not in (0, 3, 5, 7):
            raise ConfigError(f"--majority {self.majority}: not a filter window; use 0 (off), 3, 5 or 7 "
                              "pixels.")


@dataclass
class MapResult:
    """What :func:`predict_map` wrote.

    Attributes
    ----------
    path
        The habitat COG.
    mapped_pixels
        Legend code -> pixel count in the final map.
    mmu_pixels
        The minimum mapping unit in pixels (0 = off).
    changed_by_smoothing
        Pixels whose class the majority filter and MMU changed.
    """

    path: Path
    mapped_pixels: dict[int, int]
    mmu_pixels: int
    changed_by_smoothing: int
    tags: dict[str, str] = field(default_factory=dict)
    provenance: Provenance | None = None
    #: The per-pixel method raster (None without fallbacks) and the pixels of each method.
    method_path: Path | None = None
    method_pixels: dict[str, int] = field(default_factory=dict)


def sample_features(stack: FeatureStack, samples: SampleSet) -> tuple[np.ndarray, SampleSet, int]:
    """Feature rows of the samples, without those on nodata.

    Returns
    -------
    (x, kept samples, number dropped)
    """
    x = stack.sample(samples.rows, samples.cols)
    ok = np.isfinite(x).all(axis=1)
    return x[ok], samples.subset(ok), int((~ok).sum())


def check_training(samples: SampleSet, dropped: int, legend: Legend) -> None:
    """Refuse unusable training data; warn about classes with few samples.

    Raises
    ------
    InputDataError
        No sample on valid pixels, or fewer than two classes.
    """
    if len(samples) == 0:
        raise InputDataError(f"{samples.source}: none of the {dropped} training samples on the grid "
                             "falls on a pixel with data (all are nodata in the composite); place "
                             "samples where the composite has clear observations.")
    codes, counts = np.unique(samples.codes, return_counts=True)
    if codes.size < 2:
        raise InputDataError(f"{samples.source}: all usable training samples are of one class "
                             f"({legend.by_code(int(codes[0])).key}); a classifier needs two or more.")
    for code, n in zip(codes, counts, strict=True):
        if n < MIN_CLASS_SAMPLES:
            warnings.warn(f"{samples.source}: class {quote(legend.by_code(int(code)).key)} has only {n} "
                          f"training sample(s) (fewer than {MIN_CLASS_SAMPLES}); it will be mapped "
                          "unreliably, so add samples for it.", HabitatmapWarning, stacklevel=2)


def spatial_folds(x: np.ndarray, y: np.ndarray, groups: np.ndarray, *, block_m: float,
                  n_folds: int = 5) -> np.ndarray:
    """Fold number of each sample for spatial block cross-validation.

    Samples are grouped into square blocks ``block_m`` wide (all pixels of one polygon go with
    the polygon's first pixel), and whole blocks are dealt to folds, so that neighbouring, similar
    pixels are never split between training and testing.
    """
    from sklearn.model_selection import GroupKFold

    bx = np.floor(x / block_m).astype(np.int64)
    by = np.floor(y / block_m).astype(np.int64)
    block = bx * 1_000_003 + by
    first: dict[int, int] = {}
    for i, g in enumerate(groups):
        first.setdefault(int(g), int(block[i]))
    block = np.array([first[int(g)] for g in groups])
    n_blocks = np.unique(block).size
    if n_blocks < 2:
        raise InputDataError(f"all training samples lie in one {block_m / 1000:g} km block, so spatial "
                             "cross-validation cannot hold any out; pass --validation with an "
                             "independent sample or a smaller --cv-block-km.")
    folds = np.empty(len(block), dtype=np.int64)
    splitter = GroupKFold(n_splits=min(n_folds, n_blocks))
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(block)), groups=block)):
        folds[test] = k
    return folds


#: Values of the per-pixel method band (``<map>_method.tif``): how each pixel was classified.
METHOD_NODATA = 0
METHOD_ALL = 1
#: ``METHOD_ONLY + k``: only composite ``k`` (0-based) had a clear observation there.
METHOD_ONLY = 2


@dataclass(frozen=True)
class Fallback:
    """A model on one composite's features, for pixels where only that composite has data.

    Attributes
    ----------
    model
        Fitted on the training samples that have data in this composite (more of them than the
        full model has where the other seasons are cloudy or striped).
    features
        Positions of its features in the full stack.
    composite
        0-based index of the composite.
    """

    model: HabitatModel
    features: tuple[int, ...]
    composite: int


def _label(predictor: Any, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
    if isinstance(predictor, CompiledForest):
        index = predictor.predict_index(x)
    else:
        index = np.searchsorted(predictor.classes_, predictor.predict(np.ascontiguousarray(x.T)))
    return codes[index]


def _predict_block(stack: FeatureStack, window: Window, predictor: Any, codes: np.ndarray,
                   nodata: int, fallbacks: tuple = ()) -> tuple[Window, np.ndarray, np.ndarray]:
    feats = stack.read(window)
    finite = np.isfinite(feats)
    valid = finite.all(axis=0)
    out = np.full(valid.shape, nodata, dtype=np.uint8)
    method = np.full(valid.shape, METHOD_NODATA, dtype=np.uint8)
    if valid.any():
        out[valid] = _label(predictor, feats[:, valid], codes)
        method[valid] = METHOD_ALL
    for fb_predictor, fb_codes, features, composite in fallbacks:
        todo = (method == METHOD_NODATA) & finite[list(features)].all(axis=0)
        if todo.any():
            out[todo] = _label(fb_predictor, feats[list(features)][:, todo], fb_codes)
            method[todo] = METHOD_ONLY + composite
    return window, out, method


def method_names(stack: FeatureStack) -> dict[int, str]:
    """Names of the method band's values for ``stack``'s composites."""
    names = {METHOD_NODATA: "no clear observation", METHOD_ALL: "all composites"}
    names.update({METHOD_ONLY + k: f"only {p.name}" for k, p in enumerate(stack.paths)})
    return names


def train_fallbacks(stack: FeatureStack, samples: SampleSet, model: str, seed: int,
                    threads: int | None, metadata: dict[str, Any]) -> list[Fallback]:
    """One model per composite, for pixels where the other composites have no clear view.

    Each is trained on the samples with data in that composite (with two composites or more);
    a composite whose samples hold fewer than two classes gets none.
    """
    from habitatmap.habitat.models import train

    if len(stack.paths) < 2:
        return []
    x_all = stack.sample(samples.rows, samples.cols)
    out = []
    for k in range(len(stack.paths)):
        features = tuple(j for j, (c, _) in enumerate(stack.bands) if c == k)
        ok = np.isfinite(x_all[:, list(features)]).all(axis=1)
        if len(np.unique(samples.codes[ok])) < 2:
            continue
        fitted = train(x_all[ok][:, list(features)], samples.codes[ok], [stack.names[j] for j in features],
                       model=model, seed=seed, threads=threads,
                       metadata={**metadata, "composite": k, "fallback_for": stack.paths[k].name})
        out.append(Fallback(fitted, features, k))
    return out


def predict_map(
    stack: FeatureStack,
    model: HabitatModel,
    out: str | os.PathLike[str],
    legend: Legend,
    settings: ClassifySettings | None = None,
    *,
    tags: dict[str, str] | None = None,
    record: Provenance | None = None,
    progress: Progress | None = None,
    fallbacks: Sequence[Fallback] = (),
) -> MapResult:
    """Predict the habitat map of ``stack`` with ``model`` and write it as a COG.

    With ``fallbacks``, a pixel that lacks a clear observation in some composite is classified by
    the model of a composite that has one (in the order given); ``<map>_method.tif`` beside the
    map records per pixel which way was used (:func:`method_names`). Nodata remains only where
    no composite has a clear view.

    Parameters
    ----------
    stack
        Features in the model's order (see :meth:`FeatureStack.select`).
    model
        A fitted model whose classes are legend codes.
    out
        Output COG path (a GDAL ``.aux.xml`` with category names is written beside it).
    legend
        Colours, names and nodata of the output.
    settings
        Smoothing and where to compute.
    tags
        Extra descriptive tags for the COG.
    record
        The map's provenance record (smoothing parameters are added to it), written into the COG.
    progress
        Called as ``progress(blocks_done, blocks_total)``.
    fallbacks
        From :func:`train_fallbacks`.
    """
    from habitatmap.io.raster import ScratchRaster, cog_writer
    from habitatmap.parallel import dask_client, map_unordered, separate_processes

    settings = settings or ClassifySettings()
    grid = stack.grid
    out = Path(out)
    codes = np.asarray(model.codes, dtype=np.uint8)
    def compiled(m: HabitatModel) -> Any:
        return CompiledForest.from_sklearn(m.estimator) if supports(m.estimator) else m.estimator

    predictor: Any = compiled(model)
    fb = tuple((compiled(f.model), np.asarray(f.model.codes, dtype=np.uint8), f.features, f.composite)
               for f in fallbacks)
    method_path = out.with_name(out.stem + "_method.tif")
    mmu_px = mmu_pixels(settings.mmu_ha, grid.pixel_area)
    all_tags = {
        "PRODUCT": "habitat map (shared transboundary legend)",
        "LEGEND_ID": legend.id, "LEGEND_VERSION": legend.version,
        "MODEL": str(model.metadata.get("model", type(model.estimator).__name__)),
        "SEED": str(model.metadata.get("seed", "")),
        "FEATURES": ",".join(model.feature_names),
        "COMPOSITES": ",".join(p.name for p in stack.paths),
        "MMU_HA": f"{settings.mmu_ha:g}", "MMU_PIXELS": str(mmu_px),
        "MAJORITY_FILTER": str(settings.majority or "off"),
        "GAP_FILL": ("fallback models on " + ", ".join(f"{stack.paths[f.composite].name}" for f in fallbacks)
                     + f"; per-pixel method in {method_path.name}") if fallbacks else "none",
        **(tags or {}),
    }
    if record is not None:
        record.parameters.update({"mmu_ha": settings.mmu_ha, "mmu_pixels": mmu_px,
                                  "majority_filter": settings.majority})
        all_tags.update(record.finish().tags())
    block = settings.block
    # Small grids get smaller windows, so every thread has work.
    while block > 256 and math.ceil(grid.width / block) * math.ceil(grid.height / block) < 8:
        block //= 2
    windows = list(grid.blocks(block))
    counts = np.zeros(256, dtype=np.int64)
    changed = 0
    # Predictions go to an uncompressed scratch raster beside the output, then are smoothed tile by
    # tile into the COG: memory holds a few windows, never the whole map.
    methods = np.zeros(256, dtype=np.int64)
    names = method_names(stack)
    with ScratchRaster(out, grid=grid, dtype="uint8", nodata=legend.nodata, count=2) as scratch, \
            cog_writer(out, grid=grid, count=1, dtype="uint8", nodata=legend.nodata,
                       band_descriptions=["habitat"],
                       tags=all_tags, band_tags=[{f"CLASS_{c.code}": c.key for c in legend.classes}],
                       colormap=legend.colormap(), resampling="mode",
                       # Codes, not measurements: a predictor only hurts, and DEFLATE level 6 is 10x
                       # faster than level 9 on a class map for a file a few percent larger.
                       profile={"compress": "DEFLATE", "level": 6, "predictor": 1,
                                "num_threads": "ALL_CPUS"}) as dst, \
            contextlib.ExitStack() as extra:
        mdst = extra.enter_context(cog_writer(
            method_path, grid=grid, count=1, dtype="uint8", nodata=None, band_descriptions=["method"],
            tags={"PRODUCT": f"how each pixel of {out.name} was classified", "HABITAT_MAP": out.name},
            band_tags=[{f"METHOD_{k}": v for k, v in names.items()}], resampling="mode",
            profile={"compress": "DEFLATE", "level": 6, "predictor": 1})) if fallbacks else None
        with scratch.write() as raw, dask_client(settings.scheduler, threads=settings.threads) as client:
            threads = sum(client.nthreads().values()) or 1
            remote = separate_processes(client)  # models go to other processes once, not per block
            shared = client.scatter(predictor, broadcast=True) if remote else predictor
            shared_fb = client.scatter(fb, broadcast=True) if remote and fb else fb
            tasks = ((stack, w, shared, codes, legend.nodata, shared_fb) for w in windows)
            for n, (win, labels, method) in enumerate(
                    map_unordered(client, _predict_block, tasks, max_in_flight=2 * threads), start=1):
                raw.write(labels, 1, window=win)
                raw.write(method, 2, window=win)
                if progress is not None:
                    progress(n, len(windows))
        with scratch.read() as raw:
            for win in grid.blocks(SMOOTH_TILE):
                before, after = smooth_window(raw, win, grid, settings.majority, mmu_px, legend.nodata)
                dst.write(after, 1, window=win)
                counts += np.bincount(after.ravel(), minlength=256)
                changed += int((before != after).sum())
                method = raw.read(2, window=win)
                method[after == legend.nodata] = METHOD_NODATA
                methods += np.bincount(method.ravel(), minlength=256)
                if mdst is not None:
                    mdst.write(method, 1, window=win)
    # The category names sidecar follows the finished COG, so a failed run leaves neither behind.
    write_category_names(out, legend.names("en"))
    if fallbacks:
        write_category_names(method_path, names)
    mapped = {int(c): int(counts[c]) for c in np.flatnonzero(counts) if c != legend.nodata}
    by_method = {names.get(int(k), str(k)): int(methods[k]) for k in np.flatnonzero(methods)}
    return MapResult(out, mapped, mmu_px, changed, all_tags, record,
                     method_path=method_path if fallbacks else None, method_pixels=by_method)


@dataclass
class ClassifyResult:
    """Everything :func:`classify_composites` produced."""

    map: MapResult
    model: HabitatModel
    model_path: Path | None = None
    training: SampleSet | None = None
    dropped_nodata: int = 0
    assessment: Any = None
    report_paths: list[Path] = field(default_factory=list)


def is_saved_model(model: str) -> bool:
    """True if ``--model`` names a saved model file rather than a model type."""
    return model.endswith(".skops") or os.sep in model or Path(model).is_file()


def _cross_validate(x: np.ndarray, samples: SampleSet, stack: FeatureStack, model: HabitatModel,
                    block_km: float) -> np.ndarray:
    from habitatmap.habitat.models import make_estimator

    xs, ys = samples.xy(stack.grid)
    folds = spatial_folds(xs, ys, samples.groups, block_m=block_km * 1000)
    predicted = np.zeros(len(samples), dtype=np.int64)
    for k in np.unique(folds):
        test = folds == k
        est = make_estimator(model.metadata.get("model", "rf"), seed=int(model.metadata.get("seed", 0)))
        est.fit(x[~test], samples.codes[~test])
        predicted[test] = est.predict(x[test])
    return predicted


def classify_composites(
    composites: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    legend: Legend,
    *,
    training: str | None = None,
    model: str = "rf",
    label_field: str | None = None,
    crosswalk: Any = None,
    seed: int = 0,
    max_per_polygon: int = 50,
    validation: str | None = None,
    report_dir: str | os.PathLike[str] | None = None,
    model_out: str | os.PathLike[str] | None = None,
    cv_block_km: float = 5.0,
    allow_ballpark: bool = False,
    settings: ClassifySettings | None = None,
    progress: Progress | None = None,
    gap_fill: bool = True,
) -> ClassifyResult:
    """Train (or load) a model, map the composites and assess the map.

    Parameters
    ----------
    composites
        Composite COGs on one grid; their bands (except ``clear_count``) are the features.
    out
        Habitat map COG to write.
    legend
        The shared legend.
    training
        Labelled points or polygons (``FILE[:LAYER]``); needed unless ``model`` is a saved model.
    model
        ``rf`` (default), ``hgb``, or the path of a model saved with ``model_out``.
    label_field, crosswalk, max_per_polygon, seed, allow_ballpark
        See :func:`habitatmap.samples.read_samples` and :func:`habitatmap.model.train`.
    validation
        Independent reference sample; without it the report comes from spatial block
        cross-validation of the training samples (blocks ``cv_block_km`` wide).
    report_dir
        Folder for ``report.json``, ``report.md`` and the confusion-matrix PNG.
    model_out
        Save the fitted model here (skops).
    settings
        Smoothing and where to compute.
    progress
        Prediction progress callback.
    gap_fill
        With several composites, classify pixels that lack a clear view in some of them from the
        others (:func:`train_fallbacks`), recording the method per pixel; nodata then remains
        only where no composite has one.

    Raises
    ------
    InputDataError, LegendError, ConfigError, GeodesyError
        For the user errors described in each step.
    """
    from habitatmap.habitat.accuracy.assess import (
        DESIGN_CV,
        Assessment,
        assess_map,
        assess_samples,
        pixel_area_ha,
    )
    from habitatmap.habitat.accuracy.report import build_report, write_report
    from habitatmap.habitat.models import load_model, save_model, train
    from habitatmap.habitat.samples import read_samples
    from habitatmap.io.atomic import check_output_folder
    from habitatmap.io.paths import split_layer

    for dest in (out, model_out):
        if dest is not None:
            check_output_folder(Path(dest))  # fail before the work, not after it
    stack = FeatureStack.open(composites)
    samples: SampleSet | None = None
    x = None
    dropped = 0
    fallbacks: list[Fallback] = []
    if is_saved_model(model):
        fitted = load_model(model)
        stack = stack.select(fitted.feature_names)
        if gap_fill:  # the saved model's own fallbacks, on the features of the composite each names
            fallbacks = [Fallback(f, tuple(stack.names.index(n) for n in f.feature_names),
                                  int(f.metadata.get("composite", 0))) for f in fitted.fallbacks
                         if all(n in stack.names for n in f.feature_names)]
        if fitted.metadata.get("legend_id") not in (None, legend.id):
            raise ConfigError(f"{model}: trained for legend {quote(fitted.metadata.get('legend_id'))}, "
                              f"but the legend in use is {quote(legend.id)}; pass the model's --legend.")
        if report_dir and not validation:
            raise ConfigError("a saved model has no training samples to cross-validate; pass "
                              "--validation to get an accuracy report.")
    else:
        if not training:
            raise ConfigError("--training is required to fit a model; pass labelled points or "
                              "polygons, or give a saved model with --model FILE.skops.")
        samples = read_samples(training, stack.grid, legend, label_field=label_field,
                               crosswalk=crosswalk, max_per_polygon=max_per_polygon, seed=seed,
                               allow_ballpark=allow_ballpark, stratified=False)
        all_samples = samples
        x, samples, dropped = sample_features(stack, samples)
        if dropped:
            warnings.warn(f"{samples.source}: {dropped} training sample(s) fall on nodata in the "
                          "composite and are dropped.", HabitatmapWarning, stacklevel=2)
        check_training(samples, dropped, legend)
        meta = {"legend_id": legend.id, "legend_version": legend.version,
                "training": samples.source, "composites": [p.name for p in stack.paths],
                "composite_months": list(stack.months),
                "samples_per_class": {legend.by_code(int(c)).key: int(n)
                                      for c, n in zip(*np.unique(samples.codes, return_counts=True),
                                                      strict=True)},
                "datum_operation": samples.operation.to_dict() if samples.operation else None,
                "crosswalk": crosswalk.id if crosswalk is not None else None}
        fitted = train(x, samples.codes, list(stack.names), model=model, seed=seed,
                       threads=settings.threads if settings else None, metadata=meta)
        if gap_fill:
            fallbacks = train_fallbacks(stack, all_samples, model, seed,
                                        settings.threads if settings else None, meta)
            fitted.fallbacks = [f.model for f in fallbacks]
    saved = save_model(fitted, model_out) if model_out else None
    record = Provenance("habitat.classify", parameters={
        "model": fitted.metadata.get("model", model if not is_saved_model(model) else "saved"),
        "features": fitted.feature_names, "legend": {"id": legend.id, "version": legend.version},
        "label_field": label_field, "crosswalk": crosswalk.id if crosswalk is not None else None,
        "max_per_polygon": max_per_polygon}, seeds={"model": int(fitted.metadata.get("seed", seed))})
    for p in stack.paths:
        record.add_input("composite", p)
    if training:
        record.add_input("training", split_layer(training)[0], layer=split_layer(training)[1])
    if is_saved_model(model):
        record.add_input("model", model)
    if samples is not None:
        record.add_operation(f"training samples {samples.source}", samples.operation)
    if fallbacks:
        record.parameters["gap_fill"] = [{"composite": stack.paths[f.composite].name,
                                          "features": f.model.feature_names,
                                          "n_samples": f.model.metadata.get("n_samples")} for f in fallbacks]
    result = predict_map(stack, fitted, out, legend, settings, progress=progress, record=record,
                         fallbacks=fallbacks, tags={"TRAINING": Path(training).name if training else "",
                               "MODEL_FILE": Path(model).name if is_saved_model(model) else ""})
    res = ClassifyResult(result, fitted, saved, samples, dropped)
    if validation:
        res.assessment = assess_map(result.path, validation, legend, label_field=label_field,
                                    crosswalk=crosswalk, allow_ballpark=allow_ballpark,
                                    mapped_pixels=result.mapped_pixels, method_path=result.method_path,
                                    method_pixels=result.method_pixels)
    elif report_dir and samples is not None and x is not None:
        predicted = _cross_validate(x, samples, stack, fitted, cv_block_km)
        pixel_ha = pixel_area_ha(stack.grid, str(out))
        acc, _ = assess_samples(predicted, samples, result.mapped_pixels, pixel_ha, legend)
        res.assessment = Assessment(acc, DESIGN_CV, str(result.path), samples.source, pixel_ha,
                                    operation=samples.operation,
                                    notes=[*acc.notes, f"spatial blocks {cv_block_km:g} km wide; the "
                                           "cross-validated predictions are per pixel, before the "
                                           "majority filter and minimum mapping unit"])
    if report_dir and res.assessment is not None:
        extra = {"model": fitted.metadata.get("model"), "seed": fitted.metadata.get("seed"),
                 "mmu_ha": result.tags.get("MMU_HA"), "features": fitted.feature_names}
        res.report_paths = write_report(build_report(res.assessment, legend, extra=extra), legend, report_dir)
    return res

