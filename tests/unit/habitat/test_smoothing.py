"""Majority filter and minimum mapping unit, tile by tile."""

from __future__ import annotations

import numpy as np
import rasterio
import rasterio.features
from affine import Affine
from scipy.ndimage import zoom
from shapely.geometry import shape

from habitatmap.grid import Grid
from habitatmap.habitat.smoothing import SMOOTH_TILE, majority_filter, mmu_pixels, smooth_window


def test_mmu_pixels():
    assert mmu_pixels(4.0, 900.0) == 45  # 40000 m2 / 900 m2 = 44.4 -> patches under 45 px go
    assert mmu_pixels(0.09, 900.0) == 1 and mmu_pixels(0, 900.0) == 0
    assert mmu_pixels(25.0, 100.0) == 2500
    assert SMOOTH_TILE >= 1024


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
    assert (majority_filter(np.zeros((3, 3), np.uint8), 3, 0) == 0).all()


def test_tiled_smoothing_keeps_the_mmu_and_matches_a_whole_map_sieve(tmp_path):
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
            before, after = smooth_window(raw, win, grid, 0, 20, 0)
            assert np.array_equal(before, labels[win.row_off:win.row_off + win.height,
                                                 win.col_off:win.col_off + win.width])
            tiled[win.row_off:win.row_off + win.height, win.col_off:win.col_off + win.width] = after
    whole = rasterio.features.sieve(labels, size=20, mask=labels != 0, connectivity=4)
    whole[labels == 0] = 0
    assert (tiled == whole).mean() > 0.995
    assert np.array_equal(tiled == 0, labels == 0)
    for geom, value in rasterio.features.shapes(tiled, mask=tiled != 0, connectivity=4):
        assert shape(geom).area >= 20, f"a patch of class {value} below the MMU survived"
