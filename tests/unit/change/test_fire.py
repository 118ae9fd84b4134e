"""Choosing the scenes of a fire: the snow-free season before it and the one after it (extended or
initial assessment), then the whole chain over a real STAC API on loopback."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pystac
import pytest
import rasterio
import shapely

from habitatmap.change.fire import (
    ASSESSMENTS,
    SEARCH_DAYS,
    FireScenes,
    burn_from_scenes,
    fire_seasons,
    run_fire_burn,
    select_fire_scenes,
)
from habitatmap.errors import ConfigError, InputDataError
from tests.stac_server import StacTestServer

SUMMER = frozenset({6, 7, 8})
SMALL = "130.70,42.92,130.72,42.935"


def _items(*days: str) -> list[pystac.Item]:
    box = shapely.box(130, 42, 131, 43)
    return [pystac.Item(f"S{d}", shapely.geometry.mapping(box), list(box.bounds),
                        dt.datetime.fromisoformat(f"{d}T02:00:00+00:00"), {}) for d in days]


def _ids(items):
    return [i.id for i in items]


def test_seasons_of_a_spring_and_a_summer_fire():
    assert ASSESSMENTS == ("extended", "initial") and SEARCH_DAYS == 730
    assert fire_seasons(dt.date(2022, 4, 20), SUMMER) == 2022  # before the season: this summer
    assert fire_seasons(dt.date(2022, 7, 10), SUMMER) == 2023  # in it: the next one
    assert fire_seasons(dt.date(2022, 7, 10), SUMMER, "initial") is None
    with pytest.raises(ConfigError, match="--assessment 'late'"):
        fire_seasons(dt.date(2022, 7, 10), SUMMER, "late")


def test_the_latest_season_before_and_the_season_after():
    items = _items("2020-07-01", "2021-06-14", "2021-08-20", "2021-10-02", "2022-01-15", "2022-06-17",
                   "2022-08-01", "2023-07-05")
    spring = select_fire_scenes(items, dt.date(2022, 4, 20), SUMMER)
    assert isinstance(spring, FireScenes)
    # Winter (January) and autumn (October) scenes are not snow-free summer ones; 2020 is older.
    assert _ids(spring.pre) == ["S2021-06-14", "S2021-08-20"] and spring.pre_season == 2021
    assert _ids(spring.post) == ["S2022-06-17", "S2022-08-01"] and spring.post_season == 2022
    assert spring.ranges() == ((dt.date(2021, 6, 14), dt.date(2021, 8, 20)),
                               (dt.date(2022, 6, 17), dt.date(2022, 8, 1)))
    summer = select_fire_scenes(items, dt.date(2022, 7, 10), SUMMER)
    assert _ids(summer.pre) == ["S2022-06-17"]  # the same summer, before the fire
    assert _ids(summer.post) == ["S2023-07-05"]  # extended: the next growing season
    initial = select_fire_scenes(items, dt.date(2022, 7, 10), SUMMER, assessment="initial")
    assert _ids(initial.post) == ["S2022-08-01"]
    with pytest.raises(InputDataError, match=r"no scene of months 6,7,8 in 2023.*--assessment initial"):
        select_fire_scenes(items[:-1], dt.date(2022, 7, 10), SUMMER)
    with pytest.raises(InputDataError, match="no scene of months 6,7,8 before the fire of 2020-05-01"):
        select_fire_scenes(items, dt.date(2020, 5, 1), SUMMER)


def test_fire_date_over_a_stac_api(cli, sample_dir, tmp_path):
    """``change burn --fire-date`` finds, pulls and composites the scenes itself, over HTTP."""
    stac = tmp_path / "srv" / "stac"
    shutil.copytree(sample_dir / "stac", stac)
    with StacTestServer(stac) as srv:
        r = cli("change", "burn", "--fire-date", "2022-04-20", "--stac", f"{srv.url}/api", "--bbox", SMALL,
                "--out", tmp_path / "burn")
    assert r.exit_code == 0, r.stderr
    assert "2 scene(s) before it (2021-06-14 to 2021-06-22), 1 after it (2022-06-17" in r.stdout
    with rasterio.open(tmp_path / "burn_scenes" / "composite_pre.tif") as ds:
        assert ds.tags()["SCENES"] == "LE07_L2SP_115030_20210614_02_T1,LC08_L2SP_115030_20210622_02_T1"
        assert ds.tags()["DATES"] == "2021-06-14/2021-06-22"
    with rasterio.open(tmp_path / "burn_scenes" / "composite_post.tif") as ds:
        assert ds.tags()["SCENES"] == "LC09_L2SP_115030_20220617_02_T1"
    record = json.loads((tmp_path / "burn" / "provenance.json").read_text())
    fire = record["parameters"]["fire"]
    assert fire["fire_date"] == "2022-04-20" and fire["months"] == [6, 7, 8] and fire["stac"].endswith("/api")
    assert fire["post_scenes"] == ["LC09_L2SP_115030_20220617_02_T1"]
    # The same scenes composited and measured again from the pull folder give the same severity.
    from habitatmap.scenes.items import read_static_items

    chosen = select_fire_scenes(read_static_items(stac / "catalog.json"), dt.date(2022, 4, 20), SUMMER)
    again = burn_from_scenes(tmp_path / "burn_scenes" / "scenes", chosen, SUMMER,
                             (tmp_path / "pre.tif", tmp_path / "post.tif"), tmp_path / "again")
    with (rasterio.open(tmp_path / "burn" / "severity.tif") as a,
          rasterio.open(tmp_path / "again" / "severity.tif") as b):
        assert (a.read(1) == b.read(1)).all() and a.read(1).any()
    printed = r.stdout.split("Burned (low severity and above): ")[1].split(" ha")[0]
    assert again.burned_ha == pytest.approx(float(printed), abs=0.05)
    again_fire = json.loads((tmp_path / "again" / "provenance.json").read_text())["parameters"]["fire"]
    assert "stac" not in again_fire and again_fire["pre_scenes"] == fire["pre_scenes"]


def test_fire_date_options_are_one_sentence(cli, tmp_path):
    pre = tmp_path / "pre.tif"
    pre.write_bytes(b"")
    for args, message in [
        (("--pre", pre, "--fire-date", "2022-04-20", "--stac", "x"), "not both"),
        (("--fire-date", "2022-04-20", "--bbox", SMALL), "--fire-date needs --stac"),
        (("--fire-date", "2022-20-04", "--stac", "x", "--bbox", SMALL), "'2022-20-04': not a date"),
        ((), "give --pre and --post"),
    ]:
        r = cli("change", "burn", *args, "--out", tmp_path / "o")
        assert r.exit_code == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_fire_date_checks_the_output_folder_before_any_search(tmp_path):
    """A scenes folder that cannot be made fails at once, not after the search and the pull (the
    CLI refuses an --out that is a file itself)."""
    from habitatmap.area import area_from_bbox
    from habitatmap.errors import OutputError

    taken = tmp_path / "burn_scenes"
    taken.write_text("a file where the scenes folder would go")
    with pytest.raises(OutputError, match="is a file, but an output folder"):
        run_fire_burn(dt.date(2022, 4, 20), str(tmp_path / "nothing.json"), area_from_bbox(SMALL),
                      tmp_path / "burn")
