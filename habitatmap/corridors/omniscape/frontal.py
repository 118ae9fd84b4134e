"""Multifrontal Cholesky for many matrices that share one sparsity pattern.

Every Omniscape window is the same stencil graph (a disc or a square of cells around the target),
whatever its conductances: cells that are nodata, outside the raster or cut off from the target
stay in the pattern as identity rows. So one nested-dissection ordering and one symbolic analysis
serve every window, and each window's numeric factorisation is a sequence of dense LAPACK/BLAS
calls on its fronts (``dpotrf``, ``dtrsm``, ``dsyrk``) compiled by numba, with no per-window
ordering, symbolic work or Python overhead.

The ordering is geometric nested dissection: cells are split by a line of cells across the longer
side of their bounding box (a one-cell line separates both the four- and the eight-neighbour
stencil), recursively, until a part has at most ``leaf`` cells.

Fronts are stored row-major with only their lower triangle meaningful; LAPACK, which is
column-major, sees the transpose, so it is called for the upper triangle.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numba
import numpy as np
from numba.extending import get_cython_function_address

__all__ = ["FrontalPattern", "backward_in_place", "factorize", "frontal_pattern", "solve_in_place"]

_vp = ctypes.c_void_p
_dpotrf = ctypes.CFUNCTYPE(None, _vp, _vp, _vp, _vp, _vp)(
    get_cython_function_address("scipy.linalg.cython_lapack", "dpotrf"))
_dtrsm = ctypes.CFUNCTYPE(None, _vp, _vp, _vp, _vp, _vp, _vp, _vp, _vp, _vp, _vp, _vp)(
    get_cython_function_address("scipy.linalg.cython_blas", "dtrsm"))
_dsyrk = ctypes.CFUNCTYPE(None, _vp, _vp, _vp, _vp, _vp, _vp, _vp, _vp, _vp, _vp)(
    get_cython_function_address("scipy.linalg.cython_blas", "dsyrk"))


@dataclass
class FrontalPattern:
    """A symbolic analysis, as flat arrays (what the numba kernels take).

    Attributes
    ----------
    n
        Number of nodes (rows of each matrix).
    arrays
        ``(piv_ptr, piv, bnd_ptr, bnd, ent_ptr, ent_r, ent_c, ent_s, child_ptr, child, uoff,
        foff)``: per front its pivots and boundary (global node numbers), the original entries it
        assembles (local row >= local column, index into the value vector), its children, the
        offset of its update matrix on the stack and of its factor in the factor buffer.
    sizes
        ``(factor, stack, work)``: lengths of the buffers one factorisation needs.
    """

    n: int
    arrays: tuple[np.ndarray, ...]
    sizes: tuple[int, int, int]

    @property
    def n_fronts(self) -> int:
        """Number of fronts."""
        return len(self.arrays[0]) - 1

    def buffers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fresh ``(factor, stack, work)`` buffers for :func:`factorize`."""
        f, s, w = self.sizes
        return np.empty(f), np.empty(max(s, 1)), np.empty(w)


def _dissect(idx: np.ndarray, rows: np.ndarray, cols: np.ndarray, leaf: int,
             tree: list[tuple[np.ndarray, list[int]]]) -> int:
    """Append the fronts of ``idx`` to ``tree`` in postorder; returns the index of its root."""
    if len(idx) <= leaf:
        tree.append((idx, []))
        return len(tree) - 1
    r, c = rows[idx], cols[idx]
    key = r if r.max() - r.min() >= c.max() - c.min() else c
    cut = int(np.median(key))
    sep = key == cut
    children = [_dissect(idx[part], rows, cols, leaf, tree) for part in (key < cut, key > cut) if part.any()]
    tree.append((idx[sep], children))
    return len(tree) - 1


def frontal_pattern(rows: np.ndarray, cols: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], *,
                    leaf: int = 32) -> FrontalPattern:
    """Symbolic analysis of the pattern with nodes at grid ``(rows, cols)`` and edges ``pairs``.

    Parameters
    ----------
    rows, cols
        Grid position of each node (the geometry the dissection cuts).
    pairs
        ``(i, j)``, ``i != j``: the off-diagonal entries of the pattern. The value vector of a
        matrix holds the ``n`` diagonal entries, then these in the same order.
    leaf
        Largest part that is not cut further.
    """
    n = len(rows)
    tree: list[tuple[np.ndarray, list[int]]] = []
    _dissect(np.arange(n), np.asarray(rows), np.asarray(cols), leaf, tree)
    order = np.concatenate([piv for piv, _ in tree])
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    owner = np.empty(n, dtype=np.int64)
    for k, (piv, _) in enumerate(tree):
        owner[piv] = k
    pi, pj = (np.asarray(a, dtype=np.int64) for a in pairs)
    adj: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(pi.tolist(), pj.tolist(), strict=True):
        adj[a].append(b)
        adj[b].append(a)
    # An entry goes to the front that eliminates its earlier end, in that front's lower triangle.
    first = np.where(pos[pi] < pos[pj], pi, pj)
    second = np.where(pos[pi] < pos[pj], pj, pi)
    entry_front = owner[first]
    by_front = np.argsort(entry_front, kind="stable")
    bounds = np.searchsorted(entry_front[by_front], np.arange(len(tree) + 1))

    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("piv", "bnd", "er", "ec", "es", "child", "cmap")}
    ptrs: dict[str, list[int]] = {k: [0] for k in ("piv", "bnd", "ent", "child", "cmap")}
    boundaries: list[np.ndarray] = []
    structs: list[set[int]] = []
    parent = np.full(len(tree), -1, dtype=np.int64)
    uoff = np.zeros(len(tree), dtype=np.int64)
    foff = np.zeros(len(tree) + 1, dtype=np.int64)
    stack: list[int] = []  # update sizes on the stack, children on top in postorder
    top = peak = work = 0
    for k, (piv, children) in enumerate(tree):
        pset = set(piv.tolist())
        struct: set[int] = set()
        for a in piv.tolist():
            struct.update(b for b in adj[a] if pos[b] > pos[a])
        for c in children:
            struct.update(structs[c])
            parent[c] = k
        struct -= pset
        structs.append(struct)
        bnd = np.array(sorted(struct, key=lambda x: pos[x]), dtype=np.int64)
        boundaries.append(bnd)
        local = {int(v): t for t, v in enumerate(np.concatenate([piv, bnd]).tolist())}
        sel = by_front[bounds[k]:bounds[k + 1]]
        lp = np.arange(len(piv), dtype=np.int64)
        later = np.array([local[int(v)] for v in second[sel]], dtype=np.int64)
        earlier = np.array([local[int(v)] for v in first[sel]], dtype=np.int64)
        parts["er"].append(np.concatenate([lp, later]))
        parts["ec"].append(np.concatenate([lp, earlier]))
        parts["es"].append(np.concatenate([piv.astype(np.int64), n + sel]))
        parts["piv"].append(piv.astype(np.int64))
        parts["bnd"].append(bnd)
        parts["child"].append(np.array(children, dtype=np.int64))
        for key, arr in (("piv", piv), ("bnd", bnd), ("child", children)):
            ptrs[key].append(ptrs[key][-1] + len(arr))
        ptrs["ent"].append(ptrs["ent"][-1] + len(lp) + len(sel))
        m = len(piv) + len(bnd)
        work = max(work, m * m)
        foff[k + 1] = foff[k] + m * len(piv)
        for _ in children:  # the children's updates are the top of the stack
            top -= stack.pop()
        uoff[k] = top
        top += len(bnd) ** 2
        stack.append(len(bnd) ** 2)
        peak = max(peak, top)
    # Where each front's update lands in its parent.
    for k in range(len(tree)):
        if parent[k] < 0:
            parts["cmap"].append(np.zeros(0, dtype=np.int64))
        else:
            pk = parent[k]
            local = {int(v): t for t, v in enumerate(np.concatenate([tree[pk][0], boundaries[pk]]).tolist())}
            parts["cmap"].append(np.array([local[int(v)] for v in boundaries[k]], dtype=np.int64))
        ptrs["cmap"].append(ptrs["cmap"][-1] + len(boundaries[k]))

    def cat(key: str) -> np.ndarray:
        return np.concatenate(parts[key]) if parts[key] else np.zeros(0, dtype=np.int64)

    arrays = (np.array(ptrs["piv"]), cat("piv"), np.array(ptrs["bnd"]), cat("bnd"), np.array(ptrs["ent"]),
              cat("er"), cat("ec"), cat("es"), np.array(ptrs["child"]), cat("child"), np.array(ptrs["cmap"]),
              cat("cmap"), uoff, foff)
    return FrontalPattern(n, arrays, (int(foff[-1]), int(peak), int(work)))


# Not cached: numba cannot cache a function holding ctypes pointers (compiling takes about 1.5 s).
@numba.njit(nogil=True)
def factorize(vals, piv_ptr, piv, bnd_ptr, bnd, ent_ptr, ent_r, ent_c, ent_s, child_ptr, child,
              cmap_ptr, cmap, uoff, foff, fac, stack, work, rhs):  # pragma: no cover - compiled
    """Factor one matrix (``vals``: diagonal then off-diagonal entries) into ``fac``.

    A non-empty ``rhs`` goes through the forward substitution on the way, while each front is
    still in cache (finish with :func:`backward_in_place`).

    Returns 0, or 1 + the front whose pivot block is not positive definite.
    """
    forward = len(rhs) > 0
    up = np.array([ord("U")], dtype=np.uint8)
    lo = np.array([ord("L")], dtype=np.uint8)
    tr = np.array([ord("T")], dtype=np.uint8)
    nn = np.array([ord("N")], dtype=np.uint8)
    ip = np.zeros(1, dtype=np.int32)
    iq = np.zeros(1, dtype=np.int32)
    im = np.zeros(1, dtype=np.int32)
    info = np.zeros(1, dtype=np.int32)
    one = np.ones(1)
    mone = -np.ones(1)
    nf = len(piv_ptr) - 1
    for k in range(nf):
        p = piv_ptr[k + 1] - piv_ptr[k]
        q = bnd_ptr[k + 1] - bnd_ptr[k]
        m = p + q
        for r in range(m):  # only the lower triangle is read
            base = r * m
            for c in range(r + 1):
                work[base + c] = 0.0
        for e in range(ent_ptr[k], ent_ptr[k + 1]):
            work[ent_r[e] * m + ent_c[e]] += vals[ent_s[e]]
        for ci in range(child_ptr[k], child_ptr[k + 1]):
            c = child[ci]
            qc = bnd_ptr[c + 1] - bnd_ptr[c]
            off = uoff[c]
            base = cmap_ptr[c]
            for a in range(qc):
                ra = cmap[base + a] * m
                for b in range(a + 1):
                    work[ra + cmap[base + b]] += stack[off + a * qc + b]
        ip[0] = p
        iq[0] = q
        im[0] = m
        _dpotrf(up.ctypes.data, ip.ctypes.data, work.ctypes.data, im.ctypes.data, info.ctypes.data)
        if info[0] != 0:
            return k + 1
        if q > 0:
            b21 = work.ctypes.data + 8 * p * m
            _dtrsm(lo.ctypes.data, up.ctypes.data, tr.ctypes.data, nn.ctypes.data, ip.ctypes.data,
                   iq.ctypes.data, one.ctypes.data, work.ctypes.data, im.ctypes.data, b21, im.ctypes.data)
            _dsyrk(up.ctypes.data, tr.ctypes.data, iq.ctypes.data, ip.ctypes.data, mone.ctypes.data, b21,
                   im.ctypes.data, one.ctypes.data, b21 + 8 * p, im.ctypes.data)
            off = uoff[k]
            for a in range(q):
                for b in range(a + 1):
                    stack[off + a * q + b] = work[(p + a) * m + p + b]
        f0 = foff[k]
        for r in range(m):
            for c in range(min(r + 1, p)):
                fac[f0 + r * p + c] = work[r * m + c]
        if forward:
            p0, b0 = piv_ptr[k], bnd_ptr[k]
            for i in range(p):
                acc = rhs[piv[p0 + i]]
                for j in range(i):
                    acc -= work[i * m + j] * rhs[piv[p0 + j]]
                rhs[piv[p0 + i]] = acc / work[i * m + i]
            for a in range(q):
                acc = 0.0
                row = (p + a) * m
                for j in range(p):
                    acc += work[row + j] * rhs[piv[p0 + j]]
                rhs[bnd[b0 + a]] -= acc
    return 0


@numba.njit(nogil=True, cache=True)
def solve_in_place(fac, b, piv_ptr, piv, bnd_ptr, bnd, foff):  # pragma: no cover - compiled
    """Overwrite ``b`` with the solution of ``A x = b`` for the factor ``fac``."""
    nf = len(piv_ptr) - 1
    for k in range(nf):
        p0, p = piv_ptr[k], piv_ptr[k + 1] - piv_ptr[k]
        b0, q = bnd_ptr[k], bnd_ptr[k + 1] - bnd_ptr[k]
        f0 = foff[k]
        for i in range(p):
            s = b[piv[p0 + i]]
            for j in range(i):
                s -= fac[f0 + i * p + j] * b[piv[p0 + j]]
            b[piv[p0 + i]] = s / fac[f0 + i * p + i]
        for a in range(q):
            s = 0.0
            row = f0 + (p + a) * p
            for j in range(p):
                s += fac[row + j] * b[piv[p0 + j]]
            b[bnd[b0 + a]] -= s
    backward_in_place(fac, b, piv_ptr, piv, bnd_ptr, bnd, foff)


@numba.njit(nogil=True, cache=True)
def backward_in_place(fac, b, piv_ptr, piv, bnd_ptr, bnd, foff):  # pragma: no cover - compiled
    """The backward substitution: ``b`` holds the forward result and becomes the solution."""
    nf = len(piv_ptr) - 1
    for k in range(nf - 1, -1, -1):
        p0, p = piv_ptr[k], piv_ptr[k + 1] - piv_ptr[k]
        b0, q = bnd_ptr[k], bnd_ptr[k + 1] - bnd_ptr[k]
        f0 = foff[k]
        for a in range(q):
            xa = b[bnd[b0 + a]]
            row = f0 + (p + a) * p
            for j in range(p):
                b[piv[p0 + j]] -= fac[row + j] * xa
        for i in range(p - 1, -1, -1):
            s = b[piv[p0 + i]]
            for j in range(i + 1, p):
                s -= fac[f0 + j * p + i] * b[piv[p0 + j]]
            b[piv[p0 + i]] = s / fac[f0 + i * p + i]
