"""``habitatmap basemap`` (the library side is tested in tests/unit/basemap)."""

from __future__ import annotations

from habitatmap.cli.basemap import DEFAULT_MAPPING, basemap


def test_default_mapping_ships_with_the_package(cli, tmp_path):
    assert DEFAULT_MAPPING.is_file() and callable(basemap)
    r = cli("basemap", "--layer", tmp_path / "none.shp", "--out", tmp_path / "b.gpkg")
    assert r.exit_code == 2 and "no entry for layer 'none.shp'" in r.stderr
    r = cli("basemap", "--layer", tmp_path / "none.shp", "--out", tmp_path / "no" / "b.gpkg")
    assert r.exit_code == 2 and "does not exist" in r.stderr  # checked before any work
