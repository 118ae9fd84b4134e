"""The scene chain over real HTTP on 127.0.0.1: search -> pull -> composite, and its bad inputs."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio

from habitatmap.area import area_from_bbox
from habitatmap.scenes import load_items
from habitatmap.scenes.access import RetryPolicy
from habitatmap.scenes.pull import PullSettings, pull_scenes
from tests.conftest import ROOT
from tests.stac_server import StacTestServer

BIN = Path(sys.executable).parent / "habitatmap"
AOI = ROOT / "workflows" / "tumen_aoi.geojson"
SMALL = "130.70,42.92,130.72,42.935"  # about 55 x 55 px, a few tiles of each asset
FAST = RetryPolicy(retries=3, backoff=0.1)


@pytest.fixture()
def stac(tmp_path, sample_dir) -> Path:
    """A private copy of the sample catalog (tests damage files in it)."""
    dst = tmp_path / "srv" / "stac"
    shutil.copytree(sample_dir / "stac", dst)
    return dst


@pytest.fixture()
def server(stac):
    with StacTestServer(stac) as srv:
        yield srv


def _item_docs(stac: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(stac.rglob("L*_T1.json"))]


def _ok(r):
    assert r.exit_code == 0, r.stderr
    return r


# -- search -------------------------------------------------------------------------------------
def test_search_gives_the_same_items_from_api_static_url_and_local_path(cli, server, stac, tmp_path):
    server.page_size = 2  # the API pages; the client must follow the "next" links
    ids = {}
    for name, source in {"static": f"{server.url}/catalog.json", "api": f"{server.url}/api",
                         "local": str(stac / "catalog.json")}.items():
        out = tmp_path / f"{name}.json"
        r = _ok(cli("scenes", "search", "--stac", source, "--aoi", AOI, "--out", out))
        doc = json.loads(out.read_text())
        assert doc["type"] == "FeatureCollection"
        ids[name] = [f["id"] for f in doc["features"]]
        hrefs = [a["href"] for f in doc["features"] for a in f["assets"].values()]
        if name == "local":
            assert all(Path(h).is_file() for h in hrefs)
        else:
            assert all(h.startswith(server.url + "/landsat-c2-l2/") for h in hrefs)
        assert ids[name][0] in r.stdout and "115/030" in r.stdout
    assert ids["static"] == ids["api"] == ids["local"] and len(ids["local"]) == 6


@pytest.mark.parametrize("source", ["static", "api"])
def test_search_filters_by_date_cloud_and_platform(cli, server, stac, tmp_path, source):
    expected = sorted(
        d["id"] for d in _item_docs(stac)
        if d["properties"]["eo:cloud_cover"] <= 20 and d["properties"]["platform"] == "landsat-8"
        and "2021-01-01" <= d["properties"]["datetime"][:10] <= "2022-09-30")
    assert expected  # the sample has such scenes, or this test checks nothing
    url = f"{server.url}/catalog.json" if source == "static" else f"{server.url}/api"
    out = tmp_path / "items.json"
    _ok(cli("scenes", "search", "--stac", url, "--bbox", SMALL, "--max-cloud", "20",
            "--platform", "LANDSAT_8", "--start", "2021-01-01", "--end", "2022-09-30", "--out", out))
    assert sorted(f["id"] for f in json.loads(out.read_text())["features"]) == expected


def test_stac_server_answering_500_then_200_is_retried(cli, server, tmp_path):
    server.fail("/catalog.json", 500, 503)
    server.fail("/api/search", 500, method="POST")
    for url, path in ((f"{server.url}/catalog.json", "/catalog.json"), (f"{server.url}/api", "/api/search")):
        out = tmp_path / "items.json"
        _ok(cli("scenes", "search", "--stac", url, "--bbox", SMALL, "--out", out))
        assert len(json.loads(out.read_text())["features"]) == 6
        assert [s for m, p, s in server.requests if p == path][:2] in ([500, 503], [500, 200])


def test_unreachable_stac_is_one_sentence(cli):
    r = cli("scenes", "search", "--stac", "http://127.0.0.1:9/catalog.json", "--bbox", SMALL,
            "--retries", "1")
    assert r.exit_code == 2 and "cannot fetch the STAC landing page" in r.stderr
    assert "Traceback" not in r.stderr


# -- pull ----------------------------------------------------------------------------------------
def _needed_tile_bytes(path: Path, grid) -> int:
    """Bytes of the full-resolution tiles of ``path`` that the grid's extent touches."""
    with rasterio.open(path) as ds:
        bw, bh = ds.block_shapes[0][1], ds.block_shapes[0][0]
        w, s, e, n = grid.bounds
        inv = ~ds.transform
        c0, r0 = inv @ (w, n)
        c1, r1 = inv @ (e, s)
        total = 0
        for row in range(max(0, int(r0 // bh)), min(math.ceil(ds.height / bh), math.ceil(r1 / bh))):
            for col in range(max(0, int(c0 // bw)), min(math.ceil(ds.width / bw), math.ceil(c1 / bw))):
                total += int(ds.get_tag_item(f"BLOCK_SIZE_{col}_{row}", "TIFF", bidx=1) or 0)
        return total


def test_chain_over_http_reads_only_the_tiles_of_the_area(cli, server, stac, tmp_path):
    items = tmp_path / "items.json"
    _ok(cli("scenes", "search", "--stac", f"{server.url}/catalog.json", "--bbox", SMALL, "--out", items))
    server.bytes_sent.clear()
    out = tmp_path / "scenes"
    r = _ok(cli("scenes", "pull", items, "--bbox", SMALL, "--out", out))
    assert r.stdout.count(" done ") == 6
    manifest = json.loads((out / "manifest.json").read_text())
    from habitatmap.grid import Grid

    grid = Grid.from_dict(manifest["settings"]["grid"])
    chunk = 16384  # GDAL fetches whole 16 KiB chunks, after one 32 KiB header read per file
    total_served = total_size = 0
    for path in sorted(stac.rglob("*.TIF")):
        served = server.bytes_sent[f"/{path.relative_to(stac).as_posix()}"]
        bound = 2 * chunk + _needed_tile_bytes(path, grid) + 4 * chunk
        assert 0 < served <= bound, (path.name, served, bound)
        total_served += served
        total_size += path.stat().st_size
    assert total_served < 0.4 * total_size
    # Same pixels as a pull straight from the files.
    local = tmp_path / "local"
    pull_scenes(load_items(stac / "catalog.json"), area_from_bbox(SMALL), local)
    for scene in manifest["scenes"]:
        with rasterio.open(out / scene["file"]) as a, rasterio.open(local / scene["file"]) as b:
            np.testing.assert_array_equal(a.read(), b.read())
            assert a.descriptions == ("blue", "green", "red", "nir08", "swir16", "swir22")
    comp = tmp_path / "composite.tif"
    _ok(cli("composite", out, "--out", comp, "--indices", "ndvi,nbr"))
    from rio_cogeo.cogeo import cog_validate

    assert cog_validate(str(comp), strict=True, quiet=True)[0]
    with rasterio.open(comp) as ds:
        assert ds.descriptions[-3:] == ("ndvi", "nbr", "clear_count")
        data = ds.read()
    red, nir, count = data[2], data[3], data[-1]
    ok = count > 0
    np.testing.assert_allclose(data[6][ok], ((nir - red) / (nir + red))[ok], rtol=1e-5)
    assert count.max() <= 6 and ok.mean() > 0.9


def test_asset_get_failing_with_500_then_200_is_retried(server, stac, tmp_path):
    items = load_items(stac / "catalog.json")
    url_items = []
    for item in items:  # serve everything over HTTP
        for a in item.assets.values():
            a.href = server.url + "/" + Path(a.get_absolute_href()).relative_to(stac).as_posix()
        url_items.append(item)
    target = "/" + Path(url_items[0].assets["red"].href.split(server.url, 1)[1]).as_posix().lstrip("/")
    server.fail(target, 500, 502, method="GET")
    result = pull_scenes(url_items, area_from_bbox(SMALL), tmp_path / "out", PullSettings(retry=FAST))
    assert [o.status for o in result.outcomes] == ["done"] * 6
    statuses = [s for m, p, s in server.requests if p == target and m == "GET"]
    assert statuses[:3] == [500, 502, 206]


def _wait_for(cond, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow  # about 25 s; tests/unit/scenes/test_pull.py kills a pull by SIGTERM in the default run
def test_pull_killed_midway_resumes_and_ends_identical(cli, server, tmp_path):
    items = tmp_path / "items.json"
    _ok(cli("scenes", "search", "--stac", f"{server.url}/catalog.json", "--aoi", AOI, "--out", items))
    whole = tmp_path / "whole"
    _ok(cli("scenes", "pull", items, "--aoi", AOI, "--out", whole))

    resumed = tmp_path / "resumed"
    server.delay = 0.03
    proc = subprocess.Popen([str(BIN), "scenes", "pull", str(items), "--aoi", str(AOI), "--out",
                             str(resumed), "--workers", "1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)

    def two_done() -> bool:
        try:
            return len(json.loads((resumed / "manifest.json").read_text())["scenes"]) >= 2
        except (OSError, ValueError):
            return False

    assert _wait_for(two_done), "the pull did not get going"
    _wait_for(lambda: any(resumed.glob(".*.stage.tif")), timeout=10)  # a scene in progress
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(json.loads((resumed / "manifest.json").read_text())["scenes"])
    assert done_before < 6, "killed too late to test resuming"
    server.delay = 0.0
    r = _ok(cli("scenes", "pull", items, "--aoi", AOI, "--out", resumed))
    assert r.stdout.count(" skipped ") == done_before
    assert not list(resumed.glob("*.part")) and not list(resumed.glob(".*"))
    names = sorted(p.name for p in whole.iterdir())
    assert names == sorted(p.name for p in resumed.iterdir())
    for name in names:
        assert (whole / name).read_bytes() == (resumed / name).read_bytes(), name


# -- bad inputs ------------------------------------------------------------------------------------
def test_area_overlapping_no_item_exits_2(cli, stac, tmp_path):
    r = cli("scenes", "pull", stac / "catalog.json", "--bbox", "100.0,40.0,100.1,40.1",
            "--out", tmp_path / "o")
    assert r.exit_code == 2 and "no item" in r.stderr and "overlaps this area" in r.stderr
    assert "Traceback" not in r.stderr


def _rewrite_asset(item_json: Path, key: str, func) -> None:
    """Change one asset's pixels and keep the item's file:size and file:checksum truthful."""
    from habitatmap.grid import Grid
    from habitatmap.io import write_cog

    doc = json.loads(item_json.read_text())
    path = item_json.parent / doc["assets"][key]["href"]
    with rasterio.open(path) as ds:
        data, grid, nodata = ds.read(1), Grid.from_dataset(ds), ds.nodata
    data = func(data, grid.transform)
    write_cog(path, data, grid=grid, nodata=nodata)
    raw = path.read_bytes()
    doc["assets"][key]["file:size"] = len(raw)
    doc["assets"][key]["file:checksum"] = "1220" + hashlib.sha256(raw).hexdigest()
    item_json.write_text(json.dumps(doc))


def test_pixels_cloudy_in_every_scene_are_nodata_with_a_warning(cli, stac, tmp_path):
    # A 1.5 km square (50 x 50 px) flagged as high-confidence cloud in every scene.
    x0, y0 = 640_020.0, 4_756_020.0  # on the 30 m lattice of the scenes
    cloud = 22280

    def clouds(qa, transform):
        inv = ~transform
        c0, r0 = (round(v) for v in inv @ (x0, y0))
        qa = qa.copy()
        qa[max(r0, 0):max(r0 + 50, 0), max(c0, 0):max(c0 + 50, 0)] = cloud
        return qa

    for item_json in stac.rglob("L*_T1.json"):
        _rewrite_asset(item_json, "qa_pixel", clouds)
    out = tmp_path / "scenes"
    _ok(cli("scenes", "pull", stac / "catalog.json", "--aoi", AOI, "--out", out))
    comp = tmp_path / "c.tif"
    r = _ok(cli("composite", out, "--out", comp))
    with rasterio.open(comp) as ds:
        data = ds.read()
        r0, c0 = ds.index(x0 + 1, y0 - 1)
    block = data[:, r0:r0 + 50, c0:c0 + 50]
    assert (block[-1] == 0).all() and np.isnan(block[:-1]).all()
    import shapely
    from rasterio.windows import Window

    from habitatmap.grid import Grid

    settings = json.loads((out / "manifest.json").read_text())["settings"]
    grid = Grid.from_dict(settings["grid"])
    inside = grid.inside(shapely.from_wkt(settings["area"]["wkt"]), Window(0, 0, grid.width, grid.height))
    empty = int(((data[-1] == 0) & inside).sum())
    assert empty >= 2500 and np.isnan(data[0][~inside]).all()
    assert "Warning:" in r.stderr and "no clear observation" in r.stderr
    pct = float(r.stderr.split("% of the area")[0].split()[-1])
    assert pct == pytest.approx(100 * empty / inside.sum(), abs=0.1)


def test_truncated_asset_names_it_other_scenes_still_done_then_resumes(cli, server, stac, tmp_path):
    items = tmp_path / "items.json"
    _ok(cli("scenes", "search", "--stac", f"{server.url}/catalog.json", "--bbox", SMALL, "--out", items))
    victim = sorted(stac.rglob("LC08_L2SP_115030_20220911*_SR_B5.TIF"))[0]
    good = victim.read_bytes()
    victim.write_bytes(good[: len(good) // 2])
    out = tmp_path / "scenes"
    r = cli("scenes", "pull", items, "--bbox", SMALL, "--out", out)
    assert r.exit_code == 2
    assert "LC08_L2SP_115030_20220911_02_T1" in r.stderr and "nir08" in r.stderr
    assert victim.name in r.stderr and "truncated" in r.stderr
    assert "1 of 6 scenes failed" in r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["scenes"]) == 5 and [f["id"] for f in manifest["failed"]] == [
        "LC08_L2SP_115030_20220911_02_T1"]
    assert not list(out.glob("*.part"))
    victim.write_bytes(good)
    r = _ok(cli("scenes", "pull", items, "--bbox", SMALL, "--out", out))
    assert r.stdout.count(" skipped ") == 5 and r.stdout.count(" done ") == 1
    assert json.loads((out / "manifest.json").read_text())["failed"] == []


def test_corrupt_asset_of_the_right_size_is_named(cli, stac, tmp_path):
    victim = sorted(stac.rglob("LC08_L2SP_115030_20210622*_SR_B4.TIF"))[0]
    raw = bytearray(victim.read_bytes())
    rng = np.random.default_rng(1)
    raw[40_000:-1_000] = rng.integers(0, 256, len(raw) - 41_000, dtype=np.uint8).tobytes()
    victim.write_bytes(bytes(raw))
    r = cli("scenes", "pull", stac / "catalog.json", "--aoi", AOI, "--out", tmp_path / "o")
    assert r.exit_code == 2 and "asset red" in r.stderr and victim.name in r.stderr
    assert "1 of 6 scenes failed" in r.stderr and "Traceback" not in r.stderr


def _items_file(stac: Path, path: Path, edit) -> Path:
    from habitatmap.scenes import standalone_item

    docs = [standalone_item(i) for i in load_items(stac / "catalog.json")]
    edit(docs)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": docs}))
    return path


def test_item_id_with_path_is_sanitised_and_nothing_lands_outside(cli, stac, tmp_path):
    def evil(docs):
        docs[0]["id"] = "../../x"
    items = _items_file(stac, tmp_path / "items.json", evil)
    out = tmp_path / "a" / "b" / "out"
    before = {p for p in tmp_path.rglob("*")}
    _ok(cli("scenes", "pull", items, "--bbox", SMALL, "--out", out))
    new = {p for p in tmp_path.rglob("*")} - before
    assert all(p == out or out in p.parents or p in out.parents for p in new), new
    manifest = json.loads((out / "manifest.json").read_text())
    entry = next(s for s in manifest["scenes"] if s["id"] == "../../x")
    assert "/" not in entry["file"] and not entry["file"].startswith(".")
    assert (out / entry["file"]).is_file()


def test_unsupported_schemes_and_vrt_assets_are_refused(cli, stac, tmp_path):
    vrt_as_tif = tmp_path / "sneaky.TIF"
    subprocess.run(["gdalbuildvrt", "-q", str(tmp_path / "x.vrt"),
                    str(next(stac.rglob("*_SR_B4.TIF")))], check=False)
    if (tmp_path / "x.vrt").exists():
        shutil.copy(tmp_path / "x.vrt", vrt_as_tif)
    else:  # no gdal-bin: a minimal VRT by hand is enough for the check
        vrt_as_tif.write_text('<VRTDataset rasterXSize="1" rasterYSize="1"></VRTDataset>')

    def edit(docs):
        docs[0]["assets"]["red"]["href"] = "s3://usgs-landsat/collection02/x_SR_B4.TIF"
        docs[1]["assets"]["red"]["href"] = str(tmp_path / "x.vrt")
        docs[2]["assets"]["red"]["href"] = str(vrt_as_tif)
        docs[3]["assets"]["red"]["href"] = "/vsicurl/http://example.org/x.TIF"
        for d in docs[:4]:
            d["assets"]["red"].pop("file:size", None)
    items = _items_file(stac, tmp_path / "items.json", edit)
    r = cli("scenes", "pull", items, "--bbox", SMALL, "--out", tmp_path / "o")
    assert r.exit_code == 2 and "4 of 6 scenes failed" in r.stderr
    assert "requester-pays S3 bucket; pass --requester-pays" in r.stderr
    assert ".vrt assets are refused" in r.stderr
    assert "cannot read it as a GeoTIFF" in r.stderr
    assert "GDAL virtual paths are not read" in r.stderr


def test_unknown_grid_crs_is_one_sentence(cli, stac, tmp_path):
    r = cli("scenes", "pull", stac / "catalog.json", "--bbox", SMALL, "--crs", "EPSG:99999",
            "--out", tmp_path / "o")
    assert r.exit_code == 2 and "--crs 'EPSG:99999': not a coordinate reference system" in r.stderr
    assert "Traceback" not in r.stderr


def test_damaged_pulled_scene_is_named_by_composite(cli, stac, tmp_path):
    out = tmp_path / "scenes"
    pull_scenes(load_items(stac / "catalog.json"), area_from_bbox(SMALL), out)
    victim = sorted(out.glob("L*.tif"))[0]
    victim.write_bytes(victim.read_bytes()[:2000])
    r = cli("composite", out, "--out", tmp_path / "c.tif")
    assert r.exit_code == 2 and victim.name in r.stderr and "run the same 'scenes pull' again" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "c.tif").exists()
    victim.unlink()  # a rerun of the pull restores it, and the composite then works
    pull_scenes(load_items(stac / "catalog.json"), area_from_bbox(SMALL), out)
    _ok(cli("composite", out, "--out", tmp_path / "c.tif"))
