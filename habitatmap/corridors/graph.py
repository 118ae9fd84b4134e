"""Circuit theory on a graph of habitat patches (Circuitscape's network mode, as a product).

A patch graph has the core areas as nodes and the links between them as branches. It comes as the
corridor table of ``corridors leastcost`` (``core_a, core_b, lcd``: the least-cost distance of each
linked pair is the branch's resistance, as Linkage Mapper's Centrality Mapper runs Circuitscape),
as any CSV with two node columns and a ``resistance`` or ``conductance`` column, or as a Circuitscape
graph file (``node node value`` lines). Pairwise mode gives the effective resistance between every
pair of focal nodes and the current each patch and link carries summed over the pairs (current-
flow centrality); advanced mode the voltages and currents for given sources and grounds.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from habitatmap.corridors.circuitscape.network import (
    Network,
    NetworkSolve,
    branch_currents,
    network_advanced,
    network_from_branches,
    network_pairwise,
    read_network,
)
from habitatmap.errors import ConfigError, InputDataError
from habitatmap.provenance import Provenance

__all__ = ["PRODUCT", "GraphRun", "read_graph", "run_graph_circuit"]

PRODUCT = "corridors.circuit.network"
_NODE_COLUMNS = (("core_a", "core_b"), ("node_a", "node_b"), ("from", "to"), ("a", "b"))


@dataclass
class GraphRun:
    """What :func:`run_graph_circuit` wrote and found."""

    out: Path
    mode: str
    ids: np.ndarray
    names: dict[int, str] = field(default_factory=dict)
    resistances: np.ndarray | None = None
    node_current: np.ndarray | None = None
    files: list[str] = field(default_factory=list)


def read_graph(path: str | os.PathLike[str], *, conductance: bool = False) -> tuple[Network, dict[int, str]]:
    """A patch graph from a CSV table (with a header) or a Circuitscape graph file, and node names.

    A CSV needs two node-id columns (``core_a``/``core_b`` as ``corridors leastcost`` writes them, or
    ``node_a``/``node_b``, ``from``/``to``) and a value column: ``lcd`` or ``resistance`` (or
    ``conductance``). Rows with ``linked`` false are left out; ``name_a``/``name_b`` name the nodes.

    Raises
    ------
    InputDataError
        A missing file, missing columns, non-integer ids or bad values (naming the row).
    """
    p = Path(path)
    if not p.is_file():
        raise InputDataError(f"{p}: graph file not found; give a corridor table or a graph file.")
    if p.suffix.lower() != ".csv":
        return read_network(p, is_resistance=not conductance), {}
    from habitatmap.io.text import read_text

    rows = list(csv.DictReader(read_text(p, what="graph table", gz=False).splitlines()))
    header = set(rows[0]) if rows else set()
    pair = next((c for c in _NODE_COLUMNS if set(c) <= header), None)
    value = next((c for c in ("lcd", "resistance", "conductance") if c in header), None)
    if pair is None or value is None:
        raise InputDataError(f"{p}: needs two node columns (core_a and core_b, or node_a and node_b) and "
                             "an lcd, resistance or conductance column; fix the header.")
    a, b, v, names = [], [], [], {}
    for k, row in enumerate(rows, start=2):
        if str(row.get("linked", "true")).strip().lower() in ("false", "0", "no"):
            continue
        try:
            ia, ib, val = int(row[pair[0]]), int(row[pair[1]]), float(row[value])
        except (TypeError, ValueError):
            raise InputDataError(f"{p}, line {k}: node ids must be integers and {value} a number; fix the "
                                 "row.") from None
        a.append(ia)
        b.append(ib)
        v.append(val)
        for side, i in (("name_a", ia), ("name_b", ib)):
            if row.get(side):
                names[i] = row[side]
    is_res = value != "conductance" and not conductance
    net = network_from_branches(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64),
                                np.array(v, dtype=float), is_resistance=is_res, source=str(p))
    return net, names


def _csv_text(rows: list[list[object]]) -> str:
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def run_graph_circuit(graph: str | os.PathLike[str], out: str | os.PathLike[str], *, mode: str = "pairwise",
                      focal: list[int] | None = None, sources: dict[int, float] | None = None,
                      grounds: dict[int, float] | None = None, conductance: bool = False) -> GraphRun:
    """Circuit theory on a patch graph; writes CSV results and ``provenance.json`` into ``out``.

    Pairwise writes ``resistances.csv`` (every focal pair; -1 between components),
    ``resistance_matrix.csv``, ``node_currents.csv`` and ``branch_currents.csv`` (summed over the
    pairs, 1 A each); advanced writes ``voltages.csv``, ``node_currents.csv`` and
    ``branch_currents.csv``.

    Parameters
    ----------
    graph
        Corridor table, CSV graph or Circuitscape graph file (see :func:`read_graph`).
    out
        Output folder (kept: only this product's files are replaced).
    mode
        ``pairwise`` or ``advanced``.
    focal
        Pairwise: the focal node ids (default: every node).
    sources, grounds
        Advanced: amps and ground conductances (``inf`` for a direct ground) by node id.
    conductance
        The graph file's values are conductances.
    """
    from habitatmap.io.atomic import OutputFolder

    if mode not in ("pairwise", "advanced"):
        raise ConfigError(f"--mode {mode!r}: a graph runs in pairwise or advanced mode (as Circuitscape's "
                          "network mode); choose one.")
    if mode == "advanced" and (not sources or not grounds):
        raise ConfigError("advanced mode on a graph needs sources and grounds; give --sources and --grounds "
                          "files of 'node value' lines.")
    net, names = read_graph(graph, conductance=conductance)
    record = Provenance(PRODUCT, parameters={"mode": mode, "focal": focal, "conductance": conductance})
    record.add_input("graph", graph, nodes=len(net.ids))
    run = GraphRun(Path(out), mode, net.ids, names)
    with OutputFolder(out, product=PRODUCT) as folder:
        stage = folder.staging
        a, b, _ = net.graph.edges
        if mode == "advanced":
            assert sources and grounds
            volt, cur, _ = network_advanced(net, sources, grounds, grounds_are_resistances=False)
            branches = branch_currents(net, volt, np.arange(net.graph.n_nodes))
            (stage / "voltages.csv").write_text(_csv_text(
                [["node", "name", "voltage"]]
                + [[int(i), names.get(int(i), ""), f"{v:.10g}"] for i, v in zip(net.ids, volt, strict=True)]),
                encoding="utf-8")
            run.node_current = cur
        else:
            nodes = sorted(set(focal)) if focal else [int(i) for i in net.ids]
            node_cum = np.zeros(net.graph.n_nodes)
            edge_index = {(int(x), int(y)): k for k, (x, y) in enumerate(zip(a, b, strict=True))}
            branch_cum = np.zeros(len(a))

            def on_solve(s: NetworkSolve) -> None:
                node_cum[s.nodes] += s.node_currents
                for ai, bi, c in s.branch_currents:
                    branch_cum[edge_index[(net.index(int(ai)), net.index(int(bi)))]] += c

            ids, res = network_pairwise(net, nodes, on_solve=on_solve)
            run.ids, run.resistances, run.node_current = ids, res, node_cum
            cur = node_cum
            rows: list[list[object]] = [["node_a", "name_a", "node_b", "name_b", "effective_resistance"]]
            rows += [[int(ids[i]), names.get(int(ids[i]), ""), int(ids[j]), names.get(int(ids[j]), ""),
                      f"{res[i, j]:.10g}"] for i in range(len(ids)) for j in range(i + 1, len(ids))]
            (stage / "resistances.csv").write_text(_csv_text(rows), encoding="utf-8")
            matrix = [["node", *[int(i) for i in ids]]]
            matrix += [[int(i), *[f"{v:.10g}" for v in res[k]]] for k, i in enumerate(ids)]
            (stage / "resistance_matrix.csv").write_text(_csv_text(matrix), encoding="utf-8")
            keep = branch_cum > 0
            branches = np.column_stack([net.ids[a][keep], net.ids[b][keep], branch_cum[keep]])
            run.files += ["resistances.csv", "resistance_matrix.csv"]
        (stage / "node_currents.csv").write_text(_csv_text(
            [["node", "name", "current"]] + [[int(i), names.get(int(i), ""), f"{c:.10g}"]
                                             for i, c in zip(net.ids, cur, strict=True)]), encoding="utf-8")
        (stage / "branch_currents.csv").write_text(_csv_text(
            [["node_a", "node_b", "current"]] + [[int(x), int(y), f"{c:.10g}"] for x, y, c in branches]),
            encoding="utf-8")
        run.files += (["voltages.csv"] if mode == "advanced" else [])
        run.files += ["node_currents.csv", "branch_currents.csv"]
        folder.set_record(record)
    run.files.append("provenance.json")
    return run
