"""A Circuitscape .ini run as a composition: load inputs, solve, write (the verified cases are in
tests/integration/test_circuitscape_conformance.py)."""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.corridors.circuitscape.config import load_config
from habitatmap.corridors.circuitscape.run import (
    CircuitscapeInputs,
    RunResult,
    load_inputs,
    read_config,
    run_config,
    solve,
)
from habitatmap.errors import InputDataError

HEADER = "ncols 5\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value -9999\n"


def _case(tmp_path, habitat="1 1 1 1 1", extra=""):
    (tmp_path / "hab.asc").write_text(HEADER + habitat + "\n")
    (tmp_path / "pts.txt").write_text("1 0.5 0.5\n2 4.5 0.5\n")
    ini = tmp_path / "r.ini"
    ini.write_text("[x]\nscenario = pairwise\nhabitat_file = hab.asc\npoint_file = pts.txt\n"
                   "output_file = out.out\nconnect_four_neighbors_only = True\n"
                   "write_cur_maps = True\n" + extra)
    return ini


def test_strip_of_resistors(tmp_path):
    ini = _case(tmp_path)
    cfg = load_config(ini, base=tmp_path)
    inputs = load_inputs(cfg)
    assert isinstance(inputs, CircuitscapeInputs) and inputs.points.ids.tolist() == [1, 2]
    _ids, res, acc, adv = solve(cfg, inputs)
    assert res[0, 1] == pytest.approx(4.0) and adv is None and acc.count == 1
    result = run_config(ini, base=tmp_path)
    assert isinstance(result, RunResult) and result.scenario == "pairwise"
    names = sorted(p.name for p in result.files)
    assert names == ["out_cum_curmap.asc", "out_curmap_1_2.asc", "out_resistances.out",
                     "out_resistances_3columns.out"]
    assert read_config(ini)["scenario"] == "pairwise"
    assert np.loadtxt(tmp_path / "out_resistances.out")[1, 2] == pytest.approx(4.0)


def test_zero_and_negative_resistances_are_refused(tmp_path):
    with pytest.raises(InputDataError, match="resistance 0 in some cells"):
        load_inputs(load_config(_case(tmp_path, "1 0 1 1 1"), base=tmp_path))
    with pytest.raises(InputDataError, match="negative resistance in 1 cell"):
        load_inputs(load_config(_case(tmp_path, "1 -2 1 1 1"), base=tmp_path))
