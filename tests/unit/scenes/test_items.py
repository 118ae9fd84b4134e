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
    item_from_dict,
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
    with pytest.raises(CatalogError, match="feature 0: not a STAC item"):
        load_items(tmp_path / "junk.json")
    assert len(load_items(sample_dir / "stac" / "catalog.json")) == 6


def test_read_static_items_errors(tmp_path, sample_dir):
    assert len(read_static_items(sample_dir / "stac")) == 6  # the folder holding catalog.json
    with pytest.raises(CatalogError, match="no STAC catalog found"):
        read_static_items(tmp_path)
    item = next(iter((sample_dir / "stac" / "landsat-c2-l2").glob("*/*.json")))
    with pytest.raises(CatalogError, match=r"is not a STAC catalog or collection \(type 'Feature'\)"):
        read_static_items(item)


def _catalog(folder, links):
    import json

    folder.mkdir(parents=True, exist_ok=True)
    doc = {"type": "Catalog", "stac_version": "1.0.0", "id": "c", "description": "d",
           "links": [{"rel": "root", "href": "./catalog.json"}, *links]}
    (folder / "catalog.json").write_text(json.dumps(doc))
    return folder / "catalog.json"


def test_catalog_links_stay_inside_the_catalog_and_name_stac(tmp_path):
    (tmp_path / "secret.json").write_text('{"type": "Feature"}')
    (tmp_path / "cat" / "notes.json").parent.mkdir()
    (tmp_path / "cat" / "notes.json").write_text('{"hello": 1}')
    (tmp_path / "cat" / "text.json").write_text("not json at all")
    cases = [
        ([{"rel": "child", "href": "../secret.json"}], "leads outside the catalog's folder"),
        ([{"rel": "item", "href": str(tmp_path / "secret.json")}], "leads outside the catalog's folder"),
        ([{"rel": "child", "href": "http://example.invalid/c.json"}], "outside this local catalog"),
        ([{"rel": "child", "href": "/vsizip/x.zip/c.json"}], "GDAL virtual paths are not read"),
        ([{"rel": "child", "href": "./notes.json"}],
         "notes.json: linked as a STAC child .* but it is not STAC"),
        ([{"rel": "child", "href": "./text.json"}], "text.json: the STAC child .* is not valid JSON"),
        ([{"rel": "child", "href": "./gone.json"}], "names a missing file"),
        ([{"rel": "item", "href": 42}], "a link has no usable href"),
    ]
    for links, message in cases:
        cat = _catalog(tmp_path / "cat", links)
        with pytest.raises(CatalogError, match=message):
            read_static_items(cat)
    # Links to self, parents and siblings in a cycle are followed once.
    cat = _catalog(tmp_path / "cat", [{"rel": "child", "href": "./catalog.json"},
                                      {"rel": "parent", "href": "../secret.json"}])
    assert read_static_items(cat) == []


def test_unique_items_keeps_one_of_identical_duplicates_and_refuses_conflicts(sample_dir):
    from habitatmap.scenes.items import unique_items

    items = read_static_items(sample_dir / "stac")
    first = items[0]
    assert [i.id for i in unique_items([first, first.clone(), items[1]], "x")] == [first.id, items[1].id]
    other = first.clone()
    other.properties["eo:cloud_cover"] = 99.0
    with pytest.raises(CatalogError, match=f"x: two different items have the id '{first.id}'; keep one"):
        unique_items([first, other], "x")
    lower = first.clone()
    lower.id = first.id.lower()
    with pytest.raises(CatalogError, match="differ only in letter case"):
        unique_items([first, lower], "x")


def test_item_from_dict_checks_the_fields_used_later(sample_dir):
    import copy
    import json

    path = next(iter(sorted((sample_dir / "stac").rglob("L*_T1.json"))))
    doc = json.loads(path.read_text())
    assert item_from_dict(doc, where="x", href=str(path)).id == doc["id"]

    def changed(change):
        d = copy.deepcopy(doc)
        change(d)
        return d

    cases = [
        (lambda d: d.update(type="Catalog"), "not a STAC item"),
        (lambda d: d.update(id=""), "has no usable id"),
        (lambda d: d.update(id=["a"]), "has no usable id"),
        (lambda d: d.update(geometry={"type": "Polygon", "coordinates": "x"}), "its geometry is"),
        (lambda d: d.update(properties=[1]), "its properties is"),
        (lambda d: d["properties"].update({"eo:cloud_cover": "lots"}),
         "eo:cloud_cover must be a finite number"),
        (lambda d: d["properties"].update({"eo:cloud_cover": 300}), "eo:cloud_cover is 300, out of range"),
        (lambda d: d["properties"].update({"proj:epsg": 32652.5}), "proj:epsg must be a whole number"),
        (lambda d: d["properties"].update({"proj:transform": [30, 0, "x", 0, -30, 0]}), "proj:transform"),
        (lambda d: d["properties"].update({"datetime": {"a": 1}}), "datetime is"),
        (lambda d: d.update(assets=[1, 2]), "its assets is"),
        (lambda d: d["assets"]["red"].update(href=7), "asset 'red' is"),
        (lambda d: d.update(links="x"), "its links is"),
    ]
    for change, message in cases:
        with pytest.raises(CatalogError, match=message):
            item_from_dict(changed(change), where="items.json")


def test_platform_spellings_and_beta_items():
    from habitatmap.scenes.items import item_from_dict, item_platform, item_transform, platform_spellings

    assert set(platform_spellings("l8")) >= {"landsat-8", "LANDSAT_8"}
    assert platform_spellings("sentinel-2a") == ["sentinel-2a"]
    doc = {"type": "Feature", "stac_version": "1.0.0-beta.2", "id": "b", "geometry": None,
           "properties": {"datetime": "2020-01-01T00:00:00Z", "eo:platform": "LANDSAT_8",
                          "proj:epsg": 32652, "eo:bands": [{"name": "SR_B4", "common_name": "red"}]},
           "assets": {"SR_B4.TIF": {"href": "https://x/SR_B4.TIF", "eo:bands": [0],
                                    "proj:transform": [30, 0, 15, 0, -30, 45]}}, "links": []}
    item = item_from_dict(doc, where="t")
    assert item_platform(item) == "LANDSAT_8"
    assert item_transform(item) == [30.0, 0.0, 15.0, 0.0, -30.0, 45.0]
    assert item_transform(item, 100.0) is None  # a 100 m grid is not anchored by a 30 m band
    doc["assets"]["SR_B4.TIF"]["proj:transform"] = [0, 0, 0, 0, 0, 0]
    with pytest.raises(CatalogError, match="proj:transform"):
        item_from_dict(doc, where="t")


def test_walk_catalog_follows_what_load_allows():
    """The one walk of local and remote catalogs: load decides the targets, cycles are followed once."""
    from habitatmap.scenes.items import walk_catalog

    item = {"type": "Feature", "stac_version": "1.0.0", "id": "a", "geometry": None,
            "properties": {"datetime": "2021-01-01T00:00:00Z"}, "assets": {}, "links": []}
    docs = {"root": {"type": "Catalog", "links": [{"rel": "child", "href": "sub"},
                                                 {"rel": "item", "href": "a"}]},
            "sub": {"type": "Catalog", "links": [{"rel": "child", "href": "root"},
                                                {"rel": "item", "href": "a"}]}, "a": item}
    reads = []

    def load(here, link):
        reads.append(link["href"])
        return link["href"], lambda: docs[link["href"]]

    got = walk_catalog("root", docs["root"], load, where="t", limit_fix="fix")
    assert [i.id for i in got] == ["a"]
    with pytest.raises(CatalogError, match="more than 1 objects; fix"):
        walk_catalog("root", docs["root"], load, where="t", limit_fix="fix", max_objects=1)
    docs["a"] = {"type": "Catalog", "links": []}
    with pytest.raises(CatalogError, match="linked as a STAC item"):
        walk_catalog("root", docs["root"], load, where="t", limit_fix="fix")
