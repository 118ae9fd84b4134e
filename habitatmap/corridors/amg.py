"""A memory-lean preconditioner for very large raster Laplacians.

Classical AMG (pyamg's Ruge-Stueben) set up on a 9 M cell, 8-neighbour raster peaks at about three
times the Laplacian's own size, mostly in the Galerkin product of its first level. Here the first
coarsening is done by hand instead: cells are grouped into 2 x 2 blocks (unsmoothed aggregation),
the coarse Laplacian is summed straight from the fine one (a two-pass sparse assembly, no matrix
products), and pyamg's hierarchy is built on that quarter-size matrix. One application is a
symmetric two-grid cycle: a forward Gauss-Seidel sweep, the coarse correction (one V-cycle of the
coarse hierarchy), a backward sweep, so conjugate gradient can use it.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

__all__ = ["TwoLevelPreconditioner", "block_aggregates", "coarse_matrix"]


def block_aggregates(nodemap: np.ndarray, nodes: np.ndarray | None = None, block: int = 2) -> np.ndarray:
    """Aggregate number (0-based, consecutive) of each node: the ``block x block`` cell square it lies in.

    Parameters
    ----------
    nodemap
        Node number (1-based) of each cell, 0 off the network.
    nodes
        0-based nodes to number (default: all); aggregates follow their order.
    block
        Side of the squares.
    """
    rows, cols = np.nonzero(nodemap)
    node = nodemap[rows, cols] - 1
    nbw = -(-nodemap.shape[1] // block)
    blk = np.zeros(int(nodemap.max()), dtype=np.int64)
    blk[node] = (rows // block) * nbw + cols // block
    del rows, cols, node
    if nodes is not None:
        blk = blk[nodes]
    present = np.zeros(int(blk.max()) + 1, dtype=bool)
    present[blk] = True
    new_id = np.cumsum(present) - 1
    return new_id[blk].astype(np.int32)


@numba.njit(cache=True)
def _coarse_pattern(indptr, indices, data, agg, members_ptr, members, n1, count_only, out_ptr,
                    out_idx, out_val):  # pragma: no cover
    marker = np.full(n1, -1, dtype=np.int64)
    for big_i in range(n1):
        start = 0 if count_only else out_ptr[big_i]
        k = 0
        for m in range(members_ptr[big_i], members_ptr[big_i + 1]):
            i = members[m]
            for p in range(indptr[i], indptr[i + 1]):
                big_j = agg[indices[p]]
                slot = marker[big_j]
                if slot < start or slot >= start + k:  # not seen in this row yet
                    marker[big_j] = start + k
                    if not count_only:
                        out_idx[start + k] = big_j
                        out_val[start + k] = data[p]
                    k += 1
                elif not count_only:
                    out_val[slot] += data[p]
        if count_only:
            out_ptr[big_i + 1] = k
            # Counting, every row's slots start at 0, so the row clears the markers it set. (Filling,
            # slots are absolute and grow row by row: older markers fall below the row's start.)
            for m in range(members_ptr[big_i], members_ptr[big_i + 1]):
                i = members[m]
                for p in range(indptr[i], indptr[i + 1]):
                    marker[agg[indices[p]]] = -1


def coarse_matrix(a: sp.csr_matrix, agg: np.ndarray) -> sp.csr_matrix:
    """``P^T A P`` for the piecewise-constant prolongation of ``agg``, assembled without products."""
    n1 = int(agg.max()) + 1
    order = np.argsort(agg, kind="stable").astype(np.int64)
    members_ptr = np.zeros(n1 + 1, dtype=np.int64)
    np.cumsum(np.bincount(agg, minlength=n1), out=members_ptr[1:])
    counts = np.zeros(n1 + 1, dtype=np.int64)
    empty_i, empty_v = np.zeros(0, dtype=np.int32), np.zeros(0)
    _coarse_pattern(a.indptr, a.indices, a.data, agg, members_ptr, order, n1, True, counts, empty_i, empty_v)
    out_ptr = np.cumsum(counts)
    out_idx = np.empty(int(out_ptr[-1]), dtype=np.int32)
    out_val = np.zeros(int(out_ptr[-1]))
    _coarse_pattern(a.indptr, a.indices, a.data, agg, members_ptr, order, n1, False, out_ptr, out_idx,
                    out_val)
    coarse = sp.csr_matrix((out_val, out_idx, out_ptr), shape=(n1, n1))
    coarse.sort_indices()
    coarse.eliminate_zeros()
    return coarse


class TwoLevelPreconditioner:
    """Symmetric two-grid cycle: Gauss-Seidel, 2 x 2 block coarse correction by AMG, Gauss-Seidel."""

    def __init__(self, a: sp.csr_matrix, agg: np.ndarray) -> None:
        import pyamg
        from pyamg.relaxation.relaxation import gauss_seidel

        self._gauss_seidel = gauss_seidel
        self.a = a
        self.agg = agg
        self.n1 = int(agg.max()) + 1
        coarse = coarse_matrix(a, agg)
        self.ml = pyamg.ruge_stuben_solver(coarse, max_coarse=500)
        self._coarse = self.ml.aspreconditioner(cycle="V")

    def __call__(self, r: np.ndarray) -> np.ndarray:
        """Apply the preconditioner to a residual."""
        x = np.zeros_like(r)
        self._gauss_seidel(self.a, x, r, iterations=1, sweep="forward")
        res = r - self.a @ x
        e1 = self._coarse @ np.bincount(self.agg, res, self.n1)
        x += e1[self.agg]
        self._gauss_seidel(self.a, x, r, iterations=1, sweep="backward")
        return x

    def linear_operator(self):  # scipy LinearOperator
        """The preconditioner as a scipy ``LinearOperator``."""
        from scipy.sparse.linalg import LinearOperator

        return LinearOperator(self.a.shape, matvec=self, dtype=np.float64)
