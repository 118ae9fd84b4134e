"""Circuitscape's four raster modes on numpy grids: pairwise, one-to-all, all-to-one, advanced.

The functions take conductance grids and focal points as arrays and return results as arrays; maps
of each solve are handed to a callback as soon as they exist, so a caller can write them and keep
memory flat however many pairs there are. Reading and writing files is elsewhere
(:mod:`habitatmap.corridors.circuitscape` for ``.ini`` runs, :mod:`habitatmap.corridors.currents`
for GeoTIFF runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from habitatmap.corridors.circuit import (
    CircuitGraph,
    ComponentSolver,
    GroundedComponent,
    build_graph,
    node_currents,
)

__all__ = [
    "Accumulator",
    "CircuitOptions",
    "FocalPoints",
    "SolveMaps",
    "advanced",
    "all_to_one",
    "one_to_all",
    "pairwise",
]


@dataclass(frozen=True)
class CircuitOptions:
    """How the network is built and which maps are made."""

    four_neighbors: bool = False
    avg_resistance: bool = True
    voltage_maps: bool = True
    current_maps: bool = True
    direct: bool | None = None  # None: by size (see circuit.DIRECT_MAX_NODES)


@dataclass
class FocalPoints:
    """Focal cells: 0-based rows and columns and the id each cell belongs to (ids > 0).

    Several cells with one id make a focal region.
    """

    rows: np.ndarray
    cols: np.ndarray
    ids: np.ndarray

    def __post_init__(self) -> None:
        order = np.argsort(self.ids, kind="stable")
        self.rows = np.asarray(self.rows, dtype=np.int64)[order]
        self.cols = np.asarray(self.cols, dtype=np.int64)[order]
        self.ids = np.asarray(self.ids, dtype=np.int64)[order]

    @property
    def unique_ids(self) -> np.ndarray:
        """Distinct ids, ascending."""
        return np.unique(self.ids)

    @property
    def has_regions(self) -> bool:
        """True when some id covers more than one cell."""
        return len(self.ids) != len(self.unique_ids)

    def keep(self, ids: np.ndarray) -> FocalPoints:
        """Only the cells whose id is in ``ids``."""
        m = np.isin(self.ids, ids)
        return FocalPoints(self.rows[m], self.cols[m], self.ids[m])

    def grid(self, shape: tuple[int, int]) -> np.ndarray:
        """The points as an id grid (0 elsewhere)."""
        out = np.zeros(shape, dtype=np.int64)
        out[self.rows, self.cols] = self.ids
        return out


@dataclass
class SolveMaps:
    """Maps of one solve: ``label`` is ``(id1, id2)`` for a pair, ``(id,)`` for one point."""

    label: tuple[int, ...]
    voltage: np.ndarray | None
    current: np.ndarray | None


@dataclass
class Accumulator:
    """Cumulative and maximum current over solves."""

    shape: tuple[int, int]
    cumulative: np.ndarray = field(init=False)
    maximum: np.ndarray = field(init=False)
    count: int = 0

    def __post_init__(self) -> None:
        self.cumulative = np.zeros(self.shape)
        self.maximum = np.full(self.shape, -np.inf)

    def add(self, current: np.ndarray) -> None:
        """Add one solve's current map."""
        self.cumulative += current
        np.maximum(self.maximum, current, out=self.maximum)
        self.count += 1


Callback = Callable[[SolveMaps], None]


def _maps(graph: CircuitGraph, v: np.ndarray, opts: CircuitOptions, acc: Accumulator,
          finite: np.ndarray | None = None) -> tuple[np.ndarray | None, np.ndarray | None]:
    volt = graph.to_grid(v) if opts.voltage_maps else None
    cur = None
    if opts.current_maps:
        cur = graph.to_grid(node_currents(graph, v, finite))
        acc.add(cur)
    return volt, cur


def pairwise(conductance: np.ndarray, points: FocalPoints, *, regions: np.ndarray | None = None,
             excluded: set[tuple[int, int]] | None = None, options: CircuitOptions | None = None,
             on_solve: Callback | None = None) -> tuple[np.ndarray, np.ndarray, Accumulator]:
    """Effective resistance between every pair of focal points or regions.

    Parameters
    ----------
    conductance
        Cell conductances (<= 0 or NaN: not in the network).
    points
        Focal points or regions.
    regions
        Short-circuit region ids (> 0).
    excluded
        Pairs of ids not to solve (left at -1).
    options
        Network and map options.
    on_solve
        Called with each pair's maps.

    Returns
    -------
    ids, resistances, accumulator
        The ids in matrix order; the symmetric matrix (0 on the diagonal, -1 for pairs that are not
        connected or not solved); cumulative and maximum current.
    """
    opts = options or CircuitOptions()
    excluded = excluded or set()
    acc = Accumulator(conductance.shape)
    ids = points.unique_ids
    res = -np.ones((len(ids), len(ids)))
    np.fill_diagonal(res, 0.0)
    pos = {int(v): k for k, v in enumerate(ids)}
    if points.has_regions:
        # Each pair gets its own network in which only its two regions are short-circuited.
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                if (int(ids[a]), int(ids[b])) in excluded:
                    continue
                sub = points.keep(ids[[a, b]])
                merged = _regions_with_points(regions, sub, conductance.shape)
                graph = build_graph(conductance, regions=merged,
                                    four_neighbors=opts.four_neighbors, avg_resistance=opts.avg_resistance)
                first = [np.flatnonzero(sub.ids == ids[k])[0] for k in (a, b)]
                nodes = [graph.node_at(sub.rows[f], sub.cols[f]) for f in first]
                r = _solve_pairs(graph, nodes, [int(ids[a]), int(ids[b])], set(), opts, acc, on_solve)
                res[a, b] = res[b, a] = r[0, 1]
        return ids, res, acc
    graph = build_graph(conductance, regions=regions, four_neighbors=opts.four_neighbors,
                        avg_resistance=opts.avg_resistance)
    nodes = [graph.node_at(r, c) for r, c in zip(points.rows, points.cols, strict=True)]
    r = _solve_pairs(graph, nodes, [int(i) for i in points.ids], excluded, opts, acc, on_solve)
    for i, a in enumerate(points.ids):
        for j, b in enumerate(points.ids):
            res[pos[int(a)], pos[int(b)]] = r[i, j]
    return ids, res, acc


def _solve_pairs(graph: CircuitGraph, nodes: list[int], labels: list[int],
                 excluded: set[tuple[int, int]], opts: CircuitOptions, acc: Accumulator,
                 on_solve: Callback | None) -> np.ndarray:
    """Resistances between ``nodes`` (one per label, -1 if off the network), in label order."""
    k = len(nodes)
    res = -np.ones((k, k))
    np.fill_diagonal(res, 0.0)
    want_maps = opts.voltage_maps or opts.current_maps
    comps: dict[int, list[int]] = {}
    for i, v in enumerate(nodes):
        if v >= 0:
            comps.setdefault(int(graph.component[v]), []).append(i)
    for comp, members in comps.items():
        unique = list(dict.fromkeys(nodes[i] for i in members))
        for i in members:  # points on one node are joined by a short circuit
            for j in members:
                if nodes[i] == nodes[j]:
                    res[i, j] = 0.0
        if len(unique) < 2:
            continue
        gc = GroundedComponent(graph, comp, direct=opts.direct)
        x = gc.unit_solutions(unique)
        for ui in range(len(unique)):
            for uj in range(ui + 1, len(unique)):
                ni, nj = unique[ui], unique[uj]
                li, lj = gc.local(ni), gc.local(nj)
                for ci in (m for m in members if nodes[m] == ni):
                    for cj in (m for m in members if nodes[m] == nj):
                        if (labels[ci], labels[cj]) in excluded or (labels[cj], labels[ci]) in excluded:
                            continue
                        # 1 A leaves at nj and returns at ni; ni is the 0 V reference.
                        local = x[nj] - x[ni]
                        local -= local[li]
                        r = float(local[lj])
                        res[ci, cj] = res[cj, ci] = r
                        if want_maps:
                            v = np.zeros(graph.n_nodes)
                            v[gc.nodes] = local
                            volt, cur = _maps(graph, v, opts, acc)
                            if on_solve is not None:
                                on_solve(SolveMaps((labels[ci], labels[cj]), volt, cur))
    return res


def _regions_with_points(regions: np.ndarray | None, points: FocalPoints,
                         shape: tuple[int, int]) -> np.ndarray:
    """Short-circuit regions with every focal region (> 1 cell) made one region.

    A focal region overlapping short-circuit regions is merged with all of them.
    """
    if regions is None:
        out = np.zeros(shape, dtype=np.int64)
        out[points.rows, points.cols] = points.ids
        return out
    out = np.where(regions > 0, regions, 0).astype(np.int64)
    nxt = int(out.max()) + 1
    for pid in points.unique_ids:
        sel = points.ids == pid
        if sel.sum() == 1:
            continue
        rr, cc = points.rows[sel], points.cols[sel]
        touched = np.unique(out[rr, cc])
        touched = touched[touched > 0]
        if len(touched):
            out[np.isin(out, touched)] = nxt
        out[rr, cc] = nxt
        nxt += 1
    return out


def _combined_regions(regions: np.ndarray | None, points: FocalPoints, shape: tuple[int, int]) -> np.ndarray:
    """Short-circuit regions plus every focal point or region as a region of its own."""
    pmap = points.grid(shape)
    if regions is None:
        return pmap
    out = np.where(regions > 0, regions, 0).astype(np.int64)
    k = int(max(out.max(), pmap.max()))
    if not points.has_regions:
        free = (pmap != 0) & (out == 0)
        out[free] = pmap[free] + k
        return out
    for idx in zip(*np.nonzero(pmap), strict=True):
        v1, v2 = pmap[idx], out[idx]
        if v2 == 0:
            out[idx] = k + v1
        elif v1 != v2:
            out[out == v2] = v1
    return out


def advanced(conductance: np.ndarray, sources: np.ndarray, grounds: np.ndarray, *,
             regions: np.ndarray | None = None, policy: str = "keepall",
             options: CircuitOptions | None = None, graph: CircuitGraph | None = None,
             only_node: int | None = None) -> tuple[np.ndarray, np.ndarray | None, CircuitGraph, bool]:
    """Voltages and currents for current sources and grounds.

    Parameters
    ----------
    conductance
        Cell conductances.
    sources
        Current injected at each cell (A); cells of one node add up.
    grounds
        Conductance to ground of each cell (S); ``inf`` is a direct connection (0 V).
    regions
        Short-circuit regions.
    policy
        Where a node is both a source and a ground: ``keepall``, ``rmvsrc``, ``rmvgnd`` or
        ``rmvall``.
    graph
        A network already built from the same grids (one-to-all and all-to-one reuse it).
    only_node
        Solve only the component holding this node.

    Returns
    -------
    voltage, current, graph, solved
        Voltage grid, current grid (None unless current maps are wanted), the network, and
        whether any component had both a source and a ground.
    """
    opts = options or CircuitOptions()
    if graph is None:
        graph = build_graph(conductance, regions=regions, four_neighbors=opts.four_neighbors,
                            avg_resistance=opts.avg_resistance)
    n = graph.n_nodes
    on = graph.nodemap > 0
    s = np.bincount(graph.nodemap[on] - 1, np.nan_to_num(sources[on], nan=0.0), n)
    g = np.bincount(graph.nodemap[on] - 1, np.nan_to_num(grounds[on], nan=0.0, posinf=np.inf), n)
    s, g, finite = _resolve_conflicts(s, g, policy)
    volt = np.zeros(n)
    cur = np.zeros(n) if opts.current_maps else None
    solved = False
    # Only components holding a source can carry current (often a handful among thousands of islands).
    comps = ([int(graph.component[only_node])] if only_node is not None
             else np.unique(graph.component[s != 0]).tolist())
    for comp in comps:
        nodes = graph.members(comp)
        s_loc, g_loc = s[nodes], g[nodes]
        if s_loc.sum() == 0 or not np.any(g_loc != 0):
            continue
        f_loc = finite[nodes] if finite is not None else np.zeros(len(nodes))
        lap = graph.laplacian if len(nodes) == n else graph.laplacian[nodes][:, nodes]
        a = (lap + sp.diags(f_loc)).tocsr()
        keep = ~np.isinf(g_loc)  # direct grounds are held at 0 V
        v_loc = np.zeros(len(nodes))
        if keep.any():
            sub = a[keep][:, keep].tocsr()
            v_loc[keep] = ComponentSolver(sub, direct=opts.direct).solve(s_loc[keep])
        volt[nodes] = v_loc
        if cur is not None:
            sub_graph = _SubGraph(graph, nodes)
            cur[nodes] = node_currents(sub_graph, v_loc, f_loc if finite is not None else None)
        solved = True
    vgrid = graph.to_grid(volt)
    cgrid = graph.to_grid(cur) if cur is not None else None
    return vgrid, cgrid, graph, solved


class _SubGraph:
    """The edges of one component, renumbered, for :func:`node_currents`."""

    def __init__(self, graph: CircuitGraph, nodes: np.ndarray) -> None:
        local = -np.ones(graph.n_nodes, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        a, b, w = graph.edges
        m = (local[a] >= 0) & (local[b] >= 0)
        self.edges = (local[a[m]], local[b[m]], w[m])
        self.n_nodes = len(nodes)


def _resolve_conflicts(s: np.ndarray, g: np.ndarray,
                       policy: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Circuitscape's rules for nodes that are both sources and grounds."""
    finite = np.where(np.isinf(g), 0.0, g)
    finite_out = finite if np.any(finite != 0) else None
    both = (s != 0) & (g != 0)
    if both.any():
        if policy in ("rmvsrc", "rmvall"):
            s = np.where(both, 0.0, s)
        if policy in ("rmvgnd", "rmvall"):
            g = np.where(both, 0.0, g)
    # A direct ground cannot also take current in: the source wins there.
    g = np.where(np.isinf(g) & (s > 0), 0.0, g)
    return s, g, finite_out


def _one_or_all(conductance: np.ndarray, points: FocalPoints, *, to_all: bool,
                regions: np.ndarray | None, strengths: dict[int, float] | None,
                excluded: set[tuple[int, int]] | None, options: CircuitOptions | None,
                on_solve: Callback | None) -> tuple[np.ndarray, np.ndarray, Accumulator]:
    opts = options or CircuitOptions()
    acc = Accumulator(conductance.shape)
    ids = points.unique_ids
    out = -np.ones(len(ids))
    shape = conductance.shape
    base_graph = None
    for k, pid in enumerate(ids):
        pid = int(pid)
        pts = points
        if excluded:
            drop = [int(o) for o in ids if (pid, int(o)) in excluded or (int(o), pid) in excluded]
            pts = points.keep(np.setdiff1d(ids, drop))
        if pts is points and base_graph is not None:
            graph = base_graph
        else:
            graph = build_graph(conductance, regions=_combined_regions(regions, pts, shape),
                                four_neighbors=opts.four_neighbors, avg_resistance=opts.avg_resistance)
            if pts is points:
                base_graph = graph
        pmap = pts.grid(shape)
        first = np.flatnonzero(pts.ids == pid)[0]
        node = graph.node_at(pts.rows[first], pts.cols[first])
        if node < 0:
            continue
        src = np.zeros(shape)
        gnd = np.zeros(shape)
        if to_all:
            src[pts.rows[first], pts.cols[first]] = (strengths or {}).get(pid, 1.0)
            gnd[(pmap > 0) & (pmap != pid)] = np.inf
            policy = "rmvgnd"
        else:
            # Every other focal node injects its current once (1 A, or its strength), at one of its
            # cells: a node of several cells (a focal region, or cells sharing an id) is one source.
            for oid in pts.unique_ids:
                if int(oid) != pid:
                    at = np.flatnonzero(pts.ids == oid)[0]
                    src[pts.rows[at], pts.cols[at]] = (strengths or {}).get(int(oid), 1.0)
            gnd[pmap == pid] = np.inf
            policy = "rmvsrc"
        volt, cur, _, solved = advanced(conductance, src, gnd, policy=policy, options=opts,
                                        graph=graph, only_node=node)
        if not solved:
            continue
        if cur is not None:
            acc.add(cur)
        if to_all:
            strength = (strengths or {}).get(pid, 1.0)
            r = float(volt[pts.rows[first], pts.cols[first]]) / strength
            out[k] = r if not np.isclose(r, 0.0) else -1.0
        else:
            out[k] = 0.0
        if on_solve is not None:
            on_solve(SolveMaps((pid,), volt if opts.voltage_maps else None, cur))
    return ids, out, acc


def one_to_all(conductance: np.ndarray, points: FocalPoints, *, regions: np.ndarray | None = None,
               strengths: dict[int, float] | None = None, excluded: set[tuple[int, int]] | None = None,
               options: CircuitOptions | None = None,
               on_solve: Callback | None = None) -> tuple[np.ndarray, np.ndarray, Accumulator]:
    """Each focal node in turn injects current; all the others are tied to ground.

    Returns the ids, each node's resistance to all the others (-1 if isolated) and the
    cumulative and maximum current.
    """
    return _one_or_all(conductance, points, to_all=True, regions=regions, strengths=strengths,
                       excluded=excluded, options=options, on_solve=on_solve)


def all_to_one(conductance: np.ndarray, points: FocalPoints, *, regions: np.ndarray | None = None,
               strengths: dict[int, float] | None = None, excluded: set[tuple[int, int]] | None = None,
               options: CircuitOptions | None = None,
               on_solve: Callback | None = None) -> tuple[np.ndarray, np.ndarray, Accumulator]:
    """Each focal node in turn is the ground; all the others inject current (1 A or their strength).

    Returns the ids, 0 for each solved node (-1 if isolated; Circuitscape reports no resistance in
    this mode) and the cumulative and maximum current.
    """
    return _one_or_all(conductance, points, to_all=False, regions=regions, strengths=strengths,
                       excluded=excluded, options=options, on_solve=on_solve)
