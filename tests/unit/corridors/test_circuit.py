"""The circuit solver against hand-worked networks, and its modes against each other."""

from __future__ import annotations

import math

import numpy as np
import pytest

from habitatmap.corridors.circuit import (
    DIRECT_MAX_NODES,
    CircuitGraph,
    ComponentSolver,
    GroundedComponent,
    build_graph,
    node_currents,
)
from habitatmap.corridors.modes import CircuitOptions, FocalPoints, pairwise


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


def test_members_of_many_islands():
    g = np.zeros((30, 30))
    g[::2, ::2] = 1.0  # 225 single-cell islands
    graph = build_graph(g, four_neighbors=True)
    assert graph.n_components == 225
    everyone = np.concatenate([graph.members(c) for c in range(graph.n_components)])
    np.testing.assert_array_equal(np.sort(everyone), np.arange(graph.n_nodes))
    assert all((graph.component[graph.members(c)] == c).all() for c in range(graph.n_components))


def test_component_solvers_direct_and_grounded():
    g = np.ones((4, 6))
    graph = build_graph(g, four_neighbors=True)
    assert isinstance(graph, CircuitGraph) and graph.n_nodes == 24 and DIRECT_MAX_NODES > 24
    comp = GroundedComponent(graph, 0)
    x = comp.unit_solutions([graph.node_at(0, 0), graph.node_at(3, 5)])
    v = x[graph.node_at(3, 5)] - x[graph.node_at(0, 0)]
    lap = graph.laplacian[1:, 1:].tocsr()
    direct = ComponentSolver(lap, direct=True)
    iterative = ComponentSolver(lap, direct=False)
    rhs = np.zeros(23)
    rhs[-1] = 1.0
    np.testing.assert_allclose(direct.solve(rhs), iterative.solve(rhs), rtol=1e-7, atol=1e-9)
    assert v[comp.local(graph.node_at(3, 5))] == pytest.approx(direct.solve(rhs)[-1])


def test_node_currents_by_hand():
    # Three unit resistors in a row, 1 V across: 1/3 A through every node.
    graph = build_graph(np.ones((1, 4)), four_neighbors=True)
    v = np.array([1.0, 2 / 3, 1 / 3, 0.0])
    np.testing.assert_allclose(node_currents(graph, v), [1 / 3] * 4)
    np.testing.assert_allclose(node_currents(graph, v, np.array([0, 0, 0, 1.0]))[-1], 1 / 3)
