"""Cost-weighted distance, least-cost paths and the normalised corridor, against scikit-image's
MCP_Geometric and hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from skimage.graph import MCP_Geometric

from habitatmap.corridors.costdist import corridor, cost_distance, least_cost_path


def test_cost_distance_equals_mcp_geometric():
    rng = np.random.default_rng(5)
    res = rng.uniform(1, 80, (120, 150))
    res[20:100, 70] = np.nan
    src = np.zeros(res.shape, bool)
    src[5, 5] = src[110, 140] = True
    ours = cost_distance(res, src, cellsize=30.0)
    mcp = MCP_Geometric(np.where(np.isnan(res), np.inf, res), sampling=(30.0, 30.0))
    theirs, _ = mcp.find_costs([(5, 5), (110, 140)])
    ok = ~np.isnan(res)
    np.testing.assert_allclose(ours[ok], theirs[ok], rtol=1e-12)
    assert np.isnan(ours[~ok]).all()


def test_uniform_resistance_gives_the_octile_distance():
    res = np.full((61, 61), 2.0)
    src = np.zeros(res.shape, bool)
    src[30, 30] = True
    d = cost_distance(res, src, cellsize=10.0)
    rr, cc = np.mgrid[0:61, 0:61]
    dy, dx = np.abs(rr - 30), np.abs(cc - 30)
    octile = (np.maximum(dx, dy) - np.minimum(dx, dy) + math.sqrt(2) * np.minimum(dx, dy)) * 10.0 * 2.0
    np.testing.assert_allclose(d, octile, rtol=1e-12)


def test_max_distance_stops_the_search():
    res = np.ones((50, 50))
    src = np.zeros(res.shape, bool)
    src[0, 0] = True
    d = cost_distance(res, src, max_distance=10.0)
    assert np.isinf(d[40, 40]) and d[0, 9] == pytest.approx(9.0)


def test_path_follows_the_cheap_valley():
    res = np.full((30, 30), 100.0)
    res[:, 15] = 1.0  # a cheap column
    src = np.zeros(res.shape, bool)
    src[0, 15] = True
    d = cost_distance(res, src)
    path = least_cost_path(d, res, (29, 15))
    assert (path[:, 1] == 15).all() and len(path) == 30


def test_a_path_longer_than_the_first_buffer_is_traced_whole():
    res = np.ones((3000, 3))
    src = np.zeros(res.shape, bool)
    src[0, 1] = True
    path = least_cost_path(cost_distance(res, src), res, (2999, 1))
    assert len(path) == 3000 and tuple(path[-1]) == (0, 1) and (np.diff(path[:, 0]) == -1).all()



def test_corridor_is_zero_along_the_path():
    res = np.ones((5, 9))
    a, b = np.zeros(res.shape, bool), np.zeros(res.shape, bool)
    a[2, 0], b[2, 8] = True, True
    da, db = cost_distance(res, a), cost_distance(res, b)
    lcd = float(da[2, 8])
    nlcc = corridor(da, db, lcd)
    assert np.allclose(nlcc[2, :], 0.0) and (nlcc >= -1e-9).all() and nlcc[0, 4] > 0
