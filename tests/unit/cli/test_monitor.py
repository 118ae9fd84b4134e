"""``habitatmap monitor``: merge, summary and density of the demo's synthetic survey; bad input is one
sentence that loses nothing."""

from __future__ import annotations

import json

import pandas as pd

from habitatmap.cli.monitor import density, merge, summary


def test_merge_summary_density(cli, demo_run, tmp_path):
    out, _ = demo_run
    mon = out / "monitoring"
    r = cli(
        "monitor",
        "merge",
        mon / "survey" / "RUS",
        mon / "survey" / "CHN",
        "--sides",
        "RUS,CHN",
        "--grid",
        mon / "grid.gpkg",
        "--share",
        "--out",
        tmp_path / "shared",
    )
    assert r.exit_code == 0, r.stderr
    assert "rounded to 2 decimal places for Panthera pardus orientalis" in r.stdout
    dep = pd.read_csv(tmp_path / "shared" / "deployments.csv")
    assert dep["cell_id"].str.startswith("2kmN").all() and (dep["coordinateUncertainty"] > 600).all()
    assert json.loads((tmp_path / "shared" / "datapackage.json").read_text())["coordinatePrecision"] == 0.01
    r = cli(
        "monitor",
        "summary",
        mon / "joint",
        "--grid",
        mon / "grid.gpkg",
        "--lang",
        "zh",
        "--out",
        tmp_path / "s",
    )
    assert r.exit_code == 0, r.stderr
    assert "相机日" in (tmp_path / "s" / "report.md").read_text(encoding="utf-8")
    r = cli(
        "monitor",
        "density",
        mon / "joint",
        "--species",
        "Panthera pardus orientalis",
        "--habitat-map",
        out / "habitat.tif",
        "--habitat",
        "korean_pine_broadleaf_forest,oak_broadleaf_forest,spruce_fir_forest",
        "--buffer",
        "6000",
        "--detectfn",
        "hhn",
        "--out",
        tmp_path / "d",
    )
    assert r.exit_code == 0, r.stderr
    assert "per 100 km²" in r.stdout and (tmp_path / "d" / "secr_capt.txt").is_file()
    assert callable(merge) and callable(summary) and callable(density)


def test_bad_input_is_one_sentence(cli, demo_run, tmp_path):
    out, _ = demo_run
    mon = out / "monitoring"
    keep = tmp_path / "d"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    r = cli(
        "monitor",
        "density",
        mon / "joint",
        "--species",
        "Panthera uncia",
        "--habitat-map",
        out / "habitat.tif",
        "--out",
        keep,
    )
    assert r.exit_code == 2 and "no identified individual of 'Panthera uncia'" in r.stderr
    assert "Traceback" not in r.stderr and (keep / "notes.txt").read_text() == "mine"
    r = cli("monitor", "merge", mon / "survey" / "RUS", tmp_path, "--out", tmp_path / "m")
    assert r.exit_code == 2 and "datapackage.json" in r.stderr
    r = cli(
        "monitor",
        "merge",
        mon / "survey" / "RUS",
        mon / "survey" / "CHN",
        "--sides",
        "RUS",
        "--out",
        tmp_path / "m",
    )
    assert r.exit_code == 2 and "--sides" in r.stderr
    r = cli("monitor", "merge", mon / "survey" / "RUS", mon / "survey" / "CHN", "--timezone", "Mars/Base",
            "--out", tmp_path / "m")
    assert r.exit_code == 2 and "not an IANA time zone" in r.stderr and "Traceback" not in r.stderr
    r = cli("monitor", "summary", tmp_path, "--out", tmp_path / "s")
    assert r.exit_code == 2 and "datapackage.json" in r.stderr
