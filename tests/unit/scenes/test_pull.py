"""The clipped, masked pull: one grid, one COG per scene, a manifest that resumes, safe folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import rasterio

from habitatmap.area import area_from_bbox, read_area
from habitatmap.errors import InputDataError, OutputError
from habitatmap.io.lock import FolderLock
from habitatmap.scenes.items import read_static_items
from habitatmap.scenes.pull import (
    MANIFEST,
    MAX_GRID_CELLS,
    PullResult,
    PullSettings,
    SceneOutcome,
    load_manifest,
    plan_grid,
    pull_scenes,
    safe_name,
    scene_path,
)

BOX = "130.70,42.92,130.72,42.935"


@pytest.fixture(scope="module")
def items(small_sample):
    return read_static_items(small_sample / "stac" / "catalog.json")


@pytest.fixture(scope="module")
def pulled(items, tmp_path_factory):
    out = tmp_path_factory.mktemp("pull") / "scenes"
    result = pull_scenes(items, area_from_bbox(BOX), out, PullSettings(workers=1), source="test")
    return out, result


def test_plan_grid_follows_the_items_lattice(items):
    grid, local = plan_grid(items, area_from_bbox(BOX), PullSettings())
    assert grid.crs == "EPSG:32652" and local.crs == "EPSG:32652"
    t = items[0].properties["proj:transform"]
    assert (grid.transform.c - t[2]) % 30 == 0 and (grid.transform.f - t[5]) % 30 == 0
    utm53, _ = plan_grid(items, area_from_bbox(BOX), PullSettings(crs="EPSG:32653"))
    assert utm53.crs == "EPSG:32653"


def test_pull_writes_masked_scenes_and_a_manifest(pulled, items):
    out, result = pulled
    assert isinstance(result, PullResult) and not result.failed
    assert all(isinstance(o, SceneOutcome) and o.status == "done" for o in result.outcomes)
    manifest = load_manifest(out)
    assert len(manifest["scenes"]) == len(items) and manifest["provenance"]["product"] == "scenes.pull"
    assert [o["path"] for o in manifest["provenance"]["outputs"]] == [e["file"] for e in manifest["scenes"]]
    with rasterio.open(scene_path(out, manifest["scenes"][0])) as ds:
        data = ds.read()
        assert ds.descriptions == PullSettings().bands and np.isnan(data).any()
        assert json.loads(ds.tags()["HABITATMAP_PROVENANCE"])["product"] == "scenes.scene"
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST,
                                                            *(e["file"] for e in manifest["scenes"])])


def test_a_second_pull_resumes(pulled, items):
    out, _ = pulled
    again = pull_scenes(items, area_from_bbox(BOX), out, PullSettings(workers=1))
    assert {o.status for o in again.outcomes} == {"skipped"}


def test_prune_drops_scenes_no_longer_asked_for(items, tmp_path):
    out = tmp_path / "scenes"
    pull_scenes(items[:2], area_from_bbox(BOX), out, PullSettings(workers=1))
    gone = scene_path(out, next(e for e in load_manifest(out)["scenes"] if e["id"] == items[1].id))
    pull_scenes(items[:1], area_from_bbox(BOX), out, PullSettings(workers=1))
    assert len(load_manifest(out)["scenes"]) == 2 and gone.is_file()  # without prune: kept
    pull_scenes(items[:1], area_from_bbox(BOX), out, PullSettings(workers=1), prune=True)
    assert [e["id"] for e in load_manifest(out)["scenes"]] == [items[0].id] and not gone.exists()


def test_other_settings_into_the_same_folder_are_refused(pulled, items):
    out, _ = pulled
    with pytest.raises(InputDataError, match="holds scenes pulled with other settings"):
        pull_scenes(items, area_from_bbox(BOX), out, PullSettings(workers=1, keep_snow=True))


def test_pull_keeps_other_files_and_other_runs_leftovers(items, tmp_path):
    """It used to delete every *.part and .*.tmp-* file in --out, its own or not."""
    out = tmp_path / "scenes"
    out.mkdir()
    keep = [out / "notes.part", out / ".x.tmp-1", out / f".a.tif.hm-{os.getpid()}-zz.tif"]
    for p in keep:
        p.write_text("someone else's")
    pull_scenes(items[:1], area_from_bbox(BOX), out, PullSettings(workers=1))
    assert all(p.read_text() == "someone else's" for p in keep)


def test_two_pulls_into_one_folder_one_waits_for_none(items, tmp_path):
    """The second run gets one sentence instead of a traceback or a lost scene."""
    out = tmp_path / "scenes"
    out.mkdir()
    with FolderLock(out), pytest.raises(OutputError, match="another habitatmap run is writing"):
        pull_scenes(items[:1], area_from_bbox(BOX), out, PullSettings(workers=1))


def test_no_overlap_and_file_as_folder(items, tmp_path):
    with pytest.raises(InputDataError, match="no item of x overlaps this area"):
        pull_scenes(items, area_from_bbox("10,10,11,11"), tmp_path / "o", source="x")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputDataError, match="is a file, but --out must be a folder"):
        pull_scenes(items[:1], area_from_bbox(BOX), tmp_path / "file", PullSettings(workers=1))


def test_manifest_entries_cannot_point_outside_the_folder(pulled, tmp_path):
    """A manifest naming /etc/passwd or a VRT elsewhere used to have that file read by composite."""
    out, _ = pulled
    for bad in ("/etc/passwd", "../../x.tif", "/vsizip/a.zip/b.tif"):
        with pytest.raises(InputDataError, match="not a plain name inside"):
            scene_path(out, {"file": bad})
    assert scene_path(out, {"file": "a.tif"}).parent == out.resolve()


def test_load_manifest_errors(tmp_path):
    with pytest.raises(InputDataError, match=r"no manifest.json here"):
        load_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text("{broken")
    with pytest.raises(InputDataError, match="not valid JSON"):
        load_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text('{"kind": "other"}')
    with pytest.raises(InputDataError, match="not a habitatmap pull manifest"):
        load_manifest(tmp_path)


@pytest.mark.parametrize("item_id", ["../../x", "a/b", "..", ".hidden", "a\\b", "x" * 300, "ok id?*"])
def test_safe_names_stay_in_the_folder(item_id, tmp_path):
    name = safe_name(item_id)
    assert "/" not in name and "\\" not in name and not name.startswith(".") and len(name) < 140
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()


def test_safe_names_keep_distinct_ids_distinct():
    assert safe_name("LC08_L2SP_115030_20210622_02_T1") == "LC08_L2SP_115030_20210622_02_T1"
    assert safe_name("a/b") != safe_name("a_b") and safe_name("a/b") != safe_name("a?b")


def test_a_pull_killed_by_sigterm_leaves_no_staging_file(small_sample, tmp_path):
    """Worker processes remove their staging files when the batch scheduler stops the job."""
    out = tmp_path / "scenes"
    script = (f"from habitatmap.scenes.items import read_static_items\n"
              f"from habitatmap.scenes.pull import pull_scenes, PullSettings\n"
              f"from habitatmap.area import area_from_bbox\n"
              f"from habitatmap.parallel import raise_on_sigterm\n"
              f"raise_on_sigterm()\n"
              f"items = read_static_items({str(small_sample / 'stac' / 'catalog.json')!r})\n"
              f"pull_scenes(items, area_from_bbox('130.6,42.85,130.85,43.02'), {str(out)!r},"
              f" PullSettings(workers=2, block=64))\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.name.startswith(".") for p in
                                                   (out.iterdir() if out.exists() else [])):
        time.sleep(0.02)
    proc.terminate()
    proc.communicate(timeout=60)
    time.sleep(0.5)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert read_area  # the area helpers are shared with the CLI


def test_plan_grid_refuses_a_resolution_that_makes_the_grid_unbounded(items):
    with pytest.raises(InputDataError, match=r"at --resolution 0\.001 the grid would have .* cells, more"):
        plan_grid(items, area_from_bbox(BOX), PullSettings(resolution=0.001))
    assert MAX_GRID_CELLS == 2**34


def test_load_manifest_refuses_entries_of_the_wrong_shape(tmp_path):
    good = {"kind": "habitatmap.scenes.pull", "settings": {}, "scenes": []}
    for scenes, message in [("all", "'scenes' is not a list"), ([{"id": 1, "file": "a.tif"}], "entry 1"),
                            ([{"id": "a", "file": ["x"]}], "entry 1"), (["a.tif"], "scene entry 1")]:
        (tmp_path / MANIFEST).write_text(json.dumps({**good, "scenes": scenes}))
        with pytest.raises(InputDataError, match=message):
            load_manifest(tmp_path)


def test_raise_for_failures_names_the_first_failed_scene(tmp_path):
    from affine import Affine

    from habitatmap.errors import CatalogError
    from habitatmap.grid import Grid

    grid = Grid("EPSG:32652", Affine(30, 0, 0, 0, -30, 0), 2, 2)
    done = SceneOutcome("A", "done")
    ok = PullResult(grid, tmp_path / MANIFEST, [done], [])
    ok.raise_for_failures()  # nothing failed
    bad = PullResult(grid, tmp_path / MANIFEST, [done, SceneOutcome("B", "failed", error="HTTP 500"),
                                                 SceneOutcome("C", "failed", error="timeout")], [])
    with pytest.raises(CatalogError, match=r"^B: HTTP 500 \(2 of 3 scenes failed; run again to retry"):
        bad.raise_for_failures()
