"""Compositing, indices, months and grids, against hand-computed values."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from rasterio.windows import Window

from habitatmap.composite.build import (
    CompositeResult,
    CompositeSettings,
    block_size_for,
    composite_block,
    composite_scenes,
    medoid,
    read_stack,
)
from habitatmap.composite.spec import METHODS, parse_months
from habitatmap.errors import ConfigError, InputDataError
from habitatmap.grid import Grid, utm_epsg


@pytest.mark.parametrize(("spec", "months"), [
    ("6-9", {6, 7, 8, 9}), ("11-2", {11, 12, 1, 2}), ("6,7,9", {6, 7, 9}), ("6-7,9", {6, 7, 9}),
    ("12", {12}), (None, None), ("", None),
])
def test_months(spec, months):
    assert parse_months(spec) == (frozenset(months) if months else None)


@pytest.mark.parametrize("spec", ["0-3", "6-13", "june", "6-", "6--9"])
def test_bad_months(spec):
    with pytest.raises(ConfigError, match="--months"):
        parse_months(spec)


def test_medoid_matches_brute_force():
    rng = np.random.default_rng(3)
    t, b, n = 5, 3, 200
    stack = rng.random((t, b, n), dtype=np.float32)
    valid = rng.random((t, n)) > 0.3
    valid[:, 0] = False  # no observation
    got = medoid(stack, valid)
    assert np.isnan(got[:, 0]).all()
    for p in range(1, n):
        obs = [i for i in range(t) if valid[i, p]]
        cost = {i: sum(np.linalg.norm(stack[i, :, p] - stack[j, :, p]) for j in obs) for i in obs}
        best = min(obs, key=lambda i: (cost[i], i))
        np.testing.assert_allclose(got[:, p], stack[best, :, p], rtol=1e-6)


def test_composite_block_median_and_count(tmp_path):
    import rasterio

    grid = Grid("EPSG:32652", Grid.from_bounds(32652, (0, 0, 90, 60), 30).transform, 3, 2)
    values = [np.full((2, 2, 3), v, dtype=np.float32) for v in (0.1, 0.2, 0.4)]
    values[0][:, 0, 0] = np.nan          # pixel (0,0): scenes 2,3 -> median 0.3
    values[1][0, 1, 1] = np.nan          # one band missing makes the whole observation unclear
    for v in values:
        v[:, 1, 2] = np.nan              # pixel (1,2): nothing clear
    paths = []
    for i, v in enumerate(values):
        path = tmp_path / f"s{i}.tif"
        with rasterio.open(path, "w", driver="GTiff", width=3, height=2, count=2, dtype="float32",
                           crs="EPSG:32652", transform=grid.transform, nodata=float("nan")) as dst:
            dst.write(v)
        paths.append(str(path))
    _, out, n_in, n_empty = composite_block(paths, Window(0, 0, 3, 2), grid, None, ["red", "nir08"],
                                            "median", ("ndvi",))
    assert out.shape == (4, 2, 3)
    np.testing.assert_allclose(out[0, 0, 0], 0.3, rtol=1e-6)
    np.testing.assert_allclose(out[:2, 1, 1], [0.25, 0.25], rtol=1e-6)  # scenes 1 and 3 only
    np.testing.assert_allclose(out[0, 0, 1], 0.2, rtol=1e-6)
    np.testing.assert_array_equal(out[3], [[2, 3, 3], [3, 2, 0]])
    assert np.isnan(out[:3, 1, 2]).all() and out[3, 1, 2] == 0
    assert (n_in, n_empty) == (6, 1)


def test_block_size_keeps_task_memory_flat():
    sizes = {t: block_size_for(t, 7) for t in (1, 2, 6, 12, 50)}
    for t, side in sizes.items():
        assert side % 256 == 0 and 256 <= side <= 2048
        if side > 256:
            assert t * 7 * 4 * 3 * side * side <= 192 * 1024 * 1024
    assert sizes[2] > sizes[12]


def test_grid_snaps_outward_to_the_anchor_lattice():
    g = Grid.from_bounds("EPSG:32652", (632_401.0, 4_745_620.0, 650_890.0, 4_764_190.0), 30,
                         anchor=(632_310.0, 4_764_210.0))
    w, s, e, n = g.bounds
    assert (w, n) == (632_400.0, 4_764_210.0)
    assert (w - 632_310) % 30 == 0 and (4_764_210 - s) % 30 == 0
    assert w <= 632_401 and e >= 650_890 and s <= 4_745_620 and n >= 4_764_190
    assert e - w == 30 * g.width and n - s == 30 * g.height
    windows = list(g.blocks(256))
    assert sum(win.width * win.height for win in windows) == g.width * g.height
    assert Grid.from_dict(g.to_dict()) == g


@pytest.mark.parametrize(("lon", "lat", "epsg"), [(130.7, 42.9, 32652), (96.5, 50.3, 32647),
                                                    (-70.0, -33.0, 32719), (179.99, 10, 32660)])
def test_utm_zones(lon, lat, epsg):
    assert utm_epsg(lon, lat) == epsg


def test_all_months_combinations_parse():
    for a, b in itertools.product(range(1, 13), repeat=2):
        months = parse_months(f"{a}-{b}")
        assert months and a in months and b in months


@pytest.fixture(scope="module")
def pulled(small_sample, tmp_path_factory):
    from habitatmap.area import area_from_bbox
    from habitatmap.scenes.items import read_static_items
    from habitatmap.scenes.pull import PullSettings, pull_scenes

    out = tmp_path_factory.mktemp("c") / "scenes"
    items = read_static_items(small_sample / "stac" / "catalog.json")
    pull_scenes(items, area_from_bbox("130.70,42.92,130.72,42.935"), out, PullSettings(workers=1))
    return out


def test_composite_scenes_writes_a_cog_with_provenance(pulled, tmp_path):
    import json

    import rasterio

    res = composite_scenes(pulled, tmp_path / "summer.tif",
                           CompositeSettings(months=parse_months("6-8"), indices=("ndvi",), threads=1))
    assert isinstance(res, CompositeResult) and res.bands[-2:] == ["ndvi", "clear_count"]
    with rasterio.open(res.path) as ds:
        record = json.loads(ds.tags()["HABITATMAP_PROVENANCE"])
    assert record["product"] == "composite" and record["parameters"]["months"] == [6, 7, 8]
    assert {i["id"] for i in record["inputs"]} == set(res.scenes)
    assert all(i["sha256"] for i in record["inputs"])
    assert res.provenance.canonical_hash() == record["cache_key"]
    assert METHODS == ("median", "medoid")


def test_composite_refuses_what_it_must_not_read(pulled, tmp_path):
    """A manifest naming an absolute path or a VRT got that file read (a VRT put /etc/passwd in band 1)."""
    import json
    import shutil

    bad = tmp_path / "scenes"
    shutil.copytree(pulled, bad)
    doc = json.loads((bad / "manifest.json").read_text())
    doc["scenes"][0]["file"] = "/etc/passwd"
    (bad / "manifest.json").write_text(json.dumps(doc))
    with pytest.raises(InputDataError, match="not a plain name inside"):
        composite_scenes(bad, tmp_path / "x.tif")
    vrt = bad / "evil.tif"
    vrt.write_text('<VRTDataset rasterXSize="1" rasterYSize="1"><VRTRasterBand dataType="Byte" band="1">'
                   '<SimpleSource><SourceFilename>/etc/passwd</SourceFilename></SimpleSource>'
                   '</VRTRasterBand></VRTDataset>')
    doc["scenes"][0]["file"] = "evil.tif"
    (bad / "manifest.json").write_text(json.dumps(doc))
    with pytest.raises(InputDataError, match=r"evil\.tif: cannot read it as a GeoTIFF .*; the pulled "
                                             "scene is damaged: delete it"):
        composite_scenes(bad, tmp_path / "x.tif")
    with pytest.raises(InputDataError, match="cannot be read"):
        read_stack([str(vrt)], Window(0, 0, 1, 1), 1)
    assert not (tmp_path / "x.tif").exists()


def test_composite_errors(pulled, tmp_path):
    with pytest.raises(ConfigError, match="--method 'mean'"):
        composite_scenes(pulled, tmp_path / "x.tif", CompositeSettings(method="mean"))
    with pytest.raises(InputDataError, match=r"no pulled scene in months \[1\]"):
        composite_scenes(pulled, tmp_path / "x.tif", CompositeSettings(months=frozenset({1})))
