"""STAC items without pixel I/O: band lookup by common name, platforms, summaries, items files."""

from __future__ import annotations

import json

import pytest

from habitatmap.errors import CatalogError
from habitatmap.scenes.items import (
    BandAsset,
    SceneSummary,
    band_assets,
    item_epsg,
    load_items,
    normalize_platform,
    qa_asset,
    read_static_items,
    standalone_item,
    summarize_item,
)


@pytest.fixture(scope="module")
def items(sample_dir):
    return {i.id[:4]: i for i in read_static_items(sample_dir / "stac" / "catalog.json")}


def test_bands_are_found_by_common_name_not_band_number(items):
    # Band 4 is red on OLI but near infrared on ETM+: the lookup must follow eo:bands.
    assert band_assets(items["LE07"])["red"].href.endswith("_SR_B3.TIF")
    assert band_assets(items["LE07"])["nir08"].href.endswith("_SR_B4.TIF")
    assert band_assets(items["LC08"])["red"].href.endswith("_SR_B4.TIF")
    assert band_assets(items["LC08"])["nir08"].href.endswith("_SR_B5.TIF")
    red = band_assets(items["LC08"], ("red",))["red"]
    assert isinstance(red, BandAsset) and (red.scale, red.offset, red.nodata) == (2.75e-05, -0.2, 0.0)
    assert red.size and red.checksum.startswith("1220")
    assert qa_asset(items["LC09"]).href.endswith("_QA_PIXEL.TIF")
    assert item_epsg(items["LC09"]) == 32652


def test_missing_band_is_named(items):
    with pytest.raises(CatalogError,
                       match=r"no asset with eo:bands common name coastal; choose other --bands"):
        band_assets(items["LE07"], ("coastal", "red"))


def test_item_without_qa_pixel_is_refused(items):
    clone = items["LC08"].clone()
    clone.assets.pop("qa_pixel")
    with pytest.raises(CatalogError, match="has no QA_PIXEL asset"):
        qa_asset(clone)


@pytest.mark.parametrize(("given", "expected"), [
    ("LANDSAT_8", "landsat-8"), ("Landsat 9", "landsat-9"), ("l7", "landsat-7"), ("5", "landsat-5"),
    ("landsat-8", "landsat-8"), ("sentinel-2a", "sentinel-2a"),
])
def test_platform_spellings(given, expected):
    assert normalize_platform(given) == expected


def test_summaries(items):
    s = summarize_item(items["LE07"])
    assert isinstance(s, SceneSummary) and s.platform == "landsat-7" and s.datetime.startswith("2021-06-14")
    assert s.wrs_path == "115" and s.cloud_cover is not None


def test_standalone_items_work_outside_their_catalog(items, tmp_path):
    doc = standalone_item(items["LC09"])
    assert all(not a["href"].startswith(".") and "/" in a["href"] for a in doc["assets"].values())
    assert not {ln["rel"] for ln in doc["links"]} & {"root", "parent", "self", "collection"}
    path = tmp_path / "items.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [doc]}))
    loaded = load_items(path)
    assert [i.id for i in loaded] == [items["LC09"].id]


def test_load_items_errors(tmp_path, sample_dir):
    with pytest.raises(CatalogError, match="items file not found"):
        load_items(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_items(tmp_path / "bad.json")
    (tmp_path / "empty.json").write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(CatalogError, match="holds no STAC items"):
        load_items(tmp_path / "empty.json")
    (tmp_path / "junk.json").write_text('{"type": "FeatureCollection", "features": [{"a": 1}]}')
    with pytest.raises(CatalogError, match="feature 0 is not a STAC item"):
        load_items(tmp_path / "junk.json")
    assert len(load_items(sample_dir / "stac" / "catalog.json")) == 6


def test_read_static_items_errors(tmp_path, sample_dir):
    assert len(read_static_items(sample_dir / "stac")) == 6  # the folder holding catalog.json
    with pytest.raises(CatalogError, match="no STAC catalog found"):
        read_static_items(tmp_path)
    item = next(iter((sample_dir / "stac" / "landsat-c2-l2").glob("*/*.json")))
    with pytest.raises(CatalogError, match="is a STAC Item, not a catalog"):
        read_static_items(item)
