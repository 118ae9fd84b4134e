"""``habitatmap sheets`` and ``habitatmap sheet-map``."""

from __future__ import annotations

from habitatmap.cli.sheets import grid_cmd, locate_cmd, sheet_map


def test_the_commands(cli):
    assert callable(grid_cmd) and callable(locate_cmd) and callable(sheet_map)
    r = cli("sheets", "locate", "131.25", "43.1667", "--crs", "nonsense")
    assert r.exit_code == 2 and "--crs 'nonsense': not a coordinate reference system" in r.stderr


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



