"""Circuitscape's network (graph) mode: a resistor network given as ``node node value`` lines.

This is also how patch-based analyses run: habitat patches as nodes, the links between them as
branches. The graph file holds one branch per line (node ids are integers, the value a
conductance, or a resistance with ``habitat_map_is_resistances``); repeated branches between two
nodes add their conductances and self-loops carry no current. Pairwise mode takes a focal-node
list (one id per line); advanced mode a source file (``node amps``) and a ground file (``node
conductance|resistance``). Outputs are Circuitscape's: ``NAME_resistances.out`` (and
``_3columns``), per pair ``NAME_voltages_A_B.txt``, ``NAME_node_currents_A_B.txt`` and
``NAME_branch_currents_A_B.txt`` with the cumulative ``..._cum.txt``; in advanced mode
``NAME_voltages.txt``, ``NAME_node_currents.txt``, ``NAME_branch_currents.txt``. Values are
written as Circuitscape writes them; rows list the nodes (and branches) of the component a solve
covers, ascending by node id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.errors import InputDataError

__all__ = ["RELATIVE_ZERO", "Network", "NetworkSolve", "branch_currents", "network_advanced",
           "network_from_branches", "network_pairwise", "read_network", "read_node_values", "run_network"]

#: Branch currents below this share of a solve's largest are zero, as in Circuitscape.
RELATIVE_ZERO = 1e-8


@dataclass
class Network:
    """A graph's node ids (sorted), its resistor network and its branches."""

    ids: np.ndarray
    graph: Any  # CircuitGraph with a 1 x n nodemap (node k is column k)
    source: str

    def index(self, node_id: int) -> int:
        """Position of a node id, or -1 when the graph has no such node."""
        i = int(np.searchsorted(self.ids, node_id))
        return i if i < len(self.ids) and self.ids[i] == node_id else -1


def _rows(path: Path, columns: int, what: str, id_columns: int = 1) -> np.ndarray:
    from habitatmap.corridors.circuitscape.files import _text_lines

    lines = _text_lines(path)
    try:
        rows = np.array([[float(v) for v in r[:columns]] for r in lines if not r[0].startswith("#")],
                        dtype=np.float64).reshape(-1, columns)
    except ValueError:
        rows = np.array([[np.nan] * columns])
    ids = rows[:, :id_columns]
    if not np.isfinite(rows).all() or (len(rows) and not np.all(ids == np.round(ids))):
        raise InputDataError(f"{path}: expected lines of {what} (integer node ids, finite numbers); fix "
                             "the file.")
    return rows


def network_from_branches(a_ids: np.ndarray, b_ids: np.ndarray, values: np.ndarray, *, is_resistance: bool,
                          source: str) -> Network:
    """A resistor network from branch arrays: node ids at both ends and each branch's resistance
    (or conductance). Repeated branches add their conductances; self-loops and zero conductances
    carry nothing.

    Raises
    ------
    InputDataError
        Negative or non-finite values, or no branch with a positive conductance (naming ``source``).
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from habitatmap.corridors.circuit import CircuitGraph

    if len(values) and (np.any(~np.isfinite(values)) or np.any(values < 0)):
        kind = "resistances" if is_resistance else "conductances"
        raise InputDataError(f"{source}: negative or non-finite {kind}; branch values must be finite "
                             "and 0 or more.")
    with np.errstate(divide="ignore"):
        g = np.where(values > 0, 1.0 / values, 0.0) if is_resistance else values.astype(np.float64)
    ids = np.unique(np.concatenate([a_ids, b_ids]).astype(np.int64))
    a, b = np.searchsorted(ids, a_ids), np.searchsorted(ids, b_ids)
    keep = (a != b) & (g > 0) & np.isfinite(g)
    if not keep.any():
        raise InputDataError(f"{source}: no branch with a positive conductance; check the graph.")
    n = len(ids)
    w = sp.coo_matrix((g[keep], (a[keep], b[keep])), shape=(n, n)).tocsr()
    w = (w + w.T).tocsr()  # undirected; repeated branches add up
    lap = (sp.diags(np.asarray(w.sum(axis=1)).ravel()) - w).tocsr()
    n_comp, comp = connected_components(w, directed=False)
    graph = CircuitGraph(np.arange(1, n + 1, dtype=np.int64).reshape(1, n), lap, comp, int(n_comp))
    return Network(ids, graph, source)


def read_network(path: Path, *, is_resistance: bool) -> Network:
    """The network of a graph file.

    Raises
    ------
    InputDataError
        Lines that are not ``node node value``, negative values, or no branch with a conductance.
    """
    rows = _rows(path, 3, "'node node value'", id_columns=2)
    return network_from_branches(rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64), rows[:, 2],
                                 is_resistance=is_resistance, source=str(path))


def branch_currents(net: Network, volt: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """``(a_id, b_id, |current|)`` rows of the branches among ``nodes``, ascending."""
    a, b, w = net.graph.edges
    inside = np.zeros(net.graph.n_nodes, dtype=bool)
    inside[nodes] = True
    k = inside[a] & inside[b]
    cur = np.abs(w[k] * (volt[a[k]] - volt[b[k]]))
    # A branch current below 1e-8 of the solve's largest is zero (round-off, e.g. on a dead end),
    # as in Circuitscape, which lists only the branches left carrying current.
    top = float(cur.max()) if len(cur) else 0.0
    carries = cur > RELATIVE_ZERO * top
    out = np.column_stack([net.ids[a[k]][carries], net.ids[b[k]][carries], cur[carries]])
    return out[np.lexsort((out[:, 1], out[:, 0]))] if len(out) else out.reshape(0, 3)


@dataclass
class NetworkSolve:
    """One solve over one component: its node ids, voltages, node and branch currents."""

    label: tuple[int, ...]
    nodes: np.ndarray  # 0-based node positions, ascending
    voltages: np.ndarray
    node_currents: np.ndarray
    branch_currents: np.ndarray  # (a_id, b_id, current)


def network_pairwise(net: Network, focal: list[int], *,
                     on_solve: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Effective resistances between every pair of focal nodes (-1 between components).

    ``on_solve(NetworkSolve)`` gets each connected pair's maps (1 A from the second node of the
    pair to the first, which is held at 0 V, as Circuitscape reports them).
    """
    from habitatmap.corridors.circuit import GroundedComponent, node_currents

    ids = np.array(sorted(set(int(f) for f in focal)), dtype=np.int64)
    where = {int(i): net.index(int(i)) for i in ids}
    res = -np.ones((len(ids), len(ids)))
    np.fill_diagonal(res, 0.0)
    comp = net.graph.component
    by_comp: dict[int, list[int]] = {}
    for k, i in enumerate(ids):
        if where[int(i)] >= 0:
            by_comp.setdefault(int(comp[where[int(i)]]), []).append(k)
    for c, members in sorted(by_comp.items()):
        if len(members) < 2:
            continue
        gc = GroundedComponent(net.graph, c, direct=True if net.graph.n_nodes < 200_000 else None)
        sols = gc.unit_solutions([where[int(ids[k])] for k in members])
        for x, ki in enumerate(members):
            for kj in members[x + 1:]:
                ni, nj = where[int(ids[ki])], where[int(ids[kj])]
                v_loc = sols[nj] - sols[ni]
                v_loc = v_loc - v_loc[gc.local(ni)]
                r = float(v_loc[gc.local(nj)])
                res[ki, kj] = res[kj, ki] = r
                if on_solve is not None:
                    volt = np.zeros(net.graph.n_nodes)
                    volt[gc.nodes] = v_loc
                    nc = node_currents(net.graph, volt)[gc.nodes]
                    on_solve(NetworkSolve((int(ids[ki]), int(ids[kj])), gc.nodes, v_loc, nc,
                                          branch_currents(net, volt, gc.nodes)))
    return ids, res


def network_advanced(net: Network, sources: dict[int, float], grounds: dict[int, float], *,
                     grounds_are_resistances: bool, policy: str = "keepall", unit_currents: bool = False,
                     direct_grounds: bool = False) -> tuple[np.ndarray, np.ndarray, bool]:
    """Voltages and node currents of every node for current sources and grounds (advanced mode).

    Returns ``(voltages, node currents, solved)``; nodes of components without both a source and a
    ground stay at 0.
    """
    from habitatmap.corridors.modes import CircuitOptions, advanced

    n = net.graph.n_nodes
    src = np.zeros((1, n))
    gnd = np.zeros((1, n))
    for node, amps in sources.items():
        i = net.index(int(node))
        if i >= 0:
            src[0, i] += 1.0 if unit_currents and amps != 0 else amps
    for node, value in grounds.items():
        i = net.index(int(node))
        if i < 0:
            continue
        if direct_grounds and value != 0:
            gnd[0, i] = math.inf
        elif grounds_are_resistances:
            gnd[0, i] = math.inf if value == 0 else 1.0 / value
        else:
            gnd[0, i] = value
    volt, cur, _, solved = advanced(np.ones((1, n)), src, gnd, policy=policy,
                                    options=CircuitOptions(current_maps=True), graph=net.graph)
    return volt[0], cur[0] if cur is not None else np.zeros(n), solved


def _write_rows(path: str, rows: np.ndarray) -> Path:
    from habitatmap.corridors.circuitscape.files import format_value
    from habitatmap.io.atomic import write_text_atomic

    text = "".join(" ".join(format_value(float(v)) for v in r) + "\n" for r in rows)
    return write_text_atomic(path, text)


def read_node_values(path: Path, what: str) -> dict[int, float]:
    """``node value`` lines (sources, grounds) as a dict; repeated nodes add up."""
    rows = _rows(path, 2, what)
    out: dict[int, float] = {}
    for node, value in rows:
        out[int(node)] = out.get(int(node), 0.0) + float(value)
    return out


def run_network(cfg: Any, result: Any) -> Any:
    """Run a network-mode configuration and write Circuitscape's output files into ``result``."""
    import warnings

    from habitatmap.corridors.circuitscape.files import write_resistances
    from habitatmap.errors import HabitatmapWarning

    net = read_network(cfg.habitat_file, is_resistance=cfg.habitat_map_is_resistances)
    pre = cfg.prefix
    if cfg.scenario == "advanced":
        assert cfg.source_file is not None and cfg.ground_file is not None
        sources = read_node_values(cfg.source_file, "'node current'")
        grounds = read_node_values(cfg.ground_file, "'node value'")
        volt, cur, solved = network_advanced(
            net, sources, grounds, grounds_are_resistances=cfg.ground_file_is_resistances,
            policy=cfg.remove_src_or_gnd, unit_currents=cfg.use_unit_currents,
            direct_grounds=cfg.use_direct_grounds)
        if not solved:
            warnings.warn(f"{cfg.ini}: no connected component holds both a source and a ground; the "
                          "outputs are all zero.", HabitatmapWarning, stacklevel=2)
        everything = np.arange(net.graph.n_nodes)
        if cfg.write_volt_maps:
            result.files.append(_write_rows(f"{pre}_voltages.txt", np.column_stack([net.ids, volt])))
        if cfg.write_cur_maps:
            result.files.append(_write_rows(f"{pre}_node_currents.txt", np.column_stack([net.ids, cur])))
            result.files.append(_write_rows(f"{pre}branch_currents.txt",
                                            branch_currents(net, volt, everything)))
        return result
    assert cfg.point_file is not None
    focal = [int(v) for v in _rows(cfg.point_file, 1, "one focal node id")[:, 0]]
    missing = [f for f in focal if net.index(f) < 0]
    if missing:
        warnings.warn(f"{cfg.point_file}: focal node(s) {missing[:5]} are not in the graph; their "
                      "resistances are -1.", HabitatmapWarning, stacklevel=2)
    node_cum = np.zeros(net.graph.n_nodes)
    a, b, _ = net.graph.edges
    branch_cum = np.zeros(len(a))
    edge_index = {(int(x), int(y)): k for k, (x, y) in enumerate(zip(a, b, strict=True))}
    per_pair = cfg.write_cur_maps and not cfg.write_cum_cur_map_only

    def on_solve(s: NetworkSolve) -> None:
        tag = "_".join(str(i) for i in s.label)
        ids = net.ids[s.nodes]
        if cfg.write_volt_maps:
            result.files.append(_write_rows(f"{pre}_voltages_{tag}.txt", np.column_stack([ids, s.voltages])))
        if per_pair:
            result.files.append(_write_rows(f"{pre}_node_currents_{tag}.txt",
                                            np.column_stack([ids, s.node_currents])))
            result.files.append(_write_rows(f"{pre}_branch_currents_{tag}.txt", s.branch_currents))
        node_cum[s.nodes] += s.node_currents
        for ai, bi, c in s.branch_currents:
            branch_cum[edge_index[(net.index(int(ai)), net.index(int(bi)))]] += c

    ids, res = network_pairwise(net, focal, on_solve=on_solve if (cfg.write_volt_maps or cfg.current_maps)
                                else None)
    result.ids, result.resistances = ids, res
    result.files += write_resistances(pre, ids, res)
    if cfg.write_cur_maps or cfg.write_cum_cur_map_only:
        result.files.append(_write_rows(f"{pre}_node_currents_cum.txt", np.column_stack([net.ids, node_cum])))
        rows = np.column_stack([net.ids[a], net.ids[b], branch_cum])[branch_cum > 0]
        result.files.append(_write_rows(f"{pre}_branch_currents_cum.txt",
                                        rows[np.lexsort((rows[:, 1], rows[:, 0]))]))
    return result
