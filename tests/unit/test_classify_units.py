"""Minimum mapping unit, majority filter, spatial folds, category names, scale rules, saved models."""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.classify import (
    ClassifySettings,
    category_names_xml,
    majority_filter,
    mmu_pixels,
    spatial_folds,
)
from habitatmap.errors import ConfigError, InputDataError
from habitatmap.legend import load_legend
from habitatmap.scale import DEFAULT_MMU_HA, SIMPLIFY_TOLERANCE_M


def test_scale_rules():
    assert pytest.approx(4.0) == DEFAULT_MMU_HA  # (2 mm x 100000)^2
    assert pytest.approx(25.0) == SIMPLIFY_TOLERANCE_M  # 0.25 mm x 100000
    assert mmu_pixels(4.0, 900.0) == 45  # 40000 m2 / 900 m2 = 44.4 -> patches under 45 px go
    assert mmu_pixels(0.09, 900.0) == 1 and mmu_pixels(0, 900.0) == 0
    assert mmu_pixels(25.0, 100.0) == 2500


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="--majority 4"):
        ClassifySettings(majority=4)
    with pytest.raises(ConfigError, match="--mmu-ha -1"):
        ClassifySettings(mmu_ha=-1)


def test_majority_filter_by_hand():
    a = np.array([[1, 1, 1, 2],
                  [1, 2, 1, 2],
                  [1, 1, 1, 2],
                  [0, 3, 3, 2]], dtype=np.uint8)
    got = majority_filter(a, 3, nodata=0)
    assert got[1, 1] == 1  # a lone 2 inside 1s
    assert got[3, 0] == 0  # nodata never changes
    # (0,3): window holds 2,2 (col 3) and 1,1 (col 2): a tie that includes its own class -> kept
    assert got[0, 3] == 2
    assert got[3, 1] == 1  # 1,1,1 above beat 3,3 beside (the nodata pixel does not vote)


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


def test_category_names_cover_codes_and_escape():
    legend = load_legend()
    xml = category_names_xml(legend)
    assert xml.count("<Category>") == max(legend.codes) + 1
    assert "<Category>Wetland</Category>" in xml


def test_saved_model_refuses_foreign_types(tmp_path):
    import skops.io as sio
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from habitatmap.model import HabitatModel, load_model, save_model

    x = np.random.default_rng(0).random((60, 3)).astype(np.float32)
    y = np.arange(60) % 3 + 11
    model = HabitatModel(RandomForestClassifier(5, random_state=0).fit(x, y), ["1:a", "1:b", "1:c"],
                         {"model": "rf", "seed": 0})
    back = load_model(save_model(model, tmp_path / "m.skops"))
    assert back.feature_names == model.feature_names and back.codes == [11, 12, 13]
    np.testing.assert_array_equal(back.estimator.predict(x), model.estimator.predict(x))
    # A skops file holding another estimator (here a pipeline, which skops trusts) is refused.
    pipe = Pipeline([("s", StandardScaler()), ("rf", RandomForestClassifier(3).fit(x, y))]).fit(x, y)
    sio.dump({"format": "habitatmap-model/1", "estimator": pipe, "feature_names": [], "metadata": {}},
             tmp_path / "p.skops")
    with pytest.raises(InputDataError, match="holds a Pipeline, not one of the models"):
        load_model(tmp_path / "p.skops")


def test_tiled_smoothing_keeps_the_mmu_and_matches_a_whole_map_sieve(tmp_path):
    import rasterio
    import rasterio.features
    from affine import Affine
    from scipy.ndimage import zoom

    from habitatmap.classify import _smooth_tile
    from habitatmap.grid import Grid

    rng = np.random.default_rng(1)
    coarse = rng.integers(1, 5, (30, 30)).astype(np.uint8)
    labels = zoom(coarse, 10, order=0)
    speckle = rng.random(labels.shape) < 0.03
    labels[speckle] = rng.integers(1, 5, speckle.sum())
    labels[:5, :] = 0  # a nodata band
    grid = Grid("EPSG:32652", Affine(30, 0, 0, 0, -30, 0), 300, 300)
    path = tmp_path / "raw.tif"
    with rasterio.open(path, "w", driver="GTiff", width=300, height=300, count=1, dtype="uint8",
                       crs=grid.crs, transform=grid.transform, nodata=0) as ds:
        ds.write(labels, 1)
    tiled = np.zeros_like(labels)
    with rasterio.open(path) as raw:
        for win in grid.blocks(64):
            before, after = _smooth_tile(raw, win, grid, 0, 20, 0)
            assert np.array_equal(before, labels[win.row_off:win.row_off + win.height,
                                                 win.col_off:win.col_off + win.width])
            tiled[win.row_off:win.row_off + win.height, win.col_off:win.col_off + win.width] = after
    whole = rasterio.features.sieve(labels, size=20, mask=labels != 0, connectivity=4)
    whole[labels == 0] = 0
    assert (tiled == whole).mean() > 0.995
    assert np.array_equal(tiled == 0, labels == 0)
    for geom, value in rasterio.features.shapes(tiled, mask=tiled != 0, connectivity=4):
        from shapely.geometry import shape

        assert shape(geom).area >= 20, f"a patch of class {value} below the MMU survived"


def test_feature_stack_samples_exact_pixels_across_tiles(tmp_path):
    import rasterio
    from affine import Affine

    from habitatmap.features import FeatureStack

    h, w = 600, 700
    rr, cc = np.mgrid[0:h, 0:w]
    data = np.stack([rr * 1000.0 + cc, -(rr * 1000.0 + cc)]).astype(np.float32)
    data[:, 300, 300] = np.nan
    path = tmp_path / "c.tif"
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=2, dtype="float32",
                       crs="EPSG:32652", transform=Affine(30, 0, 0, 0, -30, 0), nodata=float("nan"),
                       tiled=True, blockxsize=256, blockysize=256) as ds:
        ds.write(data)
        ds.set_band_description(1, "a")
        ds.set_band_description(2, "b")
    stack = FeatureStack.open([path])
    assert stack.names == ("1:a", "1:b") and stack.months == ("all",)
    rng = np.random.default_rng(0)
    rows = np.concatenate([rng.integers(0, h, 300), [0, h - 1, 255, 256, 300]])
    cols = np.concatenate([rng.integers(0, w, 300), [0, w - 1, 255, 256, 300]])
    got = stack.sample(rows, cols)
    np.testing.assert_array_equal(got[:-1], data[:, rows[:-1], cols[:-1]].T)
    assert np.isnan(got[-1]).all()
