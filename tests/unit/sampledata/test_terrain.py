"""The sample's synthetic terrain."""

from __future__ import annotations

import numpy as np

from habitatmap.sampledata.terrain import Terrain, fractal_noise, line_mask, make_terrain, meander


def test_terrain_parts_are_deterministic_and_shaped():
    a = fractal_noise(np.random.default_rng(1), (32, 40), 3.0)
    b = fractal_noise(np.random.default_rng(1), (32, 40), 3.0)
    assert a.shape == (32, 40) and np.array_equal(a, b) and abs(a.mean()) < 0.1 and 0.5 < a.std() < 2
    cols = meander(np.random.default_rng(2), 50, 20.0, 5.0, 2.0)
    assert cols.shape == (50,) and abs(cols.mean() - 20) < 6
    mask = line_mask(np.full(10, 3.0), (10, 8))
    assert mask[:, 3].all() and mask.sum() >= 10
    t = make_terrain(np.random.default_rng(3), (64, 64))
    assert isinstance(t, Terrain) and t.dem.shape == (64, 64) and t.border_col.shape == (64,)
