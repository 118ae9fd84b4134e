"""Circuit theory on patch graphs: series and parallel resistors by hand, the least-cost table as input."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from habitatmap.corridors.graph import PRODUCT, GraphRun, read_graph, run_graph_circuit
from habitatmap.errors import ConfigError, InputDataError


def _rows(path):
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def test_series_and_parallel_resistances_and_centrality(tmp_path):
    table = tmp_path / "g.csv"
    # 1 -(1)- 2 -(2)- 3, and 2 -(2)- 3 again in parallel (so 2-3 is 1 ohm); 4 alone with 5.
    table.write_text("node_a,node_b,resistance\n1,2,1\n2,3,2\n3,2,2\n4,5,7\n", encoding="utf-8")
    run = run_graph_circuit(table, tmp_path / "out")
    assert isinstance(run, GraphRun) and run.ids.tolist() == [1, 2, 3, 4, 5]
    r = run.resistances
    assert r[0, 1] == pytest.approx(1.0) and r[1, 2] == pytest.approx(1.0) and r[0, 2] == pytest.approx(2.0)
    assert r[3, 4] == pytest.approx(7.0) and r[0, 3] == -1
    # Node 2 carries the current of every pair it lies on or ends: (1,2), (2,3), (1,3): 3 A in all.
    cur = {int(row["node"]): float(row["current"]) for row in _rows(tmp_path / "out" / "node_currents.csv")}
    assert cur[2] == pytest.approx(3.0) and cur[1] == pytest.approx(2.0) and cur[4] == pytest.approx(1.0)
    branches = _rows(tmp_path / "out" / "branch_currents.csv")
    assert {(int(b["node_a"]), int(b["node_b"])) for b in branches} == {(1, 2), (2, 3), (4, 5)}
    assert sorted(run.files) == ["branch_currents.csv", "node_currents.csv", "provenance.json",
                                 "resistance_matrix.csv", "resistances.csv"]
    assert PRODUCT in (tmp_path / "out" / "provenance.json").read_text(encoding="utf-8")


def test_the_least_cost_table_is_a_patch_graph(tmp_path):
    table = tmp_path / "corridors.csv"
    table.write_text("core_a,name_a,core_b,name_b,linked,lcd\n1,West,2,East,True,300\n2,East,3,North,True,100\n"
                     "1,West,3,North,False,\n", encoding="utf-8")
    net, names = read_graph(table)
    assert names == {1: "West", 2: "East", 3: "North"} and net.graph.n_nodes == 3
    run = run_graph_circuit(table, tmp_path / "o", focal=[1, 3])
    rows = _rows(tmp_path / "o" / "resistances.csv")
    assert rows == [{"node_a": "1", "name_a": "West", "node_b": "3", "name_b": "North",
                     "effective_resistance": "400"}]
    assert run.names[2] == "East"


def test_advanced_mode_on_a_graph(tmp_path):
    table = tmp_path / "g.txt"
    table.write_text("1 2 1\n2 3 2\n", encoding="utf-8")  # Circuitscape's format: resistances
    run = run_graph_circuit(table, tmp_path / "adv", mode="advanced", sources={1: 1.0}, grounds={3: np.inf})
    volts = {int(r["node"]): float(r["voltage"]) for r in _rows(tmp_path / "adv" / "voltages.csv")}
    assert volts == pytest.approx({1: 3.0, 2: 2.0, 3: 0.0})
    assert run.node_current is not None and run.node_current.tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_bad_graphs_are_one_sentence(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,z\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="needs two node columns"):
        read_graph(bad)
    bad.write_text("node_a,node_b,resistance\n1,two,3\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="line 2"):
        read_graph(bad)
    bad.write_text("node_a,node_b,resistance\n1,2,-3\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="finite and 0 or more"):
        read_graph(bad)
    with pytest.raises(ConfigError, match="pairwise or advanced"):
        run_graph_circuit(bad, tmp_path / "x", mode="one-to-all")
    with pytest.raises(ConfigError, match="needs sources and grounds"):
        run_graph_circuit(bad, tmp_path / "x", mode="advanced")
    with pytest.raises(InputDataError, match="not found"):
        read_graph(tmp_path / "none.csv")
