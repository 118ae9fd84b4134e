"""Real providers' recorded STAC items (tests/data/stac) through search and pull on loopback.

Each provider's quirk that broke the chain has its case here: the USGS platform spelling, per-asset
projection, thermal scaling without ``raster:bands``, static collections by URL, items without a
``self`` link, Earth Search's requester-pays S3 assets, both paging styles and the filter language
chosen from the conformance classes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import rasterio

from habitatmap.area import area_from_bbox
from habitatmap.scenes.access import RetryPolicy
from habitatmap.scenes.items import band_assets, item_from_dict, item_transform
from habitatmap.scenes.pull import PullSettings, pull_scenes
from habitatmap.scenes.search import SceneQuery, search_scenes
from tests.providers import (
    THERMAL_DN,
    ProviderServer,
    band_dn,
    earth_search_layout,
    per_asset_projection,
    recorded,
)

FAST = RetryPolicy(retries=1, backoff=0.05)
USGS_L9 = "usgs/LC09_L2SP_092068_20230607_20230609_02_T1_SR.json"
USGS_L7 = "usgs/LE07_L2SP_044033_20210329_20210424_02_T1_SR.json"
USGS_L8 = "usgs/LC08_L2SP_028030_20200114_20200824_02_T1_SR.json"
USGS_BETA = "usgs/LC08_L2SR_081119_20200101_20200823_02_T2.json"
PC_L9 = "planetary-computer/landsat-c2-l2-pc.json"
PC_L8 = "planetary-computer/cassette-test_assert_equal.yaml"


def _query(server: ProviderServer, item_id: str, **kw) -> SceneQuery:
    bbox = server.windows[item_id].lonlat_bbox()
    return SceneQuery(area=area_from_bbox(",".join(map(str, bbox))), collection=kw.pop("collection", None),
                      **kw)


def _pull(server, items, item_id, tmp_path, **settings):
    bbox = server.windows[item_id].lonlat_bbox()
    area = area_from_bbox(",".join(map(str, bbox)))
    return pull_scenes(items, area, tmp_path / "scenes", PullSettings(workers=1, retry=FAST, **settings),
                       source="test")


def test_recorded_files_are_unchanged():
    """The records are kept byte for byte: their checksums are the ones PROVENANCE.md lists."""
    import hashlib

    data = Path(__file__).parents[1] / "data" / "stac"
    listed = {}
    for line in (data / "PROVENANCE.md").read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            listed[parts[1]] = parts[0]
    files = sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()
                   and p.name != "PROVENANCE.md")
    assert files == sorted(listed)
    for name in files:
        assert hashlib.sha256((data / name).read_bytes()).hexdigest() == listed[name], name


@pytest.mark.parametrize("record, spelled", [(USGS_L9, "LANDSAT_9"), (PC_L9, "landsat-9")])
def test_platform_filter_finds_every_spelling(tmp_path, record, spelled):
    """--platform landsat-9 finds USGS's LANDSAT_9 items: the server compares strings as given."""
    items = recorded(record)[:1]
    assert items[0]["properties"]["platform"] == spelled
    with ProviderServer(tmp_path, "usgs" if "usgs" in record else "planetary-computer", items) as srv:
        found = search_scenes(srv.api, _query(srv, items[0]["id"], platforms=("landsat-9",)), retry=FAST)
        assert [i.id for i in found] == [items[0]["id"]]
        sent = srv.searches[-1]
        if "query" in sent:
            platforms = sent["query"]["platform"]["in"]
        else:
            ops = sent["filter"]["args"] if sent["filter"]["op"] == "and" else [sent["filter"]]
            platforms = next(op["args"][1] for op in ops if op["op"] == "in")
        assert "LANDSAT_9" in platforms and "landsat-9" in platforms


def test_filter_language_follows_conformance(tmp_path):
    """CQL2-JSON ``filter`` where the API conforms to Filter (Planetary Computer), ``query`` where
    it only has the Query extension (stac-server); a server refuses what it does not speak."""
    pc = recorded(PC_L9)[:1]
    with ProviderServer(tmp_path / "pc", "planetary-computer", pc) as srv:
        assert pc[0]["properties"]["eo:cloud_cover"] == 97.54  # a cloudy record
        assert search_scenes(srv.api, _query(srv, pc[0]["id"], max_cloud=98), retry=FAST)
        assert "filter" in srv.searches[-1] and "query" not in srv.searches[-1]
        assert srv.searches[-1]["filter-lang"] == "cql2-json"
    usgs = recorded(USGS_L9)
    with ProviderServer(tmp_path / "usgs", "usgs", usgs) as srv:
        assert usgs[0]["properties"]["eo:cloud_cover"] == 24.51
        assert search_scenes(srv.api, _query(srv, usgs[0]["id"], max_cloud=30), retry=FAST)
        assert srv.searches[-1]["query"] == {"eo:cloud_cover": {"lte": 30}}
        assert "filter" not in srv.searches[-1]
        assert search_scenes(srv.api, _query(srv, usgs[0]["id"], max_cloud=20), retry=FAST) == []


@pytest.mark.parametrize("profile", ["planetary-computer", "usgs"])
def test_both_paging_styles_return_every_item(tmp_path, profile):
    """POST ``next`` links with a token to merge (pgstac) and GET ``next`` links (stac-server)."""
    items = recorded(PC_L9)  # four Landsat 9 scenes, one page each
    with ProviderServer(tmp_path, profile, items, page_size=1) as srv:
        bbox = (-180, -85, 180, 85)
        q = SceneQuery(area=area_from_bbox(",".join(map(str, bbox))), collection=None)
        found = search_scenes(srv.api, q, retry=FAST)
        assert sorted(i.id for i in found) == sorted(i["id"] for i in items)


def test_usgs_item_pulls_on_its_own_lattice_with_product_scaling(tmp_path):
    """A USGS item (no raster:bands) is read with Collection 2's reflectance scaling, and the grid
    takes the item's lattice so pixels are copied."""
    rec = recorded(USGS_L9)
    with ProviderServer(tmp_path, "usgs", rec) as srv:
        found = search_scenes(srv.api, _query(srv, rec[0]["id"], platforms=("landsat-9",)), retry=FAST)
        result = _pull(srv, found, rec[0]["id"], tmp_path)
        assert not result.failed
        t = rec[0]["properties"]["proj:transform"]
        g = result.grid
        assert (g.transform.c - t[2]) % 30 == 0 and (g.transform.f - t[5]) % 30 == 0
        assert g.crs == "EPSG:32656"
        with rasterio.open(result.outcomes[0].file) as ds:
            red = ds.read(ds.descriptions.index("red") + 1)
        # red is the 4th band with eo:bands in the record (coastal, blue, green, red)
        expected = band_dn(3, 48, 48).astype(np.float32) * np.float32(2.75e-5) + np.float32(-0.2)
        vals = red[np.isfinite(red)]
        assert vals.size > 0 and set(np.round(vals, 6)) <= set(np.round(expected.ravel(), 6))


def test_item_without_self_link_is_searched_and_pulled(tmp_path):
    """USGS's Landsat 7 record has no self link; its parent link cannot be resolved offline."""
    rec = recorded(USGS_L7)
    assert not any(ln["rel"] == "self" for ln in rec[0]["links"])
    with ProviderServer(tmp_path, "usgs", rec) as srv:
        found = search_scenes(srv.api, _query(srv, rec[0]["id"]), retry=FAST)
        assert [i.id for i in found] == [rec[0]["id"]]
        result = _pull(srv, found, rec[0]["id"], tmp_path)
        assert not result.failed and result.outcomes[0].clear_fraction > 0.5
        with rasterio.open(result.outcomes[0].file) as ds:
            assert ds.tags()["PLATFORM"] == "LANDSAT_7"


def test_per_asset_projection_anchors_the_grid(tmp_path):
    """proj:transform given per asset (Planetary Computer's older per-mission items, USGS's
    STAC 1.0-beta items) anchors the grid like an item-level one."""
    beta = item_from_dict(recorded(USGS_BETA)[0], where="beta")
    assert beta.properties.get("proj:transform") is None
    assert item_transform(beta) == [1164.15, 0.0, 857085.0, 0.0, -1150.6499999999999, -127485.0]
    # Bands of the beta layout are indices into the item's eo:bands: found by common name.
    assert band_assets(beta)["red"].key == "SR_B4.TIF"

    derived = per_asset_projection(recorded(PC_L9)[0])  # the older layout, derived in memory
    assert "proj:transform" not in derived["properties"]
    with ProviderServer(tmp_path, "planetary-computer", [derived]) as srv:
        found = search_scenes(srv.api, _query(srv, derived["id"]), retry=FAST)
        result = _pull(srv, found, derived["id"], tmp_path)
        assert not result.failed
        t = derived["assets"]["red"]["proj:transform"]
        # Anchored at (0, 0) instead, the origin would be 15 m off this lattice (t[2] % 30 == 15).
        assert t[2] % 30 == 15
        assert (result.grid.transform.c - t[2]) % 30 == 0 and (result.grid.transform.f - t[5]) % 30 == 0


def test_thermal_band_scaled_to_kelvin(tmp_path):
    """lwir11 from Planetary Computer's raster:bands, and from the Collection 2 table where an
    item has none: 294.97 K either way, not 0.97."""
    pc = recorded(PC_L8)[0]
    assert pc["assets"]["lwir11"]["raster:bands"][0]["scale"] == 0.00341802
    stripped = json.loads(json.dumps(pc))
    for asset in stripped["assets"].values():
        asset.pop("raster:bands", None)  # an item that says nothing, derived in memory
    stripped["id"] += "-no-raster-bands"
    with ProviderServer(tmp_path, "planetary-computer", [pc, stripped]) as srv:
        for doc in (pc, stripped):
            found = [i for i in search_scenes(srv.api, _query(srv, doc["id"]), retry=FAST)
                     if i.id == doc["id"]]
            result = _pull(srv, found, doc["id"], tmp_path / doc["id"], bands=("red", "lwir11"))
            assert not result.failed
            with rasterio.open(result.outcomes[0].file) as ds:
                lwir = ds.read(2)
            assert np.nanmedian(lwir) == pytest.approx(THERMAL_DN * 0.00341802 + 149.0, abs=1e-3)
            assert np.nanmedian(lwir) == pytest.approx(294.97, abs=0.01)


def test_static_collection_by_url(tmp_path):
    """--stac https://host/collection.json: a static collection on a web server is walked there."""
    rec = recorded(PC_L9)[:2]
    with ProviderServer(tmp_path, "planetary-computer", rec) as srv:
        folder = tmp_path / "files" / "static"
        folder.mkdir(parents=True)
        links = []
        for item in srv.items:
            (folder / f"{item['id']}.json").write_text(json.dumps(item))
            links.append({"rel": "item", "href": f"./{item['id']}.json"})
        (folder / "collection.json").write_text(json.dumps({
            "type": "Collection", "id": "landsat-c2-l2", "stac_version": "1.0.0", "description": "static",
            "license": "proprietary", "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                                                 "temporal": {"interval": [[None, None]]}},
            "links": links}))
        url = f"{srv.url}/files/static/collection.json"
        found = search_scenes(url, _query(srv, rec[0]["id"], collection="landsat-c2-l2"), retry=FAST)
        assert rec[0]["id"] in [i.id for i in found]
        result = _pull(srv, found, rec[0]["id"], tmp_path)
        assert not result.failed


def test_earth_search_requester_pays(tmp_path, monkeypatch, cli):
    """s3://usgs-landsat only (Earth Search): refused without --requester-pays; with it, read
    through GDAL's S3 client, signed with the user's credentials and sending the payer header."""
    usgs = recorded(USGS_L9)[0]
    es = earth_search_layout(usgs)
    # Earth Search's ids drop the processing date (its docs); the record's id with it removed.
    es["id"] = "LC09_L2SP_092068_20230607_02_T1"
    assert es["assets"]["red"]["href"].startswith("s3://usgs-landsat/")
    with ProviderServer(tmp_path, "earth-search", [es, usgs]) as srv:
        for key, value in {"AWS_S3_ENDPOINT": f"127.0.0.1:{srv.port}", "AWS_HTTPS": "NO",
                           "AWS_VIRTUAL_HOSTING": "FALSE", "AWS_ACCESS_KEY_ID": "AKIATESTTESTTEST",
                           "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_REGION": "us-west-2"}.items():
            monkeypatch.setenv(key, value)
        found = [i for i in search_scenes(srv.api, _query(srv, es["id"]), retry=FAST)
                 if i.collection_id == "landsat-c2-l2"]
        refused = _pull(srv, found, es["id"], tmp_path / "no")
        assert refused.failed and "--requester-pays" in refused.failed[0].error
        result = _pull(srv, found, es["id"], tmp_path / "yes", requester_pays=True)
        assert not result.failed, result.failed[0].error if result.failed else ""
        assert srv.s3_requests and all(r["payer"] == "requester" and r["signed"] for r in srv.s3_requests)
        # The USGS item has the same files over https and its s3 alternate: https is used, no S3.
        before = len(srv.s3_requests)
        https = [i for i in search_scenes(srv.api, _query(srv, usgs["id"]), retry=FAST)
                 if i.collection_id != "landsat-c2-l2"]
        assert not _pull(srv, https, usgs["id"], tmp_path / "https").failed
        assert len(srv.s3_requests) == before
        # Through the CLI: one sentence naming the flag.
        items = tmp_path / "es.json"
        from habitatmap.scenes.search import write_items

        write_items(found, items)
        bbox = ",".join(map(str, srv.windows[es["id"]].lonlat_bbox()))
        args = ("scenes", "pull", str(items), "--bbox", bbox, "--out", str(tmp_path / "cli"),
                "--workers", "1")
        r = cli(*args)
        assert r.exit_code == 2 and "--requester-pays" in r.stderr
        r = cli(*args, "--requester-pays")
        assert r.exit_code == 0, r.stderr


def test_mixed_sensors_in_one_pull(tmp_path):
    """Landsat 5 TM, 7 ETM+ (SLC-off) and 8/9 OLI in one pull: bands by common name (SR_B3 is
    red on TM/ETM+, green on OLI; SR_B4 near infrared on TM/ETM+, red on OLI). The real records
    are read the same way; the pull runs on the generator's sample with a TM scene added."""
    import dataclasses

    from habitatmap.sampledata import SCENES, generate
    from habitatmap.scenes.items import load_items

    l7 = item_from_dict(recorded(USGS_L7)[0], where="l7")
    l9 = item_from_dict(recorded(USGS_L9)[0], where="l9")
    assert band_assets(l7)["red"].href.endswith("_SR_B3.TIF")
    assert band_assets(l7)["nir08"].href.endswith("_SR_B4.TIF")
    assert band_assets(l9)["red"].href.endswith("_SR_B4.TIF")
    assert os.path.basename(band_assets(l9)["green"].href).endswith("_SR_B3.TIF")

    tm = dataclasses.replace(SCENES[0], platform="landsat-5", date="2011-06-20", processed="20200901",
                             slc_off=False, cloud_fraction=0.05)
    clearer = tuple(dataclasses.replace(sc, cloud_fraction=0.02) for sc in SCENES[:2])  # L7, L8
    sample = generate(tmp_path / "sample", size=120, scenes=(*clearer, tm))
    items = load_items(sample / "stac" / "catalog.json")
    assert {i.properties["platform"] for i in items} == {"landsat-5", "landsat-7", "landsat-8"}
    area = area_from_bbox("130.70,42.92,130.72,42.935")
    result = pull_scenes(items, area, tmp_path / "scenes", PullSettings(workers=1, retry=FAST), source="t")
    assert not result.failed and len(result.outcomes) == 3
    for item, outcome in zip(sorted(items, key=lambda i: i.id), sorted(result.outcomes, key=lambda o: o.id),
                             strict=True):
        with rasterio.open(outcome.file) as ds:
            pulled = {d: ds.read(k + 1) for k, d in enumerate(ds.descriptions)}
        assets = band_assets(item)
        expected_red_file = "_SR_B4.TIF" if item.properties["platform"] in ("landsat-8", "landsat-9") \
            else "_SR_B3.TIF"
        assert assets["red"].href.endswith(expected_red_file), item.id
        # Vegetation: near infrared far above red in every sensor's pull.
        assert np.nanmedian(pulled["nir08"]) > 1.5 * np.nanmedian(pulled["red"]), item.id
