"""The multifrontal factorisation against scipy's sparse solver, on stencil patterns with identity rows."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

from habitatmap.corridors.omniscape.frontal import (
    FrontalPattern,
    backward_in_place,
    factorize,
    frontal_pattern,
    solve_in_place,
)


def _grid_pattern(h: int, w: int, diagonal: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0:h, 0:w]
    idx = np.arange(h * w).reshape(h, w)
    pairs = [(idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])]
    if diagonal:
        pairs += [(idx[:-1, :-1], idx[1:, 1:]), (idx[:-1, 1:], idx[1:, :-1])]
    i = np.concatenate([a.ravel() for a, _ in pairs])
    j = np.concatenate([b.ravel() for _, b in pairs])
    return rows.ravel(), cols.ravel(), i, j


def _solve(pattern: FrontalPattern, vals: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve twice: factor then solve, and factor with the forward pass fused then backward."""
    fac, stack, work = pattern.buffers()
    assert factorize(vals, *pattern.arrays, fac, stack, work, np.zeros(0)) == 0
    x = b.copy()
    a = pattern.arrays
    solve_in_place(fac, x, a[0], a[1], a[2], a[3], a[13])
    fused = b.copy()
    assert factorize(vals, *pattern.arrays, fac, stack, work, fused) == 0
    backward_in_place(fac, fused, a[0], a[1], a[2], a[3], a[13])
    np.testing.assert_allclose(fused, x, rtol=1e-12, atol=1e-14)
    return x


@settings(max_examples=25, deadline=None)
@given(h=st.integers(2, 14), w=st.integers(1, 14), diagonal=st.booleans(), leaf=st.integers(1, 40),
       seed=st.integers(0, 10_000), holes=st.floats(0.0, 0.6))
def test_solves_grounded_laplacians_as_scipy_does(h, w, diagonal, leaf, seed, holes):
    rng = np.random.default_rng(seed)
    rows, cols, i, j = _grid_pattern(h, w, diagonal)
    n = h * w
    pattern = frontal_pattern(rows, cols, (i, j), leaf=leaf)
    assert pattern.n == n
    # Some nodes are identity rows (no links), the rest a Laplacian with a leak to ground.
    off = rng.random(n) < holes
    wgt = rng.uniform(0.01, 10.0, len(i)) * ~(off[i] | off[j])
    diag = np.bincount(i, wgt, n) + np.bincount(j, wgt, n) + rng.uniform(0.01, 1.0, n)
    diag[off] = 1.0
    vals = np.concatenate([diag, -wgt])
    a = sp.coo_matrix((np.concatenate([diag, -wgt, -wgt]),
                       (np.concatenate([np.arange(n), i, j]), np.concatenate([np.arange(n), j, i]))),
                      shape=(n, n)).tocsc()
    b = rng.normal(size=n)
    expected = sla.spsolve(a, b) if n > 1 else b / diag
    np.testing.assert_allclose(_solve(pattern, vals, b), expected, rtol=1e-9, atol=1e-12)


def test_every_node_is_a_pivot_once_and_buffers_fit():
    rows, cols, i, j = _grid_pattern(20, 17, True)
    pattern = frontal_pattern(rows, cols, (i, j), leaf=8)
    piv = pattern.arrays[1]
    assert sorted(piv.tolist()) == list(range(20 * 17))
    factor, stack, work = pattern.sizes
    assert factor > 20 * 17 and stack > 0 and work > 0
    assert pattern.n_fronts > 10


def test_a_matrix_that_is_not_positive_definite_names_its_front():
    rows, cols, i, j = _grid_pattern(4, 4, False)
    pattern = frontal_pattern(rows, cols, (i, j), leaf=4)
    vals = np.concatenate([np.full(16, -1.0), np.zeros(len(i))])
    fac, stack, work = pattern.buffers()
    assert factorize(vals, *pattern.arrays, fac, stack, work, np.zeros(0)) >= 1
