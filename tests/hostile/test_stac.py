"""Hostile STAC catalogs and items: links and hrefs that escape, ids that collide or traverse,
metadata of the wrong type, files that are not STAC, duplicate scenes."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.hostile.conftest import ROOT, SAMPLE, Tree, no_staging, refused

AOI = ROOT / "workflows" / "tumen_aoi.geojson"
SMALL = "130.70,42.92,130.72,42.935"


@pytest.fixture()
def catalog(tmp_path):
    dst = tmp_path / "stac"
    shutil.copytree(SAMPLE / "stac", dst)
    return dst


def _items_file(tmp_path, catalog, change=None, name="items.json"):
    """An items file (as 'scenes search --out' writes) of the sample catalog, changed by ``change``."""
    docs = []
    for p in sorted(catalog.rglob("L*_T1.json")):
        doc = json.loads(p.read_text())
        for a in doc["assets"].values():
            a["href"] = str((p.parent / a["href"]).resolve())
        docs.append(doc)
    if change is not None:
        docs = change(docs)
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": docs}))
    return path


def _pull(cli, items, out, *extra):
    return cli("scenes", "pull", items, "--bbox", SMALL, "--out", out, "--workers", "1", *extra)


# --- catalogs -------------------------------------------------------------------------------------

def _relink(catalog, href):
    cat = json.loads((catalog / "catalog.json").read_text())
    for link in cat["links"]:
        if link["rel"] == "child":
            link["href"] = href
    (catalog / "catalog.json").write_text(json.dumps(cat))
    return catalog / "catalog.json"


@pytest.mark.parametrize(("href", "expect"), [
    ("./README.md", "is not valid JSON"),
    ("./notstac.json", "but it is not STAC"),
    ("../../../../../../etc/passwd", "leads outside the catalog's folder"),
    ("http://127.0.0.1:9/collection.json", "outside this local catalog"),
    ("/vsizip//tmp/x.zip/collection.json", "GDAL virtual paths"),
    ("file:///vsicurl/http://x/c.json", "GDAL virtual paths"),
], ids=["readme", "not-stac", "escape", "url", "vsizip", "file-vsicurl"])
def test_catalog_child_links_that_are_not_stac_or_escape(cli, tmp_path, catalog, href, expect):
    (catalog / "README.md").write_text("# not json\n")
    (catalog / "notstac.json").write_text('{"hello": "world"}')
    cat = _relink(catalog, href)
    out = tmp_path / "items.json"
    refused(cli("scenes", "search", "--stac", cat, "--aoi", AOI, "--out", out), expect)
    refused(cli("scenes", "list", cat), expect)
    assert not out.exists()


def test_a_catalog_that_links_itself_in_a_loop_ends(cli, catalog):
    cat = json.loads((catalog / "catalog.json").read_text())
    cat["links"].append({"rel": "child", "href": "./catalog.json"})
    (catalog / "catalog.json").write_text(json.dumps(cat))
    r = cli("scenes", "list", catalog / "catalog.json")
    assert r.exit_code == 0 and "LC08" in r.stdout


def test_catalog_given_as_a_zero_byte_or_folder_file(cli, tmp_path):
    empty = tmp_path / "catalog.json"
    empty.write_bytes(b"")
    refused(cli("scenes", "list", empty), str(empty))
    refused(cli("scenes", "list", tmp_path / "nothing"), "no STAC catalog found")


# --- items ----------------------------------------------------------------------------------------

def test_duplicate_identical_items_are_pulled_once(cli, tmp_path, catalog):
    items = _items_file(tmp_path, catalog, lambda d: [*d[:2], json.loads(json.dumps(d[0]))])
    out = tmp_path / "scenes"
    r = _pull(cli, items, out)
    assert r.exit_code == 0, r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    ids = [s["id"] for s in manifest["scenes"]]
    assert len(ids) == len(set(ids)) == 2


def test_conflicting_items_with_one_id_are_refused_before_any_work(cli, tmp_path, catalog):
    def conflict(docs):
        other = json.loads(json.dumps(docs[1]))
        other["id"] = docs[0]["id"]
        return [*docs[:2], other]

    items = _items_file(tmp_path, catalog, conflict)
    out = tmp_path / "scenes"
    refused(_pull(cli, items, out), "two different items have the id")
    assert not out.exists()


@pytest.mark.parametrize("bad_id", ["../../escape", "/etc/cron.d/x", ".hidden", "a\x00b", "C:\\x\\y",
                                    "CON", "x" * 400, "<script>alert(1)</script>"])
def test_item_ids_cannot_name_files_outside_the_folder(cli, tmp_path, catalog, bad_id):
    def rename(docs):
        docs[0]["id"] = bad_id
        return docs[:1]

    items = _items_file(tmp_path, catalog, rename)
    out = tmp_path / "pulls" / "scenes"
    r = _pull(cli, items, out)
    assert r.exit_code == 0, r.stderr
    written = sorted(p.name for p in (tmp_path / "pulls").rglob("*") if p.is_file())
    assert "manifest.json" in written and len(written) == 2, written
    assert all(p.parent == out for p in (tmp_path / "pulls").rglob("*.tif"))
    tif = next(out.glob("*.tif")).name
    assert len(tif) < 140 and not tif.startswith(".") and "/" not in tif and "\\" not in tif


@pytest.mark.parametrize(("href", "expect"), [
    ("/vsizip//tmp/a.zip/b.tif", "GDAL virtual"),
    ("file:///vsizip/tmp/a.zip/b.tif", "GDAL virtual"),
    ("NETCDF:\"/tmp/x.nc\":band", "is not supported"),
    ("ftp://example.invalid/b.tif", "ftp"),
], ids=["vsizip", "file-vsizip", "netcdf", "ftp"])
def test_asset_hrefs_that_are_not_files_or_http(cli, tmp_path, catalog, href, expect):
    def point(docs):
        docs[0]["assets"]["red"]["href"] = href
        return docs[:1]

    items = _items_file(tmp_path, catalog, point)
    out = tmp_path / "scenes"
    r = _pull(cli, items, out)
    refused(r, str(items), "1 of 1 scenes failed", expect, "asset red", details=True)


def test_asset_href_to_a_local_file_that_is_not_a_scene(cli, tmp_path, catalog, canary):
    def point(docs):
        docs[0]["assets"]["red"]["href"] = str(canary)
        return docs[:1]

    items = _items_file(tmp_path, catalog, point)
    out = tmp_path / "scenes"
    refused(_pull(cli, items, out), "asset red", "truncated or was replaced", details=True)
    for p in out.rglob("*") if out.exists() else []:
        if p.is_file():
            assert b"CANARY-7f3a" not in p.read_bytes()


@pytest.mark.parametrize(("field", "value", "expect"), [
    ("scale", "abc", "scale"),
    ("scale", float("nan"), "scale"),
    ("offset", [1, 2], "offset"),
], ids=["text-scale", "nan-scale", "list-offset"])
def test_asset_metadata_of_the_wrong_type(cli, tmp_path, catalog, field, value, expect):
    def damage(docs):
        docs[0]["assets"]["red"]["raster:bands"] = [{field: value}]
        return docs[:1]

    items = _items_file(tmp_path, catalog, damage)
    text = items.read_text().replace("NaN", '"nan"')  # JSON has no NaN: as a string
    items.write_text(text)
    refused(_pull(cli, items, tmp_path / "scenes"), expect)


def test_items_file_with_json_nan_or_deep_nesting(cli, tmp_path):
    bad = tmp_path / "items.json"
    bad.write_text('{"type": "FeatureCollection", "features": [{"properties": {"eo:cloud_cover": NaN}}]}')
    refused(_pull(cli, bad, tmp_path / "scenes"), str(bad), "NaN")
    bad.write_text("[" * 100_000 + "]" * 100_000)
    refused(_pull(cli, bad, tmp_path / "scenes"), str(bad), "nested too deeply")


def test_items_file_truncated(cli, tmp_path, catalog):
    items = _items_file(tmp_path, catalog)
    items.write_text(items.read_text()[:500])
    refused(_pull(cli, items, tmp_path / "scenes"), str(items), "not valid JSON")


def test_a_pull_into_a_folder_with_notes_keeps_them(cli, tmp_path, catalog, out):
    items = _items_file(tmp_path, catalog, lambda d: d[:1])
    before = Tree(out).before
    r = _pull(cli, items, out)
    assert r.exit_code == 0, r.stderr
    after = Tree(out).before
    assert all(after[name] == digest for name, digest in before.items())  # notes and earlier.tif kept
    assert len(after) == len(before) + 2  # plus one scene and the manifest
    no_staging(out)
