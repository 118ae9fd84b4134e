"""An .ini run writes its project folder whole or not at all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from habitatmap.corridors.omniscape.ini import IniRun, load_ini, run_ini

SUITE = Path(__file__).resolve().parents[3] / "conformance" / "omniscape"


def test_paths_start_from_the_base_folder(tmp_path):
    shutil.copytree(SUITE / "input", tmp_path / "input")
    opts = load_ini(tmp_path / "input" / "config2.ini", base=tmp_path)
    assert opts.resistance_file == tmp_path / "input" / "resistance.asc"
    run = run_ini(tmp_path / "input" / "config2.ini", base=tmp_path)
    assert isinstance(run, IniRun)
    assert run.folder == tmp_path / "test2" and run.targets == 100
    assert [p.name for p in run.files] == ["config.ini", "cum_currmap.asc"]


def test_an_interrupted_run_leaves_no_project_folder(tmp_path, monkeypatch):
    shutil.copytree(SUITE / "input", tmp_path / "input")
    from habitatmap.corridors.omniscape import output

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(output, "_ascii_writer", fail)
    with pytest.raises(KeyboardInterrupt):
        run_ini(tmp_path / "input" / "config2.ini", base=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input"]
