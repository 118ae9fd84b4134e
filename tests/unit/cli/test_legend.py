"""``habitatmap legend``: show, check, export."""

from __future__ import annotations

import pytest
import yaml

from habitatmap.cli.legend import check, export, show
from tests.conftest import LEGEND


def test_commands_are_the_documented_ones(cli):
    for fn, name in ((show, "show"), (check, "check"), (export, "export")):
        r = cli("legend", name, "--help")
        assert r.exit_code == 0 and fn.__doc__.splitlines()[0][:40] in r.stdout.replace("\n", " ")


def test_legend_show_in_chinese(cli):
    r = cli("legend", "show", "--lang", "zh")
    assert r.exit_code == 0
    assert "红松阔叶混交林" in r.stdout and "远东豹" in r.stdout


def test_legend_show_unknown_language_is_a_user_error(cli):
    r = cli("legend", "show", "--lang", "de")
    assert r.exit_code == 2
    assert "unknown language 'de'" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("fmt", ["qml", "sld", "clr", "json"])
def test_legend_export(cli, tmp_path, fmt):
    out = tmp_path / f"legend.{fmt}"
    r = cli("legend", "export", "--format", fmt, "--lang", "ru", "--out", out)
    assert r.exit_code == 0, r.stderr
    assert "Кедрово-широколиственный лес" in out.read_text(encoding="utf-8")


def test_bad_legend_exits_2_with_one_sentence(cli, tmp_path):
    data = yaml.safe_load(LEGEND.read_text(encoding="utf-8"))
    data["classes"][11]["resistance"]["amur_tiger"]["value"] = 0
    bad = tmp_path / "bad_legend.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = cli("--legend", bad, "legend", "show")
    assert r.exit_code == 2
    err = r.stderr.strip()
    assert str(bad) in err and "class 'wetland' (code 51)" in err and "amur_tiger" in err
    assert "Traceback" not in err and len(err.splitlines()) <= 3  # one sentence, maybe wrapped
    r = cli("--debug", "--legend", bad, "legend", "check")
    assert r.exit_code == 2 and "Traceback" in r.stderr


def test_legend_check(cli, tmp_path):
    r = cli("legend", "check")
    assert r.exit_code == 0 and "valid legend" in r.stdout
    r = cli("legend", "check", tmp_path / "missing.yaml")
    assert r.exit_code == 2 and "legend file not found" in r.stderr


def test_export_into_missing_folder(cli, tmp_path):
    r = cli("legend", "export", "-f", "qml", "-o", tmp_path / "no" / "x.qml")
    assert r.exit_code == 2 and "does not exist" in r.stderr


