"""``habitatmap omniscape CONFIG.ini`` (the cases themselves:
tests/integration/test_omniscape_conformance.py)."""

from __future__ import annotations

from pathlib import Path

from habitatmap.cli.omniscape import omniscape

SUITE = Path(__file__).resolve().parents[2] / "conformance" / "omniscape"


def test_runs_from_the_current_folder_and_reports(cli, tmp_path, monkeypatch):
    assert callable(omniscape)
    (tmp_path / "input").symlink_to(SUITE / "input")
    monkeypatch.chdir(tmp_path)
    r = cli("omniscape", "input/config_reclass.ini")
    assert r.exit_code == 0, r.output
    assert "91 targets" in r.stdout and "test_reclass" in r.stdout


def test_user_errors_are_one_sentence_with_exit_code_2(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.asc").write_text("ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n"
                                    "NODATA_value -9999\n"
                                    "1 2 0\n1 -9999 1\n", encoding="ascii")
    (tmp_path / "bad.ini").write_text("resistance_file = r.asc\nradius = 2\nproject_name = p\n"
                                      "source_from_resistance = true\n", encoding="utf-8")
    r = cli("omniscape", "bad.ini")
    assert r.exit_code == 2
    assert "r.asc: the resistance (or conductance) surface contains 0 or negative values" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "p").exists()
    (tmp_path / "bad.ini").write_text("resistance_file = r.asc\nproject_name = p\n", encoding="utf-8")
    r = cli("omniscape", "bad.ini")
    assert r.exit_code == 2 and "radius missing" in r.stderr
    r = cli("omniscape", "none.ini")
    assert r.exit_code == 2 and "none.ini: no such file" in r.stderr


def test_a_project_folder_that_cannot_be_made_is_one_sentence(cli, tmp_path, monkeypatch):
    (tmp_path / "input").symlink_to(SUITE / "input")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    ini = tmp_path / "run.ini"
    ini.write_text((SUITE / "input" / "config2.ini").read_text(encoding="utf-8")
                   .replace("project_name = test2", "project_name = taken/test2"), encoding="utf-8")
    r = cli("omniscape", ini)
    assert r.exit_code == 2 and "cannot create the project folder's parent" in r.stderr
    assert "Traceback" not in r.stderr
