"""Circuitscape .ini files read into a configuration (no data read)."""

from __future__ import annotations

import pytest

from habitatmap.corridors.circuitscape.config import SCENARIOS, CircuitscapeConfig, load_config, read_config
from habitatmap.errors import ConfigError, InputDataError


def _ini(tmp_path, body: str):
    (tmp_path / "hab.asc").write_text("ncols 1\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\n1\n")
    (tmp_path / "pts.txt").write_text("1 0.5 0.5\n")
    p = tmp_path / "run.ini"
    p.write_text(body, encoding="utf-8")
    return p


BASE = ("[Circuitscape mode]\ndata_type = raster\nscenario = pairwise\n"
        "[Habitat raster]\nhabitat_file = hab.asc\n[Options]\npoint_file = pts.txt\n"
        "output_file = out.out\nwrite_cur_maps = True\n")


def test_read_and_load_config(tmp_path):
    ini = _ini(tmp_path, BASE)
    cfg = read_config(ini)
    assert cfg["scenario"] == "pairwise" and cfg["write_cur_maps"] == "True"
    c = load_config(ini, base=tmp_path)
    assert isinstance(c, CircuitscapeConfig) and c.prefix == str(tmp_path / "out")
    assert c.habitat_file == tmp_path / "hab.asc" and c.point_file == tmp_path / "pts.txt"
    assert c.current_maps and c.avg_resistances and not c.four_neighbors and c.mask_file is None
    assert {"pairwise", "advanced", "one-to-all", "all-to-one"} == SCENARIOS


@pytest.mark.parametrize(("change", "error", "message"), [
    (("scenario = pairwise", "scenario = sideways"), ConfigError, "scenario = sideways"),
    (("data_type = raster", "data_type = vector"), ConfigError, "set data_type = raster or network"),
    (("output_file = out.out", "output_file = "), ConfigError, "output_file is not set"),
    (("output_file = out.out", "output_file = no/such/out.out"), InputDataError, "output folder"),
    (("point_file = pts.txt", "point_file = none.txt"), InputDataError, "point_file none.txt does not exist"),
    (("habitat_file = hab.asc", "habitat_file = /vsizip/x.zip/h.asc"), InputDataError, "GDAL virtual"),
])
def test_config_errors(tmp_path, change, error, message):
    ini = _ini(tmp_path, BASE.replace(*change))
    with pytest.raises(error, match=message):
        load_config(ini, base=tmp_path)


def test_not_an_ini(tmp_path):
    p = tmp_path / "x.ini"
    p.write_text("just text\n")
    with pytest.raises(InputDataError, match=r"not a valid .ini file"):
        read_config(p)
    with pytest.raises(InputDataError, match="no such file"):
        read_config(tmp_path / "none.ini")
