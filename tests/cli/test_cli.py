"""The command-line interface, in-process and as the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from habitatmap import __version__

from ..conftest import LEGEND, ROOT

BIN = Path(sys.executable).parent / "habitatmap"


def _commands(group, prefix=()):
    import typer.main

    cmd = typer.main.get_command(group) if not hasattr(group, "commands") else group
    for name, sub in cmd.commands.items():
        path = (*prefix, name)
        yield path, sub
        if hasattr(sub, "commands"):
            yield from _commands(sub, path)


def test_version_and_help(cli):
    r = cli("--version")
    assert r.exit_code == 0 and __version__ in r.stdout
    r = cli("--help")
    assert r.exit_code == 0 and "legend" in r.stdout and "demo" in r.stdout


def test_every_command_has_help_with_an_example(cli):
    from habitatmap.cli import app

    paths = [p for p, _ in _commands(app)]
    assert ("legend", "show") in paths and ("legend", "export") in paths
    for path in paths:
        r = cli(*path, "--help")
        assert r.exit_code == 0, path
        assert "Example" in r.stdout, f"no example in help of {' '.join(path)}"


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


def test_scenes_list(cli, sample_dir):
    r = cli("scenes", "list", sample_dir / "stac" / "catalog.json")
    assert r.exit_code == 0
    assert "LE07_L2SP_115030_20210614_02_T1" in r.stdout.replace("\n", "").replace("│", "")
    assert "landsat-9" in r.stdout
    r = cli("scenes", "list", sample_dir / "stac")  # a folder holding catalog.json is accepted
    assert r.exit_code == 0 and "6 scenes" in r.stdout
    r = cli("scenes", "list", sample_dir)
    assert r.exit_code == 2 and "no STAC catalog found" in r.stderr
    r = cli("scenes", "list", sample_dir / "metadata.json")
    assert r.exit_code == 2 and "not a readable STAC" in r.stderr


def test_demo_writes_outputs(demo_run):
    out, r = demo_run
    assert (out / "legend" / "habitat_legend_zh.qml").is_file()
    assert len(list((out / "legend").iterdir())) == 16
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["inputs"]["synthetic"] is True and len(prov["inputs"]["stac_items"]) == 6
    scenes = json.loads((out / "items.json").read_text(encoding="utf-8"))
    assert len(scenes["features"]) == 6
    for feature in scenes["features"]:  # assets must resolve from out/, outside the catalog
        for asset in feature["assets"].values():
            assert Path(asset["href"]).is_absolute() and Path(asset["href"]).is_file()
        assert not any(ln["rel"] in {"root", "parent"} for ln in feature["links"])
    manifest = json.loads((out / "scenes" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["scenes"]) == 6 and manifest["failed"] == []
    import rasterio

    for season, n_scenes in (("summer", 3), ("autumn", 3)):
        with rasterio.open(out / f"composite_{season}.tif") as ds:
            assert ds.descriptions == ("blue", "green", "red", "nir08", "swir16", "swir22",
                                       "ndvi", "ndwi", "nbr", "ndmi", "clear_count")
            used = prov["composites"][season]["scenes"]
            assert len(ds.tags()["SCENES"].split(",")) == n_scenes == len(used)
            count = ds.read(11)
            assert count.max() <= n_scenes and (count > 0).mean() > 0.8
    assert str(out.resolve()) in r.stdout.replace("\n", "")
    assert "1:100000 sheet of the area's centre: K-52-46 / K52D004010" in r.stdout
    import pyogrio

    layers = {n for n, _ in pyogrio.list_layers(out / "basemap.gpkg")}
    assert {"parks", "zones", "border", "sheets_sk42", "sheets_gbt13989", "habitats", "provenance"} <= layers
    assert prov["sheets_of_area_centre"] == {"sk42": "K-52-46", "gbt13989": "K52D004010"}

    # Amur leopard corridors between the two parks' core zones, and the border crossings.
    corr = prov["corridors"]
    assert corr["species"] == "amur_leopard"
    (link,) = corr["leastcost"]
    assert link["linked"] and link["border_crossings"] >= 1 and link["cost_to_euclidean"] > 1
    (r_eff,) = corr["effective_resistance"].values()
    assert r_eff > 0
    for f in ("resistance_amur_leopard.tif", "leastcost/corridors.gpkg", "leastcost/corridors.csv",
              "circuit/cum_current.tif", "circuit/resistances.csv", "border/border_segments.csv",
              "border/border.gpkg"):
        assert (out / f).is_file(), f
    assert "Corridors of amur_leopard between the core zones" in r.stdout

    # One offline web map of everything, and the demo says how to open it.
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "Corridor current" in page and "Habitat map" in page
    assert "cdn.jsdelivr" not in page and "<script src=\"http" not in page
    assert "map.html in any web browser" in r.stdout.replace("\n", "")


def test_unwritable_output_is_one_sentence(cli):
    # /proc refuses new files even for root, unlike a chmod-ed folder.
    if not Path("/proc/self").exists():
        pytest.skip("needs Linux /proc for a folder nobody can write to")
    r = cli("legend", "export", "-f", "json", "-o", "/proc/l.json")
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    assert "/proc/l.json: cannot create files in /proc" in r.stderr.replace("\n", "")


def test_demo_refuses_tampered_sample(cli, tmp_path):
    import shutil

    sample = tmp_path / "sample_data" / "tumen"
    shutil.copytree(ROOT / "sample_data" / "tumen", sample)
    (sample / "boundaries" / "border_wgs84.geojson").write_text("{}", encoding="utf-8")
    wf = tmp_path / "workflows" / "t.yaml"
    wf.parent.mkdir()
    wf.write_text((ROOT / "workflows" / "tumen.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    r = cli("demo", "--out", tmp_path / "out", "--workflow", wf)
    assert r.exit_code == 2
    assert "border_wgs84.geojson: contents differ from metadata.json" in r.stderr


def test_console_script_and_shim():
    r = subprocess.run([str(BIN), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and __version__ in r.stdout
    r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "legend", "show", "--lang", "mn"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "Мануул" in r.stdout
    r = subprocess.run([str(BIN), "--legend", "/nonexistent.yaml", "legend", "show"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "legend file not found" in r.stderr and "Traceback" not in r.stderr


def test_sheets_locate_and_grid(cli, root, tmp_path):
    r = cli("sheets", "locate", "130.36", "42.87")
    assert r.exit_code == 0, r.stderr
    assert "K-52-45" in r.stdout and "K52D004009" in r.stdout
    assert "43°00'00\"N 130°00'00\"E" in r.stdout and "Pulkovo 1942 to WGS 84 (20)" in r.stdout
    r = cli("sheets", "grid", "--aoi", root / "workflows" / "tumen_aoi.geojson", "--out", tmp_path / "s.gpkg")
    assert r.exit_code == 0, r.stderr
    import geopandas as gpd

    sk = gpd.read_file(tmp_path / "s.gpkg", layer="sheets_sk42")
    gb = gpd.read_file(tmp_path / "s.gpkg", layer="sheets_gbt13989")
    assert sk.crs.to_epsg() == 32652 and sk["code"].tolist() == ["K-52-34", "K-52-46"]
    assert gb["code"].tolist() == sk["other_code"].tolist()
    assert sk["operation"].iloc[0].count("Pulkovo 1942 to WGS 84 (20)") == 1
    r = cli("sheets", "locate", "43.0", "131.0")
    assert r.exit_code == 2 and "longitude first" in r.stderr
