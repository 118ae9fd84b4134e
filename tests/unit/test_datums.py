"""Agency datum parameter files: checked values, sentences for bad files, the PROJ step."""

from __future__ import annotations

import pytest

from habitatmap.datums import DatumParams, helmert_step, load_datum_params
from habitatmap.errors import ConfigError

GOOD = ("datum: EPSG:4214\nto: WGS 84\nmethod: coordinate_frame\ntx: 12\nty: -130.3\ntz: 54.8\n"
        "rx: 0.1\nry: 0\nrz: 0\nds: 1\narea: [129, 41, 132, 44]\nsource: bureau set\n")


def test_loads_a_set_and_resolves_an_epsg_datum(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(GOOD)
    params = load_datum_params(p)
    assert isinstance(params, DatumParams)
    assert params.datum == "Beijing 1954" and params.tx == 12.0 and params.area == (129, 41, 132, 44)
    assert params.matches("Beijing 1954") and not params.matches("Xian 1980")
    assert params.covers((130, 42, 131, 43)) and not params.covers((120, 42, 131, 43))
    assert params.to_dict()["source"] == "bureau set"


@pytest.mark.parametrize("edit, message", [
    (("tx: 12", "tx: .nan"), "tx"),
    (("rx: 0.1", "rx: 500"), "rx"),
    (("method: coordinate_frame", "method: molodensky"), "method"),
    (("source: bureau set\n", ""), "source"),
    (("area: [129, 41, 132, 44]", "area: [132, 41, 129, 44]"), "area"),
    (("datum: EPSG:4214", "datum: EPSG:99999999"), "datum"),
    (("tx: 12", "tx: [1, 2]"), "tx"),
])
def test_bad_files_are_one_sentence(tmp_path, edit, message):
    p = tmp_path / "p.yaml"
    p.write_text(GOOD.replace(*edit))
    with pytest.raises(ConfigError, match=message) as err:
        load_datum_params(p)
    assert str(p) in str(err.value) and "\n" not in str(err.value)


def test_helmert_step_inverse_and_axis_order(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(GOOD)
    params = load_datum_params(p)
    fwd = helmert_step(params, 6378245.0, 298.3)
    assert "+proj=helmert +x=12.0" in fwd and "+convention=coordinate_frame" in fwd
    inv = helmert_step(params, 6378245.0, 298.3, inverse=True, lat_first=True)
    assert "+inv +proj=helmert" in inv and inv.count("axisswap") == 2


def test_cli_datum_params_option(tmp_path, cli):
    """Beijing 1954 coordinates are refused without the agency's set and moved with it; the
    operation printed names the set."""
    p = tmp_path / "bj54.yaml"
    p.write_text("datum: Beijing 1954\nto: WGS 84\nmethod: coordinate_frame\ntx: -12.7\nty: 130.3\n"
                 "tz: 54.8\nsource: test set\n")
    args = ("sheets", "locate", "22549000", "4741000", "--crs", "EPSG:21422")
    r = cli(*args)
    assert r.exit_code == 2 and "--datum-params FILE" in r.stderr
    r = cli("--datum-params", str(p), *args)
    assert r.exit_code == 0 and "K-52-44" in r.stdout and "from --datum-params" in r.stdout
    r = cli("--datum-params", str(tmp_path / "missing.yaml"), *args)
    assert r.exit_code == 2 and "missing.yaml: datum parameter file not found" in r.stderr
