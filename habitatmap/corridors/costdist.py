"""Cost-weighted distance on a raster, least-cost paths, and the normalised least-cost corridor.

Moving from a cell to a neighbour costs the mean of their resistances times the distance between
their centres (the cell size, or sqrt(2) times it diagonally): the cost model of ArcGIS CostDistance,
Linkage Mapper and scikit-image's ``MCP_Geometric``. Units are resistance x metres.

The distance is Dijkstra's algorithm over the 8-neighbour grid, compiled with numba, with an indexed
binary heap (a cell is in the heap at most once, so the heap never holds more than the front).
Memory is one float64 distance and one int32 heap position per cell beside the resistance itself.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["corridor", "cost_distance", "least_cost_path"]

_DR = np.array([-1, -1, -1, 0, 0, 1, 1, 1], dtype=np.int64)
_DC = np.array([-1, 0, 1, -1, 1, -1, 0, 1], dtype=np.int64)


def cost_distance(resistance: np.ndarray, sources: np.ndarray, *, cellsize: float = 1.0,
                  max_distance: float = math.inf) -> np.ndarray:
    """Cost-weighted distance from the nearest source cell.

    Parameters
    ----------
    resistance
        2-D resistances (> 0); NaN cells cannot be entered.
    sources
        Boolean grid of source cells (distance 0), or an ``(n, 2)`` array of their rows and columns.
    cellsize
        Cell size in map units (square cells).
    max_distance
        Stop once distances exceed this; cells further away stay ``inf``.

    Returns
    -------
    numpy.ndarray
        float64 distances; ``inf`` where unreachable (or beyond ``max_distance``), NaN where the
        resistance is NaN.
    """
    dtype = np.float32 if resistance.dtype == np.float32 else np.float64
    res = np.ascontiguousarray(resistance, dtype=dtype)
    if sources.dtype == bool:
        flat = np.flatnonzero(sources.ravel()).astype(np.int64)
    else:
        flat = (np.asarray(sources)[:, 0] * res.shape[1] + np.asarray(sources)[:, 1]).astype(np.int64)
    dist = np.full(res.shape, np.inf)
    _dijkstra(res, flat, float(cellsize), float(max_distance), dist)
    dist[np.isnan(res)] = np.nan
    return dist


@numba.njit(cache=True, nogil=True)
def _dijkstra(res, sources, cellsize, max_distance, dist):  # pragma: no cover
    h, w = res.shape
    n = h * w
    flat_res = res.ravel()
    flat = dist.ravel()
    pos = np.full(n, -1, dtype=np.int32)  # -1 unseen, -2 settled, else heap slot
    cap = 1 << 16
    heap_key = np.empty(cap)
    heap_idx = np.empty(cap, dtype=np.int64)
    size = 0
    diag = math.sqrt(2.0) * cellsize
    for s in sources:
        if np.isnan(flat_res[s]) or pos[s] != -1:
            continue
        flat[s] = 0.0
        if size == cap:
            cap *= 2
            heap_key = _grow(heap_key, cap)
            heap_idx = _grow(heap_idx, cap)
        heap_key[size] = 0.0
        heap_idx[size] = s
        pos[s] = size
        size += 1
    while size > 0:
        # Pop the minimum.
        u = heap_idx[0]
        du = heap_key[0]
        pos[u] = -2
        size -= 1
        if size > 0:
            last_k = heap_key[size]
            last_i = heap_idx[size]
            k = 0
            while True:
                c = 2 * k + 1
                if c >= size:
                    break
                if c + 1 < size and heap_key[c + 1] < heap_key[c]:
                    c += 1
                if heap_key[c] >= last_k:
                    break
                heap_key[k] = heap_key[c]
                heap_idx[k] = heap_idx[c]
                pos[heap_idx[k]] = k
                k = c
            heap_key[k] = last_k
            heap_idx[k] = last_i
            pos[last_i] = k
        if du > max_distance:
            flat[u] = np.inf
            continue
        ur = u // w
        uc = u - ur * w
        ru = flat_res[u]
        for t in range(8):
            vr = ur + _DR[t]
            vc = uc + _DC[t]
            if vr < 0 or vr >= h or vc < 0 or vc >= w:
                continue
            v = vr * w + vc
            pv = pos[v]
            if pv == -2:
                continue
            rv = flat_res[v]
            if np.isnan(rv):
                continue
            step = diag if (_DR[t] != 0 and _DC[t] != 0) else cellsize
            nd = du + 0.5 * (ru + rv) * step
            if nd >= flat[v]:
                continue
            flat[v] = nd
            if pv == -1:
                if size == cap:
                    cap *= 2
                    heap_key = _grow(heap_key, cap)
                    heap_idx = _grow(heap_idx, cap)
                k = size
                size += 1
            else:
                k = pv
            # Sift up.
            while k > 0:
                p = (k - 1) // 2
                if heap_key[p] <= nd:
                    break
                heap_key[k] = heap_key[p]
                heap_idx[k] = heap_idx[p]
                pos[heap_idx[k]] = k
                k = p
            heap_key[k] = nd
            heap_idx[k] = v
            pos[v] = k


@numba.njit(cache=True)
def _grow(a, cap):  # pragma: no cover
    # numba compiles one version per dtype (float64 keys, int64 indices, the path's cell pairs).
    b = np.empty((cap,) + a.shape[1:], dtype=a.dtype)  # noqa: RUF005 (numba: no starred tuples)
    b[: a.shape[0]] = a
    return b


def least_cost_path(dist: np.ndarray, resistance: np.ndarray, start: tuple[int, int], *,
                    cellsize: float = 1.0) -> np.ndarray:
    """Cells of the least-cost path from ``start`` back to the nearest source of ``dist``.

    Each step goes to the neighbour through which ``start``'s distance was reached (the one
    minimising its distance plus the step's cost).

    Returns
    -------
    numpy.ndarray
        ``(k, 2)`` rows and columns, from ``start`` to a source cell.
    """
    if not np.isfinite(dist[start]):
        raise ValueError("start cell is not reachable")
    return _backtrack(dist, np.asarray(resistance, dtype=np.float64), start[0], start[1], float(cellsize))


@numba.njit(cache=True)
def _backtrack(dist, res, r, c, cellsize):  # pragma: no cover
    h, w = dist.shape
    out = np.empty((1024, 2), dtype=np.int64)  # grown as needed: a path is usually short
    out[0, 0] = r
    out[0, 1] = c
    k = 1
    diag = math.sqrt(2.0) * cellsize
    while dist[r, c] > 0.0 and k < h * w:
        best = np.inf
        br, bc = -1, -1
        for t in range(8):
            vr = r + _DR[t]
            vc = c + _DC[t]
            if vr < 0 or vr >= h or vc < 0 or vc >= w:
                continue
            dv = dist[vr, vc]
            if not np.isfinite(dv) or dv >= dist[r, c]:
                continue
            step = diag if (_DR[t] != 0 and _DC[t] != 0) else cellsize
            total = dv + 0.5 * (res[r, c] + res[vr, vc]) * step
            if total < best:
                best = total
                br, bc = vr, vc
        if br < 0:
            break
        r, c = br, bc
        if k == out.shape[0]:
            out = _grow(out, 2 * k)
        out[k, 0] = r
        out[k, 1] = c
        k += 1
    return out[:k].copy()


def corridor(cwd_a: np.ndarray, cwd_b: np.ndarray, lcd: float) -> np.ndarray:
    """Linkage Mapper's normalised least-cost corridor: CWD_A + CWD_B - LCD (0 along the path)."""
    return cwd_a + cwd_b - lcd
