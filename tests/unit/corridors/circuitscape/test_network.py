"""Network (graph) mode on graphs whose answers are known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.corridors.circuitscape.network import (
    RELATIVE_ZERO,
    Network,
    NetworkSolve,
    branch_currents,
    network_advanced,
    network_from_branches,
    network_pairwise,
    read_network,
    read_node_values,
    run_network,
)
from habitatmap.errors import ConfigError, InputDataError

# 1 -(1 ohm)- 2 -(1 ohm)- 3, and 1 -(2 ohm)- 3 beside it: 2 ohm parallel to 2 ohm = 1 ohm between 1
# and 3. Node 7 hangs off 3 (a dead end); 9 - 10 are an island.
GRAPH = "1 2 1\n2 3 1\n1 3 2\n3 7 4\n9 10 1\n"


@pytest.fixture()
def net(tmp_path):
    p = tmp_path / "g.txt"
    p.write_text(GRAPH)
    return read_network(p, is_resistance=True)


def test_read_network(net, tmp_path):
    assert isinstance(net, Network) and list(net.ids) == [1, 2, 3, 7, 9, 10]
    assert net.index(7) == 3 and net.index(8) == -1 and net.graph.n_components == 2
    p = tmp_path / "dup.txt"
    p.write_text("1 2 1\n1 2 1\n2 2 5\n")  # two 1 S branches add up; a self-loop carries nothing
    g = read_network(p, is_resistance=False)
    assert g.graph.laplacian[0, 1] == -2
    for text, message in (("1 2 x\n", "expected lines"), ("1.5 2 1\n", "expected lines"),
                          ("1 2 -1\n", "negative"), ("1 2 0\n", "no branch")):
        p.write_text(text)
        with pytest.raises(InputDataError, match=message):
            read_network(p, is_resistance=False)


def test_pairwise_by_hand(net):
    solves: list[NetworkSolve] = []
    ids, res = network_pairwise(net, [1, 3, 9, 4], on_solve=solves.append)
    assert list(ids) == [1, 3, 4, 9]
    assert res[0, 1] == pytest.approx(1.0) and res[0, 3] == -1 and res[2, 0] == -1  # 4 is not in the graph
    (s,) = solves
    assert s.label == (1, 3)
    volt = dict(zip(net.ids[s.nodes], s.voltages, strict=True))
    assert volt[1] == pytest.approx(0) and volt[3] == pytest.approx(1) and volt[2] == pytest.approx(0.5)
    assert volt[7] == pytest.approx(1)  # the dead end floats at its neighbour's voltage
    branches = {(int(a), int(b)): c for a, b, c in s.branch_currents}
    assert branches == pytest.approx({(1, 2): 0.5, (2, 3): 0.5, (1, 3): 0.5})  # no current to 7
    nodes = dict(zip(net.ids[s.nodes], s.node_currents, strict=True))
    assert nodes[1] == pytest.approx(1) and nodes[2] == pytest.approx(0.5) and nodes[7] == pytest.approx(0)
    assert 0 < RELATIVE_ZERO < 1e-6


def test_advanced_by_hand(net):
    volt, cur, solved = network_advanced(net, {1: 2.0}, {3: 0.0}, grounds_are_resistances=True)
    v = dict(zip(net.ids, volt, strict=True))
    assert solved and v[1] == pytest.approx(2.0) and v[3] == 0 and v[9] == 0  # 2 A through 1 ohm
    c = dict(zip(net.ids, cur, strict=True))
    assert c[1] == pytest.approx(2.0) and c[2] == pytest.approx(1.0)
    volt, _, _ = network_advanced(net, {1: 5.0}, {3: 0.5}, grounds_are_resistances=False, unit_currents=True)
    # 1 A through 1 ohm of network and a 0.5 S ground (2 ohm) to 0 V: 3 V at node 1.
    assert volt[net.index(1)] == pytest.approx(3.0)
    _, _, solved = network_advanced(net, {9: 1.0}, {3: 0.0}, grounds_are_resistances=True)
    assert not solved


def test_run_network_and_config(tmp_path, monkeypatch):
    from habitatmap.corridors.circuitscape.config import load_config
    from habitatmap.corridors.circuitscape.run import RunResult

    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.txt").write_text(GRAPH)
    (tmp_path / "f.txt").write_text("1\n3\n")
    (tmp_path / "out").mkdir()
    ini = tmp_path / "n.ini"
    ini.write_text("[x]\ndata_type = network\nscenario = pairwise\nhabitat_file = g.txt\n"
                   "habitat_map_is_resistances = True\npoint_file = f.txt\noutput_file = out/n.out\n"
                   "write_volt_maps = True\nwrite_cur_maps = True\n")
    result = run_network(load_config(ini), RunResult("pairwise"))
    names = {p.name for p in result.files}
    assert {"n_resistances.out", "n_voltages_1_3.txt", "n_node_currents_1_3.txt", "n_branch_currents_1_3.txt",
            "n_node_currents_cum.txt", "n_branch_currents_cum.txt"} <= names
    assert (tmp_path / "out" / "n_resistances.out").read_text().splitlines()[1] == "1 0 1"
    ini.write_text(ini.read_text().replace("scenario = pairwise", "scenario = one-to-all"))
    with pytest.raises(ConfigError, match="is for raster data; network data runs pairwise or advanced"):
        load_config(ini)


def test_node_values_add_up_per_node(tmp_path):
    p = tmp_path / "src.txt"
    p.write_text("1 0.5\n2 1\n1 0.25\n", encoding="utf-8")
    assert read_node_values(p, "'node amps'") == {1: 0.75, 2: 1.0}
    p.write_text("1 x\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="'node amps'"):
        read_node_values(p, "'node amps'")


def test_branches_add_up_and_branch_currents_are_listed_once():
    net = network_from_branches(np.array([1, 2, 2, 3]), np.array([2, 3, 3, 3]),
                                np.array([1.0, 2.0, 2.0, 5.0]), is_resistance=True, source="t")
    assert net.ids.tolist() == [1, 2, 3]
    # 2-3 twice at 2 ohm: 1 S; the self-loop 3-3 carries nothing.
    assert net.graph.laplacian.toarray()[1, 2] == pytest.approx(-1.0)
    rows = branch_currents(net, np.array([3.0, 2.0, 0.0]), np.arange(3))
    assert rows.tolist() == [[1.0, 2.0, 1.0], [2.0, 3.0, 2.0]]
    with pytest.raises(InputDataError, match="no branch with a positive conductance"):
        network_from_branches(np.array([1]), np.array([1]), np.array([1.0]), is_resistance=True, source="t")
