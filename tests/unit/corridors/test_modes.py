"""Circuitscape's four modes on arrays, against hand-worked networks and each other."""

from __future__ import annotations

import numpy as np

from habitatmap.corridors.circuit import node_currents
from habitatmap.corridors.modes import (
    Accumulator,
    CircuitOptions,
    FocalPoints,
    SolveMaps,
    advanced,
    all_to_one,
    one_to_all,
    pairwise,
)


def _points(cells: list[tuple[int, int, int]]) -> FocalPoints:
    r, c, i = zip(*cells, strict=True)
    return FocalPoints(np.array(r), np.array(c), np.array(i))


def test_amg_path_equals_direct_path():
    rng = np.random.default_rng(0)
    g = rng.uniform(0.1, 10, (60, 70))
    g[rng.random(g.shape) < 0.1] = 0
    pts = _points([(5, 5, 1), (50, 60, 2), (30, 10, 3), (10, 65, 4)])
    quiet = {"voltage_maps": False, "current_maps": False}
    _, direct, _ = pairwise(g, pts, options=CircuitOptions(direct=True, **quiet))
    _, amg, _ = pairwise(g, pts, options=CircuitOptions(direct=False, **quiet))
    np.testing.assert_allclose(amg, direct, rtol=1e-7)


def test_disconnected_points_get_minus_one_and_nodata_points_too():
    g = np.ones((3, 7))
    g[:, 3] = np.nan  # a wall of nodata
    pts = _points([(1, 0, 1), (1, 6, 2), (1, 1, 3), (1, 3, 4)])
    ids, res, _ = pairwise(g, pts)
    assert list(ids) == [1, 2, 3, 4]
    assert res[0, 1] == -1 and res[1, 2] == -1 and (res[3, :3] == -1).all()
    assert res[0, 2] > 0


def test_one_to_all_with_two_points_equals_pairwise():
    rng = np.random.default_rng(2)
    g = rng.uniform(0.5, 2, (15, 18))
    pts = _points([(1, 1, 1), (13, 16, 2)])
    _, pair, pacc = pairwise(g, pts)
    _ids, r, oacc = one_to_all(g, pts)
    np.testing.assert_allclose(r, [pair[0, 1], pair[0, 1]], rtol=1e-9)
    # Two solves with opposite directions give the pairwise current map twice.
    np.testing.assert_allclose(oacc.cumulative, 2 * pacc.cumulative, atol=1e-9)
    _ids2, zeros, aacc = all_to_one(g, pts)
    np.testing.assert_allclose(aacc.cumulative, oacc.cumulative, atol=1e-9)
    assert list(zeros) == [0.0, 0.0]


def test_advanced_finite_ground_and_source():
    # Source 2 A at one end, a 1-ohm ground at the other, 4 unit resistors between: V = 2 * (4 + 1).
    g = np.ones((1, 5))
    src = np.zeros((1, 5))
    gnd = np.zeros((1, 5))
    src[0, 0], gnd[0, 4] = 2.0, 1.0
    volt, cur, graph, solved = advanced(g, src, gnd, options=CircuitOptions(four_neighbors=True))
    assert solved
    np.testing.assert_allclose(volt[0], [10, 8, 6, 4, 2])
    np.testing.assert_allclose(cur[0], [2, 2, 2, 2, 2])
    np.testing.assert_allclose(node_currents(graph, volt[0], np.array([0, 0, 0, 0, 1.0])), 2)




def test_maps_reach_the_callback_and_the_accumulator():
    g = np.ones((3, 5))
    seen: list[SolveMaps] = []
    _, _res, acc = pairwise(g, _points([(1, 0, 1), (1, 4, 2), (0, 2, 3)]), on_solve=seen.append)
    assert isinstance(acc, Accumulator) and acc.count == 3 == len(seen)
    assert {m.label for m in seen} == {(1, 2), (1, 3), (2, 3)}
    assert np.allclose(acc.cumulative, sum(m.current for m in seen))
    _, vals, acc2 = all_to_one(g, _points([(1, 0, 1), (1, 4, 2)]))
    assert list(vals) == [0.0, 0.0] and acc2.count == 2
    pts = _points([(1, 0, 7), (1, 0, 7), (1, 4, 8)])
    assert pts.has_regions and list(pts.unique_ids) == [7, 8] and pts.grid((3, 5))[1, 4] == 8


def test_all_to_one_injects_once_per_focal_node_however_many_cells_it_has():
    """Circuitscape's all-to-one: each other focal node is one 1 A source, a focal region of several
    cells included (allToOneVerify3: two cells of point 1 carry 1 A, not 2 A)."""
    g = np.ones((1, 6))
    pts = _points([(0, 0, 1), (0, 1, 1), (0, 5, 2)])
    captured = []
    all_to_one(g, pts, on_solve=captured.append)
    cur = {m.label[0]: m.current for m in captured}
    # Ground at node 2: 1 A from the two-cell region of node 1 flows along the row to it.
    np.testing.assert_allclose(cur[2][0, 2:5], 1.0, rtol=1e-6)
