"""The circuit solver against hand-worked networks, and its modes against each other."""

from __future__ import annotations

import math

import numpy as np
import pytest

from habitatmap.corridors.circuit import build_graph, node_currents
from habitatmap.corridors.modes import CircuitOptions, FocalPoints, advanced, all_to_one, one_to_all, pairwise


def _points(cells: list[tuple[int, int, int]]) -> FocalPoints:
    r, c, i = zip(*cells, strict=True)
    return FocalPoints(np.array(r), np.array(c), np.array(i))


def test_strip_of_unit_resistors_adds_up():
    g = np.ones((1, 11))
    _ids, res, _ = pairwise(g, _points([(0, 0, 1), (0, 10, 2), (0, 4, 3)]),
                           options=CircuitOptions(four_neighbors=True))
    np.testing.assert_allclose(res, [[0, 10, 4], [10, 0, 6], [4, 6, 0]], atol=1e-12)


def test_two_parallel_rows_halve_the_resistance_and_diagonals_are_weighted():
    g = np.ones((2, 5))
    pts = _points([(0, 0, 1), (0, 4, 2)])
    # Short-circuit each end column: two parallel strips of 4 unit resistors = 2 ohm.
    regions = np.zeros((2, 5), dtype=int)
    regions[:, 0], regions[:, 4] = 1, 2
    _, res, _ = pairwise(g, pts, regions=regions, options=CircuitOptions(four_neighbors=True))
    assert res[0, 1] == pytest.approx(2.0)
    # With diagonals each column step adds two links of conductance 1/sqrt(2).
    _, res8, _ = pairwise(g, pts, regions=regions, options=CircuitOptions(four_neighbors=False))
    assert res8[0, 1] == pytest.approx(4 / (2 + 2 / math.sqrt(2)))


def test_average_conductance_links():
    g = np.array([[1.0, 3.0]])
    _, r_res, _ = pairwise(g, _points([(0, 0, 1), (0, 1, 2)]), options=CircuitOptions(avg_resistance=True))
    _, r_cond, _ = pairwise(g, _points([(0, 0, 1), (0, 1, 2)]), options=CircuitOptions(avg_resistance=False))
    assert r_res[0, 1] == pytest.approx((1 / 1 + 1 / 3) / 2)  # mean of the two resistances
    assert r_cond[0, 1] == pytest.approx(1 / 2.0)  # 1 / mean conductance


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


def test_current_is_conserved_and_one_amp_leaves_the_source():
    rng = np.random.default_rng(1)
    g = rng.uniform(0.5, 2, (20, 20))
    maps = []
    pairwise(g, _points([(2, 3, 1), (17, 15, 2)]), on_solve=maps.append)
    (m,) = maps
    assert m.label == (1, 2)
    assert m.current[2, 3] == pytest.approx(1.0)
    assert m.current[17, 15] == pytest.approx(1.0)
    assert m.voltage[2, 3] == pytest.approx(0.0, abs=1e-12)  # the first point is the reference
    assert (m.current <= 1.0 + 1e-9).all()


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


def test_a_region_takes_its_nodata_cells_as_circuitscape_does():
    g = np.array([[1.0, np.nan, 1.0]])
    regions = np.array([[0, 5, 5]])
    # The nodata cell joins the region's node; its link to the first cell has conductance 0 when
    # resistances are averaged (1/0 is infinite) and 1/2 when conductances are.
    by_res = build_graph(g, regions=regions, four_neighbors=True, avg_resistance=True)
    assert by_res.n_nodes == 2 and by_res.n_components == 2
    by_cond = build_graph(g, regions=regions, four_neighbors=True, avg_resistance=False)
    assert by_cond.n_components == 1
    assert by_cond.laplacian[0, 1] == pytest.approx(-0.5)


def test_block_coarse_matrix_equals_the_galerkin_product():
    import scipy.sparse as sp

    from habitatmap.corridors.amg import block_aggregates, coarse_matrix

    rng = np.random.default_rng(4)
    g = rng.uniform(0.1, 5, (23, 31))
    g[rng.random(g.shape) < 0.1] = np.nan
    graph = build_graph(g)
    agg = block_aggregates(graph.nodemap)
    p = sp.csr_matrix((np.ones(graph.n_nodes), (np.arange(graph.n_nodes), agg)))
    expected = (p.T @ graph.laplacian @ p).toarray()
    np.testing.assert_allclose(coarse_matrix(graph.laplacian, agg).toarray(), expected, atol=1e-12)


def test_two_level_solver_equals_direct(monkeypatch):
    from habitatmap.corridors import amg, circuit

    monkeypatch.setattr(circuit, "TWO_LEVEL_MIN_NODES", 100)
    built = []
    original = amg.TwoLevelPreconditioner.__init__

    def spy(self, *args, **kwargs):
        built.append(args[0].shape)
        original(self, *args, **kwargs)

    monkeypatch.setattr(amg.TwoLevelPreconditioner, "__init__", spy)
    rng = np.random.default_rng(9)
    g = rng.uniform(0.1, 10, (70, 80))
    pts = _points([(3, 3, 1), (66, 77, 2), (35, 40, 3)])
    quiet = {"voltage_maps": False, "current_maps": False}
    _, direct, _ = pairwise(g, pts, options=CircuitOptions(direct=True, **quiet))
    _, two, _ = pairwise(g, pts, options=CircuitOptions(direct=False, **quiet))
    assert built == [(70 * 80, 70 * 80)]  # the two-level path was the one taken
    np.testing.assert_allclose(two, direct, rtol=1e-8)


def test_members_of_many_islands():
    g = np.zeros((30, 30))
    g[::2, ::2] = 1.0  # 225 single-cell islands
    graph = build_graph(g, four_neighbors=True)
    assert graph.n_components == 225
    everyone = np.concatenate([graph.members(c) for c in range(graph.n_components)])
    np.testing.assert_array_equal(np.sort(everyone), np.arange(graph.n_nodes))
    assert all((graph.component[graph.members(c)] == c).all() for c in range(graph.n_components))
