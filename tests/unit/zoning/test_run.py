"""``run_compare`` end to end on the demo's base map, the mapping file, zoning over time."""

from __future__ import annotations

import json

import pytest

from habitatmap.errors import ConfigError
from habitatmap.legend.model import load_legend
from habitatmap.zoning.run import PRODUCT, ZoningRun, load_zoning_mapping, read_zones, run_compare
from habitatmap.zoning.table import load_zoning


def test_run_compare_on_the_demo(demo_run, tmp_path):
    out, _ = demo_run
    bm = out / "basemap.gpkg"
    run = run_compare([f"{bm}:zones"], tmp_path / "z", load_legend(), border=f"{bm}:border",
                      before=f"{bm}:zones", after=f"{bm}:zones")
    assert isinstance(run, ZoningRun) and "level_change.csv" in run.files and "+proj=laea" in run.crs
    # The same version twice: nothing changes level.
    import pandas as pd

    change = pd.read_csv(tmp_path / "z" / "level_change.csv")
    assert (change["from_level"] == change["to_level"]).all()
    prov = json.loads((tmp_path / "z" / "provenance.json").read_text())
    assert prov["product"] == PRODUCT and any(i["role"] == "zoning table" for i in prov["inputs"])
    # The demo's zoning step gave the same level areas.
    demo = pd.read_csv(out / "zoning" / "level_areas.csv")
    assert demo.equals(run.areas.reset_index(drop=True).astype(demo.dtypes.to_dict()))


def test_mapping_file(tmp_path, demo_run):
    out, _ = demo_run
    p = tmp_path / "m.yaml"
    p.write_text("zoning_mapping:\n  layers:\n    basemap.gpkg:zones: {zone_field: zone_national}\n"
                 "  values:\n    1: ru_np_zapovednaya\n", encoding="utf-8")
    m = load_zoning_mapping(p)
    assert m["values"] == {"1": "ru_np_zapovednaya"} and m["layers"]["basemap.gpkg:zones"]["zone_field"]
    zones, crs, _ = read_zones([f"{out / 'basemap.gpkg'}:zones"], load_zoning(), mapping=m)
    assert len(zones) and set(zones["level"]) <= {1, 2, 3, 4} and "+proj=laea" in crs
    p.write_text("zoning_mapping:\n  layers:\n    x.shp: {country: Russia}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"zoning_mapping.layers.'x.shp'.country: string should match"):
        load_zoning_mapping(p)
    p.write_text("other: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no top-level 'zoning_mapping'"):
        load_zoning_mapping(p)


def test_options_that_go_together(demo_run, tmp_path):
    out, _ = demo_run
    with pytest.raises(ConfigError, match="--before and --after go together"):
        run_compare([f"{out / 'basemap.gpkg'}:zones"], tmp_path / "z", load_legend(), before="x")
    with pytest.raises(ConfigError, match="need --habitat"):
        run_compare([f"{out / 'basemap.gpkg'}:zones"], tmp_path / "z", load_legend(), species="amur_leopard")
