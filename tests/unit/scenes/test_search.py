"""Scene search in a static catalog (the API side is tested over HTTP in tests/integration)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from habitatmap.area import area_from_bbox
from habitatmap.errors import CatalogError
from habitatmap.scenes.search import SceneQuery, search_scenes, write_items

AREA = area_from_bbox("130.6,42.85,130.85,43.02")


def test_search_filters_locally(sample_dir):
    catalog = sample_dir / "stac" / "catalog.json"
    every = search_scenes(catalog, SceneQuery(area=AREA))
    assert len(every) == 6 and every == sorted(every, key=lambda i: i.datetime)
    summer = search_scenes(catalog, SceneQuery(area=AREA, start=dt.date(2021, 6, 1), end=dt.date(2021, 6,
                                                                                                 30)))
    assert [i.id[:4] for i in summer] == ["LE07", "LC08"]
    assert all(i.properties["platform"] == "landsat-9" for i in
               search_scenes(catalog, SceneQuery(area=AREA, platforms=("LANDSAT_9",))))
    assert all(i.properties["eo:cloud_cover"] <= 20 for i in
               search_scenes(catalog, SceneQuery(area=AREA, max_cloud=20)))
    assert len(search_scenes(catalog, SceneQuery(area=AREA, limit=2))) == 2
    assert search_scenes(catalog, SceneQuery(area=area_from_bbox("10,10,11,11"))) == []


def test_write_items_and_missing_catalog(sample_dir, tmp_path):
    items = search_scenes(sample_dir / "stac", SceneQuery(area=AREA))
    doc = json.loads(write_items(items, tmp_path / "items.json").read_text())
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 6
    with pytest.raises(CatalogError, match="no STAC catalog found"):
        search_scenes(tmp_path, SceneQuery(area=AREA))


def test_server_filter_follows_conformance():
    from habitatmap.scenes.search import server_filter

    q = SceneQuery(area=area_from_bbox("130,42,131,43"), max_cloud=40, platforms=("landsat-8",))
    kind, body = server_filter(q, lambda c: c == "FILTER")
    assert kind == "filter" and body["op"] == "and"
    assert {"op": "<=", "args": [{"property": "eo:cloud_cover"}, 40]} in body["args"]
    kind, body = server_filter(q, lambda c: c == "QUERY")
    assert kind == "query" and "LANDSAT_8" in body["platform"]["in"] and body["eo:cloud_cover"] == {"lte": 40}
    assert server_filter(q, lambda c: False) is None
    assert server_filter(SceneQuery(area=q.area), lambda c: True) is None
