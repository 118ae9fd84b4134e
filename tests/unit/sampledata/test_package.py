"""The bundled synthetic Tumen sample: formats, content and determinism."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pystac
import pytest
import rasterio
import rasterio.transform
import shapely
from pyproj import Transformer
from pyproj.transformer import AreaOfInterest, TransformerGroup
from rio_cogeo.cogeo import cog_validate

from habitatmap.legend import load_legend
from habitatmap.sampledata import DEFAULT_SEED, GENERATOR_VERSION, SCENES, generate, verify
from habitatmap.scenes import read_static_items
from habitatmap.scenes.qa import decode_flags

KEYS = ("blue", "green", "red", "nir08", "swir16", "swir22", "qa_pixel")


@pytest.fixture(scope="module")
def items(sample_dir) -> list[pystac.Item]:
    return read_static_items(sample_dir / "stac" / "catalog.json")


def _asset_path(item: pystac.Item, key: str) -> Path:
    return Path(item.assets[key].get_absolute_href())


def test_sample_is_small_documented_and_verified(sample_dir, root):
    total = sum(p.stat().st_size for p in (root / "sample_data").rglob("*") if p.is_file())
    assert total <= 30 * 1024 * 1024
    meta = verify(sample_dir)
    assert meta["synthetic"] is True and "not official" in meta["description"]
    readme = (root / "sample_data" / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme.lower() and "make sample-data" in readme


def test_every_raster_is_a_valid_cog(sample_dir):
    tifs = sorted(sample_dir.rglob("*.TIF")) + sorted(sample_dir.rglob("*.tif"))
    assert len(tifs) == 6 * 7 + 3  # the scenes, the truth before and after the fire, its severity
    for tif in tifs:
        valid, errors, warnings = cog_validate(str(tif), strict=True, quiet=True)
        assert valid, (tif, errors, warnings)
        with rasterio.open(tif) as ds:
            assert ds.crs.to_epsg() == 32652 and ds.res == (30.0, 30.0)
            assert "SYNTHETIC" in ds.tags()


def test_stac_items_look_like_landsat_c2_l2(items):
    assert len(items) >= 6
    years = {i.datetime.year for i in items}
    seasons = {"summer" if i.datetime.month in (6, 7, 8) else "autumn" for i in items}
    platforms = {i.properties["platform"] for i in items}
    assert years == {2021, 2022} and seasons == {"summer", "autumn"}
    assert platforms == {"landsat-7", "landsat-8", "landsat-9"}
    for item in items:
        assert item.collection_id == "landsat-c2-l2"
        assert set(KEYS) <= set(item.assets)
        assert 0 <= item.properties["eo:cloud_cover"] <= 100
        # Written as projection v1.1 (proj:epsg); pystac >= 1.15 migrates it to proj:code on read.
        assert (item.properties.get("proj:epsg") == 32652
                or item.properties.get("proj:code") == "EPSG:32652")
        assert len(item.properties["proj:transform"]) == 6
        for key in KEYS[:-1]:
            asset = item.assets[key].to_dict()
            assert asset["eo:bands"][0]["common_name"] == key
            rb = asset["raster:bands"][0]
            assert (rb["scale"], rb["offset"], rb["nodata"]) == (0.0000275, -0.2, 0)
        assert item.assets["qa_pixel"].to_dict()["raster:bands"][0]["nodata"] == 1
        # B4 is red on OLI but NIR on ETM+: band names must follow the sensor.
        red = item.assets["red"].to_dict()["eo:bands"][0]["name"]
        assert red == ("SR_B3" if item.properties["platform"] == "landsat-7" else "SR_B4")
        for key in KEYS:
            path = _asset_path(item, key)
            assert path.is_file()
            assert item.assets[key].extra_fields["file:size"] == path.stat().st_size


def test_catalog_and_collection_both_open(sample_dir):
    coll = pystac.read_file(str(sample_dir / "stac" / "landsat-c2-l2" / "collection.json"))
    assert isinstance(coll, pystac.Collection) and coll.id == "landsat-c2-l2"
    assert len(list(coll.get_items())) == len(SCENES)
    assert "SYNTHETIC" in coll.description


def test_qa_bits_decode_to_the_intended_masks(items, sample_dir):
    with rasterio.open(sample_dir / "truth_habitat.tif") as ds:
        truth, truth_tf = ds.read(1), ds.transform
    for item in items:
        with rasterio.open(_asset_path(item, "qa_pixel")) as ds:
            qa, tf = ds.read(1), ds.transform
        with rasterio.open(_asset_path(item, "blue")) as ds:
            blue = ds.read(1).astype(float) * 0.0000275 - 0.2
        with rasterio.open(_asset_path(item, "nir08")) as ds:
            nir_dn = ds.read(1)
        f = decode_flags(qa)
        # Fill is exactly where the reflectance is nodata.
        np.testing.assert_array_equal(f["fill"], nir_dn == 0)
        # Water bit only on true water (the scene is a window of the truth grid).
        r0 = round((truth_tf.f - tf.f) / 30)
        c0 = round((tf.c - truth_tf.c) / 30)
        t = truth[r0:r0 + qa.shape[0], c0:c0 + qa.shape[1]]
        assert np.all(t[f["water"]] == 52)
        assert f["water"].sum() > 0.5 * ((t == 52) & ~f["cloud"] & ~f["fill"]).sum()
        # Clouds are bright, clear pixels are not flagged cloud/dilated.
        clear = f["clear"] & ~f["fill"] & ~f["cloud_shadow"] & ~f["cirrus"]
        assert np.median(blue[f["cloud"]]) > 0.25 > np.median(blue[clear])
        assert not np.any(f["clear"] & (f["cloud"] | f["dilated_cloud"]))
        platform = item.properties["platform"]
        if platform == "landsat-7":
            assert not f["cirrus"].any()
            frac = f["fill"].mean()
            assert 0.15 < frac < 0.45, "SLC-off gaps expected in the Landsat 7 scene"
            # Gaps are stripes: many separate runs down a column.
            col = f["fill"][:, qa.shape[1] // 2].astype(int)
            assert np.count_nonzero(np.diff(col) == 1) > 10
        cc = item.properties["eo:cloud_cover"]
        measured = 100 * (f["cloud"] | f["dilated_cloud"])[~f["fill"]].mean()
        assert abs(cc - measured) < 0.05
    assert any(decode_flags(rasterio.open(_asset_path(i, "qa_pixel")).read(1))["cirrus"].any()
               for i in items)
    assert any(decode_flags(rasterio.open(_asset_path(i, "qa_pixel")).read(1))["cloud_shadow"].any()
               for i in items)


def test_truth_habitat_uses_the_legend(sample_dir):
    legend = load_legend()
    with rasterio.open(sample_dir / "truth_habitat.tif") as ds:
        arr = ds.read(1)
        cmap = ds.colormap(1)
    codes = set(np.unique(arr).tolist())
    assert codes <= set(legend.codes) and len(codes) >= 10
    for code in codes:
        assert cmap[code] == legend.by_code(code).rgba


def test_boundary_layers_encodings_and_crs(sample_dir):
    b = sample_dir / "boundaries"
    assert (b / "ru_leopard_np_zones.cpg").read_text().strip().upper() == "CP1251"
    raw = (b / "ru_leopard_np_zones.dbf").read_bytes()
    assert "заповедная зона".encode("cp1251") in raw  # stored as CP1251 bytes
    ru = gpd.read_file(b / "ru_leopard_np_zones.shp")
    assert ru.crs.to_epsg() == 28422
    assert set(ru["ZONE"]) == {"заповедная зона", "особо охраняемая зона", "рекреационная зона",
                               "зона хозяйственного назначения"}
    assert ru.geometry.is_valid.all()
    layers = [name for name, _ in pyogrio.list_layers(b / "cn_tlnp.gpkg")]
    assert set(layers) == {"国家公园范围", "功能分区"}
    cn = gpd.read_file(b / "cn_tlnp.gpkg", layer="功能分区")
    assert cn.crs.to_epsg() == 4511
    assert set(cn["功能分区"]) == {"核心保护区", "一般控制区"}
    border = gpd.read_file(b / "border_wgs84.geojson")
    assert border.crs.to_epsg() == 4326 and border.geom_type.iloc[0] == "LineString"


def test_russian_layer_lines_up_only_with_the_right_datum_shift(sample_dir):
    """The Russian park's western edge is the border: ~0 m off with Pulkovo (20), ~90 m without."""
    park = gpd.read_file(sample_dir / "boundaries" / "ru_leopard_np.shp").geometry.iloc[0]
    border = gpd.read_file(sample_dir / "boundaries" / "border_wgs84.geojson").to_crs(32652)
    border_line = border.geometry.iloc[0]
    aoi = AreaOfInterest(130.4, 42.7, 131.1, 43.2)
    right = next(t for t in TransformerGroup(28422, 32652, always_xy=True, area_of_interest=aoi)
                 .transformers if "Pulkovo 1942 to WGS 84 (20)" in t.description)
    pts = shapely.get_coordinates(park.exterior)

    def offsets(t: Transformer) -> np.ndarray:
        x, y = t.transform(pts[:, 0], pts[:, 1])
        d = shapely.distance(shapely.points(x, y), border_line)
        return d

    d_right = offsets(right)
    on_border = d_right < 1.0
    assert on_border.sum() > 50  # many park vertices lie on the border
    ballpark = Transformer.from_crs(
        "+proj=tmerc +lat_0=0 +lon_0=129 +k=1 +x_0=22500000 +y_0=0 +ellps=krass +units=m",
        32652, always_xy=True)  # same projection, datum shift ignored
    d_wrong = offsets(ballpark)[on_border]
    assert 60 < np.median(d_wrong) < 130


def test_training_and_validation_samples(sample_dir):
    legend = load_legend()
    with rasterio.open(sample_dir / "truth_habitat.tif") as ds:
        truth, crs, transform = ds.read(1), ds.crs, ds.transform
        train = gpd.read_file(sample_dir / "samples" / "training_points.gpkg")
        valid = gpd.read_file(sample_dir / "samples" / "validation_points.gpkg")
        assert train.crs.to_epsg() == 4326 and valid.crs.to_epsg() == 32652

        def truth_at(gdf):
            g = gdf.to_crs(crs)
            rows, cols = rasterio.transform.rowcol(transform, g.geometry.x.values, g.geometry.y.values)
            codes = truth[np.asarray(rows), np.asarray(cols)]
            return np.array([legend.by_code(int(c)).key for c in codes])

        t_truth = truth_at(train)
        v_truth = truth_at(valid)
    noise = np.mean(t_truth != train["habitat"].values)
    assert 0.02 <= noise <= 0.04  # ~3% label noise, by design
    assert np.all(v_truth == valid["habitat"].values)  # reference labels are clean
    assert set(train["habitat"]) <= {c.key for c in legend.classes}
    # Stratified: every true class present is a stratum with min(25, its pixels) points or more,
    # and the weights are N_h / n_h.
    n_h = valid.groupby("stratum").size()
    big_n = valid.groupby("stratum")["stratum_pixels"].first()
    assert set(n_h.index) == set(t_truth) | set(v_truth)
    assert (n_h >= np.minimum(25, big_n)).all()
    w = valid.groupby("stratum")["sample_weight"].first()
    np.testing.assert_allclose(w, (big_n / n_h).round(4))
    # Validation points are independent of the training sites.
    tv = train.to_crs(32652)
    a = np.array(list(tv.geometry), dtype=object)[:, None]
    b = np.array(list(valid.geometry), dtype=object)[None, :]
    assert shapely.distance(a, b).min() > 0


def test_generator_is_deterministic(small_sample, tmp_path):
    again = generate(tmp_path / "again", size=160)
    a = json.loads((small_sample / "metadata.json").read_text())["files"]
    b = json.loads((again / "metadata.json").read_text())["files"]
    assert a == b  # same SHA-256 for every file


def test_regeneration_reproduces_the_bundled_sample(sample_dir, tmp_path):
    """Same checksums with the recorded library versions; same content with any others."""
    meta = json.loads((sample_dir / "metadata.json").read_text())
    new_dir = generate(tmp_path / "tumen", seed=meta["seed"])
    new = json.loads((new_dir / "metadata.json").read_text())
    assert new["files"].keys() == meta["files"].keys()
    if new["software"] == meta["software"]:
        assert new["files"] == meta["files"]
        return
    # Other GDAL/numpy builds may encode bytes differently and round floats differently (a pixel at a
    # threshold may flip, a DN may move by one), so compare decoded content with small tolerances;
    # any real change to the generator changes far more than these.
    for rel in meta["files"]:
        a, b = sample_dir / rel, new_dir / rel
        if rel.lower().endswith(".tif"):
            with rasterio.open(a) as da, rasterio.open(b) as db:
                x, y = da.read().astype(float), db.read().astype(float)
                assert (da.crs, da.transform, da.count) == (db.crs, db.transform, db.count), rel
            assert (np.abs(x - y) > 2).mean() < 0.01, rel
        elif rel.endswith((".shp", ".gpkg", ".geojson")):
            for layer, _ in pyogrio.list_layers(a):
                ga, gb = gpd.read_file(a, layer=layer), gpd.read_file(b, layer=layer)
                assert list(ga.columns) == list(gb.columns) and ga.crs == gb.crs, rel
                assert abs(len(ga) - len(gb)) <= max(2, 0.02 * len(ga)), rel
                area_a, area_b = (g.to_crs(32652).area.sum() for g in (ga, gb))
                assert abs(area_a - area_b) <= 0.01 * max(area_a, 1e-9), rel


def test_dates_and_ids_are_consistent(items):
    for item in items:
        d = date.fromisoformat(item.id.split("_")[3][:4] + "-" + item.id.split("_")[3][4:6] + "-"
                               + item.id.split("_")[3][6:])
        assert item.datetime.date() == d


def test_verify_names_a_changed_file(small_sample, tmp_path):
    import shutil

    copy = tmp_path / "tumen"
    shutil.copytree(small_sample, copy)
    assert verify(copy)["seed"] == DEFAULT_SEED and GENERATOR_VERSION and len(SCENES) == 6
    (copy / "boundaries" / "border_wgs84.geojson").write_text("{}")
    with pytest.raises(Exception, match=r"border_wgs84.geojson: contents differ from metadata.json"):
        verify(copy)
    with pytest.raises(Exception, match=r"metadata.json missing"):
        verify(tmp_path)


def test_generate_keeps_unrelated_files(tmp_path):
    out = tmp_path / "s"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    generate(out, size=160)
    assert (out / "notes.txt").read_text() == "mine" and (out / "metadata.json").is_file()
