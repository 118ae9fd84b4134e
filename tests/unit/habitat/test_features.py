"""The classifier's features: composites' bands by name, read by window and sampled by tile."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

from habitatmap.errors import InputDataError
from habitatmap.habitat.features import EXCLUDED_BANDS, SAMPLE_TILE, FeatureStack


def _composite(path, data, names, transform=Affine(30, 0, 0, 0, -30, 0)):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1],
                       count=data.shape[0], dtype="float32", crs="EPSG:32652", transform=transform,
                       nodata=float("nan"), tiled=True, blockxsize=256, blockysize=256) as ds:
        ds.write(data)
        for i, n in enumerate(names, start=1):
            if n:
                ds.set_band_description(i, n)
    return path


def test_feature_stack_samples_exact_pixels_across_tiles(tmp_path):
    h, w = 600, 700
    rr, cc = np.mgrid[0:h, 0:w]
    data = np.stack([rr * 1000.0 + cc, -(rr * 1000.0 + cc)]).astype(np.float32)
    data[:, 300, 300] = np.nan
    stack = FeatureStack.open([_composite(tmp_path / "c.tif", data, ["a", "b"])])
    assert stack.names == ("1:a", "1:b") and stack.months == ("all",) and SAMPLE_TILE == 256
    rng = np.random.default_rng(0)
    rows = np.concatenate([rng.integers(0, h, 300), [0, h - 1, 255, 256, 300]])
    cols = np.concatenate([rng.integers(0, w, 300), [0, w - 1, 255, 256, 300]])
    got = stack.sample(rows, cols)
    np.testing.assert_array_equal(got[:-1], data[:, rows[:-1], cols[:-1]].T)
    assert np.isnan(got[-1]).all()
    from rasterio.windows import Window

    np.testing.assert_array_equal(stack.read(Window(0, 0, 4, 3)), data[:, :3, :4])


def test_select_grid_and_names(tmp_path):
    d = np.ones((3, 10, 10), np.float32)
    a = _composite(tmp_path / "a.tif", d, ["red", "nir08", EXCLUDED_BANDS[0]])
    b = _composite(tmp_path / "b.tif", d[:2], ["red", "nir08"])
    stack = FeatureStack.open([a, b])
    assert stack.names == ("1:red", "1:nir08", "2:red", "2:nir08")  # clear_count is no feature
    assert stack.select(["2:nir08", "1:red"]).bands == ((1, 2), (0, 1))
    with pytest.raises(InputDataError, match="has no band 'ndvi', which the model needs"):
        stack.select(["1:ndvi"])
    off = _composite(tmp_path / "off.tif", d[:2], ["red", "nir08"], Affine(30, 0, 15, 0, -30, 0))
    with pytest.raises(InputDataError, match="not on the grid of"):
        FeatureStack.open([a, off])
    unnamed = _composite(tmp_path / "u.tif", d[:1], [""])
    with pytest.raises(InputDataError, match="band 1 has no name"):
        FeatureStack.open([unnamed])
    with pytest.raises(InputDataError, match="no composite given"):
        FeatureStack.open([])
