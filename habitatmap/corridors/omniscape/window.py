"""One Omniscape moving window: sources, the grounded circuit, its node currents.

A window is Circuitscape's advanced mode on the cells within ``radius + buffer`` of the target
(clipped to the raster): the target is a direct ground, the source cells inject the target's
strength shared in proportion to their source strengths, links join neighbours with the average
of the two conductances (diagonals divided by sqrt 2), only the component holding the target is
solved, and each cell's current is the larger of its node's inflow and outflow.

Every window of a run is one :class:`WindowPattern` (a disc, or a square for flow potential, with
the target at its centre), so the symbolic analysis of :mod:`.frontal` is done once; a window's
cells that are outside the raster, nodata or cut off from the target become identity rows.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numba
import numpy as np

from habitatmap.corridors.omniscape.frontal import (
    FrontalPattern,
    backward_in_place,
    factorize,
    frontal_pattern,
    solve_in_place,
)

__all__ = ["COND_EQUAL", "COND_NONE", "COND_WITHIN", "WindowPattern", "accumulate", "solve_window",
           "window_pattern", "window_sources"]

COND_NONE, COND_WITHIN, COND_EQUAL = 0, 1, 2
_INV_SQRT2 = 1.0 / math.sqrt(2.0)


@dataclass
class WindowPattern:
    """The stencil graph of a window of ``radius`` cells around its centre.

    Attributes
    ----------
    dy, dx
        Offsets of the ``n`` cells (the centre excluded) from the centre.
    ea, eb, ediag
        Links between cells, ``n`` standing for the centre: the first ``m`` (both ends not the
        centre) are the off-diagonal entries of the frontal pattern, in order; the rest touch the
        centre. ``ediag`` marks diagonal links.
    adj_ptr, adj
        Neighbours of each cell (``0..n``), CSR.
    frontal
        The symbolic analysis of the cells' matrix.
    """

    radius: int
    square: bool
    four: bool
    dy: np.ndarray
    dx: np.ndarray
    ea: np.ndarray
    eb: np.ndarray
    ediag: np.ndarray
    m: int
    adj_ptr: np.ndarray
    adj: np.ndarray
    frontal: FrontalPattern

    @property
    def n(self) -> int:
        """Cells in the window, the centre excluded."""
        return len(self.dy)


@functools.lru_cache(maxsize=8)
def window_pattern(radius: int, *, square: bool = False, four: bool = False) -> WindowPattern:
    """The pattern of a window (cached: one symbolic analysis per process and shape).

    Parameters
    ----------
    radius
        Cells from the centre to the window's edge.
    square
        A full square instead of the disc of cells within ``radius`` of the centre.
    four
        Link only the four orthogonal neighbours.
    """
    k = 2 * radius + 1
    yy, xx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    inside = np.ones((k, k), dtype=bool) if square else (yy * yy + xx * xx) <= radius * radius
    inside[radius, radius] = False
    n = int(inside.sum())
    index = np.full((k, k), -1, dtype=np.int64)
    index[inside] = np.arange(n)
    index[radius, radius] = n
    steps = [(0, 1, False), (1, 0, False)] + ([] if four else [(1, 1, True), (1, -1, True)])
    a_list, b_list, d_list = [], [], []
    for sy, sx, diag in steps:
        src = index[max(0, -sy):k - max(0, sy), max(0, -sx):k - max(0, sx)]
        dst = index[max(0, sy):k - max(0, -sy), max(0, sx):k - max(0, -sx)]
        both = (src >= 0) & (dst >= 0)
        a_list.append(src[both])
        b_list.append(dst[both])
        d_list.append(np.full(int(both.sum()), diag))
    ea, eb, ediag = np.concatenate(a_list), np.concatenate(b_list), np.concatenate(d_list)
    inner = (ea != n) & (eb != n)
    order = np.concatenate([np.nonzero(inner)[0], np.nonzero(~inner)[0]])
    ea, eb, ediag = ea[order], eb[order], ediag[order]
    m = int(inner.sum())
    rows, cols = np.nonzero(inside)
    frontal = frontal_pattern(rows, cols, (ea[:m], eb[:m]))
    ends = np.concatenate([ea, eb])
    others = np.concatenate([eb, ea])
    srt = np.argsort(ends, kind="stable")
    adj_ptr = np.searchsorted(ends[srt], np.arange(n + 2))
    return WindowPattern(radius, square, four, (rows - radius).astype(np.int64),
                         (cols - radius).astype(np.int64), ea.astype(np.int64), eb.astype(np.int64), ediag, m,
                         adj_ptr.astype(np.int64),
                         others[srt].astype(np.int64), frontal)


@numba.njit(nogil=True, cache=True)
def _component(on, adj_ptr, adj, start, reach, queue):  # pragma: no cover - compiled
    """Mark in ``reach`` the cells linked to ``start`` through cells that are ``on``."""
    for i in range(len(reach)):
        reach[i] = False
    reach[start] = True
    queue[0] = start
    head, tail = 0, 1
    while head < tail:
        u = queue[head]
        head += 1
        for t in range(adj_ptr[u], adj_ptr[u + 1]):
            v = adj[t]
            if on[v] and not reach[v]:
                reach[v] = True
                queue[tail] = v
                tail += 1


@numba.njit(nogil=True, cache=True)
def _system(g, reach, ea, eb, ediag, m, w, vals):  # pragma: no cover - compiled
    """Link conductances ``w`` and the matrix values (diagonal, then ``-w`` of inner links)."""
    n = len(g) - 1
    for i in range(n):
        vals[i] = 0.0
    for e in range(len(ea)):
        a, b = ea[e], eb[e]
        if reach[a] and reach[b]:
            we = 0.5 * (g[a] + g[b])
            if ediag[e]:
                we *= _INV_SQRT2
        else:
            we = 0.0
        w[e] = we
        if a < n:
            vals[a] += we
        if b < n:
            vals[b] += we
        if e < m:
            vals[n + e] = -we
    for i in range(n):
        if not reach[i]:
            vals[i] = 1.0


@numba.njit(nogil=True, cache=True)
def _currents(v, w, ea, eb, inflow, outflow):  # pragma: no cover - compiled
    """Node current (max of inflow and outflow) of each cell into ``outflow``."""
    for i in range(len(inflow)):
        inflow[i] = 0.0
        outflow[i] = 0.0
    for e in range(len(ea)):
        a, b = ea[e], eb[e]
        f = w[e] * (v[a] - v[b])
        if f > 0:
            outflow[a] += f
            inflow[b] += f
        else:
            outflow[b] -= f
            inflow[a] -= f
    for i in range(len(inflow)):
        if inflow[i] > outflow[i]:
            outflow[i] = inflow[i]


@numba.njit(nogil=True, cache=True)
def _condition(out, c, kind, ref, lo, hi, ly, lx, dy, dx):  # pragma: no cover - compiled
    """Zero the sources whose present condition fails the comparison with the target's ``ref``."""
    if kind == 0:
        return
    for i in range(len(dy)):
        if out[i] > 0:
            pv = c[ly + dy[i], lx + dx[i]]
            if kind == 1:
                d = pv - ref
                if d > hi or d < lo:
                    out[i] = 0.0
            elif pv != ref and not np.isnan(pv) and not np.isnan(ref):
                out[i] = 0.0


@numba.njit(nogil=True, cache=True)
def window_sources(s, ly, lx, dy, dx, r2, zy0, zy1, zx0, zx1, amps, c1, k1, v1, lo1, hi1,
                    c2, k2, v2, lo2, hi2, out):  # pragma: no cover - compiled
    """Omniscape's sources of one window into ``out`` (one per pattern cell); returns their total.

    Cells within ``sqrt(r2)`` of the target ``(ly, lx)`` of the source grid ``s`` and outside the
    zeroed block ``zy0..zy1 x zx0..zx1`` share ``amps`` in proportion to their strengths (the
    target's own cell counts in the share, then the ground removes it); then each condition
    (``c``, kind 0 none / 1 within / 2 equal, the target's value, bounds) removes sources.
    """
    n = len(dy)
    total = 0.0
    for i in range(n):
        y, x = ly + dy[i], lx + dx[i]
        val = 0.0
        if dy[i] * dy[i] + dx[i] * dx[i] <= r2 and not (zy0 <= y <= zy1 and zx0 <= x <= zx1):
            val = s[y, x]
            if not val > 0:
                val = 0.0
        out[i] = val
        total += val
    # The target's own source counts in the share-out, then the ground removes it (rmvsrc).
    if not (zy0 <= ly <= zy1 and zx0 <= lx <= zx1) and s[ly, lx] > 0:
        total += s[ly, lx]
    if total > 0:
        for i in range(n):
            out[i] = out[i] * amps / total
    # Conditional connectivity removes sources after the share-out, as Omniscape does.
    _condition(out, c1, k1, v1, lo1, hi1, ly, lx, dy, dx)
    _condition(out, c2, k2, v2, lo2, hi2, ly, lx, dy, dx)
    t = 0.0
    for i in range(n):
        t += out[i]
    return t


@numba.njit(nogil=True, cache=True)
def accumulate(acc, ly, lx, dy, dx, cur, corr, cy, cx):  # pragma: no cover - compiled
    """Add a window's currents (``cur``, the target last) into ``acc`` around ``(ly, lx)``, each
    multiplied by the correction array at ``(cy, cx)`` plus its offset (an empty ``corr``: none)."""
    n = len(dy)
    use = corr.shape[0] > 0
    for i in range(n + 1):
        oy = dy[i] if i < n else 0
        ox = dx[i] if i < n else 0
        c = cur[i]
        if c != 0.0:
            if use:
                c *= corr[cy + oy, cx + ox]
            acc[ly + oy, lx + ox] += c


@numba.njit(nogil=True, cache=True)
def _prepare(g, ly, lx, dy, dx, sources, adj_ptr, adj, ea, eb, ediag, m, gw, reach, queue, w, vals,
             v):  # pragma: no cover - compiled
    """Gather the window's conductances, mark the target's component, fill the matrix values and
    the right-hand side; False when the window carries no current (no ground or no source)."""
    n = len(dy)
    for i in range(n):
        gw[i] = g[ly + dy[i], lx + dx[i]]
    gw[n] = g[ly, lx]
    if not gw[n] > 0:
        return False  # the target is not a node: no ground, no current (as Circuitscape)
    _component(gw > 0, adj_ptr, adj, n, reach, queue)
    any_source = False
    for i in range(n):
        if reach[i] and sources[i] != 0:
            any_source = True
            break
    if not any_source:
        return False
    _system(gw, reach, ea, eb, ediag, m, w, vals)
    for i in range(n):
        v[i] = sources[i] if reach[i] else 0.0
    v[n] = 0.0
    return True


def solve_window(pattern: WindowPattern, g: np.ndarray, sources: np.ndarray, ly: int, lx: int,
                 work: dict[str, np.ndarray], *, factor: np.ndarray | None = None) -> np.ndarray | None:
    """Node currents of one window, or None when it carries no current.

    Parameters
    ----------
    pattern
        The window's stencil (:func:`window_pattern`).
    g
        Conductance grid (0 where there is no node), padded so that the window fits.
    sources
        Current injected at each pattern cell (A), from :func:`window_sources`.
    ly, lx
        The target's cell in ``g``.
    work
        Scratch buffers reused between calls (filled on first use).
    factor
        A factor of this window's matrix from an earlier call (flow potential reuses one for
        every window of the same shape); otherwise the window is factorised.

    Returns
    -------
    numpy.ndarray or None
        ``n + 1`` currents (the target last).
    """
    n = pattern.n
    if not work:
        fac, stack, scratch = pattern.frontal.buffers()
        work.update(fac=fac, stack=stack, scratch=scratch, gw=np.empty(n + 1), reach=np.empty(n + 1, bool),
                    queue=np.empty(n + 1, np.int64), w=np.empty(len(pattern.ea)),
                    vals=np.empty(n + pattern.m), v=np.empty(n + 1), inflow=np.empty(n + 1),
                    cur=np.empty(n + 1))
    # One compiled call gathers the window, finds the target's component and builds the matrix
    # and right-hand side (the GIL is held only between the compiled calls).
    if not _prepare(g, ly, lx, pattern.dy, pattern.dx, sources, pattern.adj_ptr, pattern.adj, pattern.ea,
                    pattern.eb, pattern.ediag, pattern.m, work["gw"], work["reach"], work["queue"], work["w"],
                    work["vals"], work["v"]):
        return None
    arrays = pattern.frontal.arrays
    v = work["v"]
    if factor is None:
        fac = work["fac"]
        info = factorize(work["vals"], *arrays, fac, work["stack"], work["scratch"], v)
        if info:  # pragma: no cover - a grounded Laplacian is positive definite
            raise ArithmeticError("window matrix is not positive definite")
        backward_in_place(fac, v, arrays[0], arrays[1], arrays[2], arrays[3], arrays[13])
    else:
        solve_in_place(factor, v, arrays[0], arrays[1], arrays[2], arrays[3], arrays[13])
    cur = work["cur"]
    _currents(v, work["w"], pattern.ea, pattern.eb, work["inflow"], cur)
    return cur
