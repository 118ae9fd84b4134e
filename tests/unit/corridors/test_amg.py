"""The two-level preconditioner for very large raster Laplacians."""

from __future__ import annotations

import numpy as np

from habitatmap.corridors.amg import TwoLevelPreconditioner, block_aggregates, coarse_matrix
from habitatmap.corridors.circuit import build_graph
from habitatmap.corridors.modes import CircuitOptions, FocalPoints, pairwise


def _points(cells: list[tuple[int, int, int]]) -> FocalPoints:
    r, c, i = zip(*cells, strict=True)
    return FocalPoints(np.array(r), np.array(c), np.array(i))


def test_block_coarse_matrix_equals_the_galerkin_product():
    import scipy.sparse as sp

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




def test_preconditioner_reduces_the_residual():
    rng = np.random.default_rng(2)
    graph = build_graph(rng.uniform(0.5, 2, (40, 40)))
    lap = graph.laplacian.tocsr()
    pre = TwoLevelPreconditioner(lap, block_aggregates(graph.nodemap))
    r = rng.normal(size=lap.shape[0])
    r -= r.mean()  # the singular Laplacian is solved for right-hand sides summing to zero
    x = pre.linear_operator() @ r
    assert np.linalg.norm(r - lap @ x) < np.linalg.norm(r)
