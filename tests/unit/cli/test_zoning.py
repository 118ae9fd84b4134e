"""``habitatmap zoning``: the law table and the comparison; a zone value the table lacks is one sentence."""

from __future__ import annotations

import geopandas as gpd
import shapely

from habitatmap.cli.zoning import compare, table


def test_zoning_table(cli):
    r = cli("zoning", "table", "--country", "RUS", "--lang", "ru")
    assert r.exit_code == 0 and "ru_np_zapovednaya" in r.stdout and "cn_" not in r.stdout
    assert callable(table) and callable(compare)


def test_zoning_compare(cli, demo_run, tmp_path):
    out, _ = demo_run
    bm = out / "basemap.gpkg"
    r = cli("zoning", "compare", "--zones", f"{bm}:zones", "--border", f"{bm}:border", "--habitat",
            out / "habitat.tif", "--species", "amur_leopard", "--lang", "zh", "--out", tmp_path / "z")
    assert r.exit_code == 0, r.stderr
    assert "segments" in r.stdout and "mismatched" in r.stdout
    assert "保护等级" in (tmp_path / "z" / "report.md").read_text(encoding="utf-8")


def test_an_unknown_zone_value_is_one_sentence(cli, tmp_path):
    p = tmp_path / "zones.gpkg"
    gpd.GeoDataFrame({"country": ["RUS"], "zone_national": ["зона отдыха"]},
                     geometry=[shapely.box(130.7, 42.9, 130.71, 42.91)], crs="EPSG:4326").to_file(p)
    r = cli("zoning", "compare", "--zones", p, "--out", tmp_path / "z")
    assert r.exit_code == 2 and "zones.gpkg" in r.stderr and "'зона отдыха'" in r.stderr
    assert "--mapping" in r.stderr and "Traceback" not in r.stderr
    r = cli("zoning", "compare", "--zones", p, "--out", tmp_path / "z", "--mismatch-km", "nan")
    assert r.exit_code == 2
