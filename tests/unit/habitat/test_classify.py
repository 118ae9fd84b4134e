"""Classification: settings, training checks, spatial folds, the map and its accuracy."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.habitat.classify import (
    METHOD_ALL,
    METHOD_NODATA,
    METHOD_ONLY,
    MIN_CLASS_SAMPLES,
    ClassifyResult,
    ClassifySettings,
    Fallback,
    MapResult,
    check_training,
    classify_composites,
    is_saved_model,
    method_names,
    predict_map,
    sample_features,
    spatial_folds,
    train_fallbacks,
)
from habitatmap.habitat.features import FeatureStack
from habitatmap.habitat.models import train
from habitatmap.habitat.samples import read_samples


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="--majority 4"):
        ClassifySettings(majority=4)
    with pytest.raises(ConfigError, match="--mmu-ha -1"):
        ClassifySettings(mmu_ha=-1)
    with pytest.raises(ConfigError, match="--mmu-ha nan"):
        ClassifySettings(mmu_ha=float("nan"))


def test_spatial_folds_keep_blocks_and_polygons_together():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 20_000, 400)
    y = rng.uniform(0, 20_000, 400)
    groups = np.arange(400)
    groups[:10] = 0  # ten pixels of one polygon spread across blocks
    folds = spatial_folds(x, y, groups, block_m=5000, n_folds=5)
    assert set(folds) == set(range(5))
    block = (np.floor(x / 5000) * 100 + np.floor(y / 5000)).astype(int)
    for b in np.unique(block[10:]):
        members = np.flatnonzero(block == b)
        members = members[members >= 10]
        assert len(set(folds[members])) == 1
    assert len(set(folds[:10])) == 1
    with pytest.raises(InputDataError, match="one 50 km block"):
        spatial_folds(x, y, groups, block_m=50_000)


def test_sample_features_and_training_checks(world, legend):
    comp, training, _, _ = world
    stack = FeatureStack.open([comp])
    samples = read_samples(training, stack.grid, legend, stratified=False)
    x, kept, dropped = sample_features(stack, samples)
    assert x.shape == (len(kept), 2) and dropped == 0
    check_training(kept, dropped, legend)
    one_class = kept.subset(kept.codes == 51)
    with pytest.raises(InputDataError, match="all usable training samples are of one class"):
        check_training(one_class, 0, legend)
    few = kept.subset(np.isin(np.arange(len(kept)), np.flatnonzero(kept.codes == 13)[:3])
                      | (kept.codes != 13))
    with pytest.warns(UserWarning, match=f"fewer than {MIN_CLASS_SAMPLES}"):
        check_training(few, 0, legend)
    with pytest.raises(InputDataError, match="falls on a pixel with data"):
        check_training(kept.subset(np.zeros(len(kept), bool)), 5, legend)


def test_predict_map_writes_the_class_cog(world, legend, tmp_path):
    comp, training, _, t = world
    stack = FeatureStack.open([comp])
    samples = read_samples(training, stack.grid, legend, stratified=False)
    x, kept, _ = sample_features(stack, samples)
    model = train(x, kept.codes, list(stack.names), seed=1)
    result = predict_map(stack, model, tmp_path / "h.tif", legend, ClassifySettings(threads=1))
    assert isinstance(result, MapResult) and result.mmu_pixels == 45
    with rasterio.open(result.path) as ds:
        got = ds.read(1)
    assert (got[:280, :280] == t[:280, :280]).mean() > 0.98 and (got[295:, 295:] == 0).all()
    assert sum(result.mapped_pixels.values()) == int((got != 0).sum())
    assert (tmp_path / "h.tif.aux.xml").is_file()


def test_classify_composites_end_to_end(world, legend, tmp_path):
    comp, training, reference, _ = world
    res = classify_composites([comp], tmp_path / "habitat.tif", legend, training=str(training), seed=3,
                              validation=str(reference), report_dir=tmp_path / "report",
                              model_out=tmp_path / "m.skops", settings=ClassifySettings(threads=1))
    assert isinstance(res, ClassifyResult) and res.assessment.accuracy.overall_accuracy > 0.95
    with rasterio.open(res.map.path) as ds:
        record = json.loads(ds.tags()["HABITATMAP_PROVENANCE"])
    assert record["product"] == "habitat.classify" and record["seeds"] == {"model": 3}
    assert {i["role"] for i in record["inputs"]} == {"composite", "training"}
    assert record["parameters"]["mmu_pixels"] == 45
    assert sorted(p.name for p in res.report_paths) == ["confusion_matrix.png", "report.json", "report.md"]
    again = classify_composites([comp], tmp_path / "again.tif", legend, model=str(tmp_path / "m.skops"),
                                settings=ClassifySettings(threads=1))
    with rasterio.open(res.map.path) as a, rasterio.open(again.map.path) as b:
        assert np.array_equal(a.read(1), b.read(1))


def test_classify_errors(world, legend, tmp_path):
    comp, training, _, _ = world
    with pytest.raises(ConfigError, match="--training is required"):
        classify_composites([comp], tmp_path / "h.tif", legend)
    from habitatmap.habitat.models import save_model

    stack = FeatureStack.open([comp])
    x, kept, _ = sample_features(stack, read_samples(training, stack.grid, legend, stratified=False))
    saved = save_model(train(x, kept.codes, list(stack.names)), tmp_path / "x.skops")
    with pytest.raises(ConfigError, match="no training samples to cross-validate"):
        classify_composites([comp], tmp_path / "h.tif", legend, model=str(saved), report_dir=tmp_path / "r")
    with pytest.raises(InputDataError, match="model file not found"):
        classify_composites([comp], tmp_path / "h.tif", legend, model=str(tmp_path / "none.skops"))


def test_is_saved_model():
    assert is_saved_model("m.skops") and is_saved_model("models/rf") and not is_saved_model("rf")


def test_gap_fill_classifies_from_the_composite_that_has_data(world, legend, tmp_path):
    """Two composites with stripes of no data in different places: each stripe is classified by
    the other composite's model, the method band says so, nodata remains where neither has data."""
    import shutil

    comp, training, reference, t = world
    a, b = tmp_path / "a.tif", tmp_path / "b.tif"
    shutil.copy(comp, a)
    shutil.copy(comp, b)
    with rasterio.open(a, "r+") as ds:
        data = ds.read()
        data[:, :, 100:110] = np.nan  # an SLC-off-like stripe in the first composite
        ds.write(data)
    with rasterio.open(b, "r+") as ds:
        data = ds.read()
        data[:, 50:60, :] = np.nan  # a cloud band in the second
        ds.write(data)
    res = classify_composites([a, b], tmp_path / "h.tif", legend, training=str(training), seed=3,
                              validation=str(reference), model_out=tmp_path / "m.skops",
                              settings=ClassifySettings(threads=1, mmu_ha=0))
    stack = FeatureStack.open([a, b])
    train_samples = read_samples(training, stack.grid, legend, stratified=False)
    assert [f.composite for f in train_fallbacks(stack, train_samples, "rf", 0, 1, {})] == [0, 1]
    with rasterio.open(res.map.path) as ds:
        got = ds.read(1)
    with rasterio.open(res.map.method_path) as ds:
        method = ds.read(1)
    assert (method[50:60, 100:110] == METHOD_NODATA).all() and (got[50:60, 100:110] == 0).all()
    assert (method[:50, 100:110] == METHOD_ONLY + 1).all() and (method[50:60, :100] == METHOD_ONLY).all()
    assert (method[:50, :50] == METHOD_ALL).all()
    assert (got[:50, 100:110] == t[:50, 100:110]).mean() > 0.95
    assert method_names(stack)[METHOD_ONLY] == "only a.tif"
    ways = {m["method"]: m for m in res.assessment.by_method}
    assert ways["all composites"]["samples"] > 0
    assert isinstance(Fallback(res.model.fallbacks[0], (0, 1), 0), Fallback)
    # A saved model keeps its fallbacks: the same gap-free map again.
    again = classify_composites([a, b], tmp_path / "again.tif", legend, model=str(tmp_path / "m.skops"),
                                settings=ClassifySettings(threads=1, mmu_ha=0))
    with rasterio.open(again.map.path) as ds:
        assert np.array_equal(ds.read(1), got)
    single = classify_composites([a], tmp_path / "one.tif", legend, training=str(training),
                                 settings=ClassifySettings(threads=1, mmu_ha=0))
    assert single.map.method_path is None  # one composite: nothing to fall back on


def test_a_stale_method_raster_is_not_used(world, legend, tmp_path):
    """A map made without gap filling ignores a <map>_method.tif left by an earlier run."""
    import shutil

    comp, training, reference, _ = world
    a, b = tmp_path / "a.tif", tmp_path / "b.tif"
    shutil.copy(comp, a)
    shutil.copy(comp, b)
    first = classify_composites([a, b], tmp_path / "h.tif", legend, training=str(training),
                                validation=str(reference), settings=ClassifySettings(threads=1))
    assert first.map.method_path is not None and first.assessment.by_method
    again = classify_composites([a, b], tmp_path / "h.tif", legend, training=str(training),
                                validation=str(reference), settings=ClassifySettings(threads=1),
                                gap_fill=False)
    assert again.map.method_path is None and again.assessment.by_method == []
