"""``habitatmap demo``: the bundled sample workflow, end to end."""

from __future__ import annotations

import json
from pathlib import Path

from habitatmap.cli.demo import demo, print_findings
from tests.conftest import ROOT


def test_demo_is_a_command(cli):
    r = cli("demo", "--help")
    assert r.exit_code == 0 and demo.__doc__.split(".")[0][:30] in r.stdout.replace("\n", " ")
    assert callable(print_findings)


def test_demo_writes_outputs(demo_run):
    out, r = demo_run
    assert (out / "legend" / "habitat_legend_zh.qml").is_file()
    assert len(list((out / "legend").iterdir())) == 16
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    steps = summary["steps"]
    assert summary["synthetic_sample"] is True and len(steps["search"]["scenes"]) == 6
    # The demo is `run workflows/tumen.yaml`: one executor, its records, its catalog.
    assert (out / ".habitatmap" / "steps" / "classify.json").is_file() and (out / "catalog.json").is_file()
    assert prov["product"] == "workflow" and prov["schema"] == "habitatmap-provenance/1"
    parts = [p["product"] for p in prov["parts"]]
    assert parts[:4] == ["scenes.pull", "composite", "composite", "habitat.classify"]
    assert {"basemap", "corridors.leastcost", "corridors.circuit", "corridors.border"} <= set(parts)
    assert {o["path"] for o in prov["outputs"]} >= {"habitat.tif", "map.html", "leastcost/corridors.gpkg"}
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
            used = steps[f"composite:{season}"]["scenes"]
            assert len(ds.tags()["SCENES"].split(",")) == n_scenes == len(used)
            count = ds.read(11)
            assert count.max() <= n_scenes and (count > 0).mean() > 0.8
    assert str(out.resolve()) in r.stdout.replace("\n", "")
    assert "1:100000 sheet of the area's centre: K-52-46 / K52D004010" in r.stdout
    assert "overall 0.943 ± 0.013 (95 %, area-weighted, 1275 points)" in r.stdout  # as the README says
    import pyogrio

    layers = {n for n, _ in pyogrio.list_layers(out / "basemap.gpkg")}
    assert {"parks", "zones", "border", "sheets_sk42", "sheets_gbt13989", "habitats", "provenance"} <= layers
    assert steps["sheet"]["sheets"] == {"sk42": "K-52-46", "gbt13989": "K52D004010"}

    # Amur leopard corridors between the two parks' core zones, and the border crossings.
    assert steps["leastcost:amur_leopard"]["species"] == "amur_leopard"
    (link,) = steps["leastcost:amur_leopard"]["links"]
    assert link["linked"] and link["border_crossings"] >= 1 and link["cost_to_euclidean"] > 1
    (r_eff,) = steps["circuit:amur_leopard"]["effective_resistance"].values()
    assert r_eff > 0
    for f in ("resistance_amur_leopard.tif", "leastcost/corridors.gpkg", "leastcost/corridors.csv",
              "circuit/cum_current.tif", "circuit/resistances.csv", "border/border_segments.csv",
              "border/border.gpkg"):
        assert (out / f).is_file(), f
    assert "Corridors of amur_leopard between the core zones" in r.stdout

    # Both parks' zoning on the shared protection levels, and the border stretches that mismatch.
    z = steps["zoning"]
    assert {(row["country"], row["level"]) for row in z["levels"]} >= {("RUS", 1), ("CHN", 1), ("CHN", 3)}
    assert z["segments"] > 0 and 0 < z["mismatched"] < z["segments"]
    assert "Zoning on the shared protection levels" in r.stdout
    assert (out / "zoning" / "swipe.html").is_file() and (out / "zoning" / "zoning.gpkg").is_file()

    # One offline web map of everything, and the demo says how to open it.
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "Corridor current" in page and "Habitat map" in page
    assert "cdn.jsdelivr" not in page and "<script src=\"http" not in page
    assert "map.html in any web browser" in r.stdout.replace("\n", "")


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


