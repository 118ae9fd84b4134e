"""``habitatmap scenes``: search, list, pull (over HTTP in tests/integration/test_scenes_http.py)."""

from __future__ import annotations

import pytest

from habitatmap.cli.scenes import area_option, list_scenes, pull, scenes_table, search
from habitatmap.errors import ConfigError


def test_area_option_and_table():
    assert area_option(None, "130.6,42.85,130.85,43.02").crs == "EPSG:4326"
    with pytest.raises(ConfigError, match="exactly one of --aoi FILE or --bbox"):
        area_option(None, None)
    from habitatmap.scenes.items import SceneSummary

    table = scenes_table([SceneSummary("id1", "2021-06-14T02:00:00", "landsat-7", 6.0, "115", "030")], "t")
    assert table.row_count == 1 and callable(search) and callable(pull) and callable(list_scenes)


def test_search_and_pull_errors(cli, sample_dir, tmp_path):
    r = cli("scenes", "search", "--stac", sample_dir / "stac", "--bbox", "1,2,3", "--out",
            tmp_path / "i.json")
    assert r.exit_code == 2 and "not four finite numbers W,S,E,N" in r.stderr
    r = cli("scenes", "search", "--stac", sample_dir / "stac", "--bbox", "130.6,42.85,130.85,43.02",
            "--start", "2022-01-01", "--end", "2021-01-01")
    assert r.exit_code == 2 and "is after --end" in r.stderr
    r = cli("scenes", "pull", tmp_path / "none.json", "--bbox", "130.6,42.85,130.85,43.02", "--out",
            tmp_path / "o")
    assert r.exit_code == 2 and "items file not found" in r.stderr


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
    assert r.exit_code == 2 and "is not a STAC catalog or collection" in r.stderr


