"""``habitatmap grid``: the monitoring grid and stations from the demo's products; bad input is one
sentence."""

from __future__ import annotations

import geopandas as gpd

from habitatmap.cli.grid import make, stations


def test_grid_make_and_stations(cli, demo_run, root, tmp_path):
    out, _ = demo_run
    r = cli(
        "grid",
        "make",
        "--aoi",
        root / "workflows" / "tumen_aoi.geojson",
        "--cell-km",
        "5",
        "--zones",
        f"{out / 'zoning' / 'zoning.gpkg'}:levels",
        "--habitat",
        out / "habitat.tif",
        "--out",
        tmp_path / "g.gpkg",
    )
    assert r.exit_code == 0, r.stderr
    assert "ESRI:102025" in r.stdout and "5kmN" in r.stdout
    # The demo's 2 km grid and this 5 km grid share their origin: every 5 km corner is a 1 km corner.
    g5 = gpd.read_file(tmp_path / "g.gpkg", layer="cells")
    assert (g5["easting"] % 5000 == 0).all() and (g5["northing"] % 5000 == 0).all()
    r = cli(
        "grid",
        "stations",
        "--grid",
        tmp_path / "g.gpkg",
        "--per-cell",
        "2",
        "--habitat",
        "korean_pine_broadleaf_forest,oak_broadleaf_forest",
        "--min-spacing",
        "1500",
        "--out",
        tmp_path / "s.gpkg",
    )
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "s_deployments.csv").is_file() and callable(make) and callable(stations)


def test_bad_input_is_one_sentence(cli, root, tmp_path):
    r = cli(
        "grid",
        "make",
        "--aoi",
        root / "workflows" / "tumen_aoi.geojson",
        "--cell-km",
        "2",
        "--crs",
        "EPSG:32652",
        "--out",
        tmp_path / "g.gpkg",
    )
    assert r.exit_code == 2 and "not an equal-area" in r.stderr and "Traceback" not in r.stderr
    r = cli(
        "grid",
        "make",
        "--aoi",
        root / "workflows" / "tumen_aoi.geojson",
        "--cell-km",
        "2",
        "--out",
        tmp_path / "g.txt",
    )
    assert r.exit_code == 2 and "GeoPackage" in r.stderr
    r = cli(
        "grid",
        "stations",
        "--grid",
        tmp_path / "missing.gpkg",
        "--per-cell",
        "1",
        "--out",
        tmp_path / "s.gpkg",
    )
    assert r.exit_code == 2 and "missing.gpkg" in r.stderr
    assert not (tmp_path / "g.gpkg").exists() and not (tmp_path / "s.gpkg").exists()
