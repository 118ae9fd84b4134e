"""Classification end to end on the bundled sample: map, report, polygons, models, bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio

from habitatmap.legend import load_legend

REQUIRED = ("classes", "error_matrix", "overall_accuracy", "users_accuracy", "producers_accuracy",
            "area_ha", "area_ci95_ha")


@pytest.fixture(scope="module")
def demo(demo_run):
    out, _ = demo_run
    return out


@pytest.fixture(scope="module")
def composites(demo):
    return [demo / "composite_summer.tif", demo / "composite_autumn.tif"]


@pytest.fixture(scope="module")
def legend():
    return load_legend()


def test_demo_habitat_map_is_a_styled_cog(demo, legend):
    from rio_cogeo.cogeo import cog_validate

    path = demo / "habitat.tif"
    assert cog_validate(str(path), strict=True)[0]
    with rasterio.open(path) as ds:
        assert ds.count == 1 and ds.dtypes[0] == "uint8" and ds.nodata == legend.nodata
        cmap = ds.colormap(1)
        for c in legend.classes:
            assert cmap[c.code] == c.rgba
        tags = ds.tags()
        assert tags["LEGEND_ID"] == legend.id and tags["LEGEND_VERSION"] == legend.version
        assert tags["MODEL"] == "rf" and tags["SEED"] == "0" and tags["MMU_PIXELS"] == "45"
        assert ds.tags(1)["CLASS_11"] == "korean_pine_broadleaf_forest"
        data = ds.read(1)
        assert set(np.unique(data)) <= {legend.nodata, *legend.codes}
    cats = ET.parse(str(path) + ".aux.xml").findall(".//CategoryNames/Category")
    assert cats[51].text == legend.by_code(51).name("en") and not cats[50].text


def test_demo_reaches_the_accuracy_bar_and_report_has_required_fields(demo, legend):
    report = json.loads((demo / "accuracy" / "report.json").read_text(encoding="utf-8"))
    for key in REQUIRED:
        assert key in report
    assert report["overall_accuracy"] >= 0.85
    k = len(report["classes"])
    assert report["classes"] == [c for c in legend.codes if c in report["classes"]]
    for key in ("users_accuracy", "producers_accuracy", "area_ha", "area_ci95_ha", "f1"):
        assert len(report[key]) == k
    assert np.array(report["error_matrix"]).shape == (k, k)
    assert "Stehman" in report["design"]
    assert (demo / "accuracy" / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (demo / "accuracy" / "report.md").read_text(encoding="utf-8")
    assert f"{100 * report['overall_accuracy']:.1f} %" in md


def test_report_agrees_with_a_hand_computation(demo, sample_dir):
    """Recompute the stratified estimates with plain pandas from the points and the map (the
    demo's reference sample is designed from its map and labelled from the synthetic truth)."""
    report = json.loads((demo / "accuracy" / "report.json").read_text(encoding="utf-8"))
    legend = load_legend()
    pts = gpd.read_file(demo / "reference_sample.gpkg", layer="sample")
    with rasterio.open(demo / "habitat.tif") as ds:
        pts = pts.to_crs(ds.crs)
        pts["map"] = [v[0] for v in ds.sample(zip(pts.geometry.x, pts.geometry.y, strict=True))]
        pixel_ha = abs(ds.transform.a * ds.transform.e) / 10_000
    pts = pts[pts["map"] != 0].copy()
    pts["ref"] = [legend.by_key(k).code for k in pts["habitat"]]
    strata = pts.groupby("stratum").agg(N=("stratum_pixels", "first"), n=("ref", "size"))
    weight = strata["N"] / strata["N"].sum()
    correct = (pts["map"] == pts["ref"]).groupby(pts["stratum"]).mean()
    assert report["overall_accuracy"] == pytest.approx(float((weight * correct).sum()), abs=1e-6)
    i = report["classes"].index(11)
    share = (pts["ref"] == 11).groupby(pts["stratum"]).mean()
    area = float((weight * share).sum() * strata["N"].sum() * pixel_ha)
    assert report["area_ha"][i] == pytest.approx(area, abs=0.01)
    mapped11 = (pts["map"] == 11)
    hit = (mapped11 & (pts["ref"] == 11)).groupby(pts["stratum"]).mean()
    ua = float((weight * hit).sum() / (weight * mapped11.groupby(pts["stratum"]).mean()).sum())
    assert report["users_accuracy"][i] == pytest.approx(ua, abs=1e-6)
    assert pd.Series(report["error_matrix"][i]).sum() == int(mapped11.sum())


def test_polygons_are_valid_and_carry_every_language(demo, legend):
    gdf = gpd.read_file(demo / "habitats.gpkg", layer="habitats")
    assert len(gdf) > 100 and gdf.is_valid.all() and not gdf.is_empty.any()
    assert set(gdf.columns) >= {"code", "key", "name_en", "name_ru", "name_zh", "name_mn", "area_ha"}
    np.testing.assert_allclose(gdf["area_ha"], gdf.area / 10_000, atol=1e-3)
    row = gdf[gdf["code"] == 51].iloc[0]
    assert row["name_ru"] == "Водно-болотные угодья" and row["name_zh"] == "湿地"
    # One coverage: simplification left no overlaps between neighbours.
    import shapely

    union = shapely.union_all(gdf.geometry.values)
    assert gdf.area.sum() == pytest.approx(union.area, rel=1e-9)
    with rasterio.open(demo / "habitat.tif") as ds:
        mapped = (ds.read(1) != 0).sum() * 900.0
    assert union.area == pytest.approx(mapped, rel=0.01)


def test_cross_validation_report_and_saved_model_reuse(cli, composites, demo, sample_dir, tmp_path):
    r = cli("classify", *composites, "--training", sample_dir / "samples" / "training_points.gpkg",
            "--out", tmp_path / "cv.tif",
            "--report", tmp_path / "cv", "--cv-block-km", "4")
    assert r.exit_code == 0, r.stderr
    report = json.loads((tmp_path / "cv" / "report.json").read_text(encoding="utf-8"))
    assert "cross-validation" in report["design"] and report["overall_accuracy"] > 0.5
    # The demo's saved model maps the same composites to the same map as the demo did.
    r = cli("classify", *composites, "--model", demo / "habitat_model.skops", "--out", tmp_path / "re.tif")
    assert r.exit_code == 0, r.stderr
    with rasterio.open(tmp_path / "re.tif") as a, rasterio.open(demo / "habitat.tif") as b:
        assert np.array_equal(a.read(1), b.read(1))


def test_accuracy_command_reproduces_the_demo_report(cli, demo, sample_dir, tmp_path):
    r = cli("accuracy", demo / "habitat.tif", "--reference", demo / "reference_sample.gpkg",
            "--out", tmp_path / "acc")
    assert r.exit_code == 0, r.stderr
    a = json.loads((tmp_path / "acc" / "report.json").read_text(encoding="utf-8"))
    b = json.loads((demo / "accuracy" / "report.json").read_text(encoding="utf-8"))
    for key in REQUIRED:
        assert a[key] == b[key]


def _training(sample_dir, **changes) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(sample_dir / "samples" / "training_points.gpkg")
    for k, v in changes.items():
        gdf[k] = v
    return gdf


def test_crosswalk_and_polygon_training(cli, composites, sample_dir, legend, tmp_path):
    gdf = _training(sample_dir)
    import yaml

    xw = yaml.safe_load((sample_dir.parents[1] / "styles/crosswalks/ru_forest_inventory.yaml")
                        .read_text(encoding="utf-8"))
    first = {}
    for name, key in xw["classes"].items():
        first.setdefault(key, name)
    gdf["tip"] = [first[k] for k in gdf["habitat"]]
    # Buffers of 60 m (UTM): polygons covering a few pixels each, of which 3 are sampled.
    poly = gdf.to_crs(32652)
    poly["geometry"] = poly.buffer(60)
    poly[["tip", "geometry"]].to_file(tmp_path / "ru.gpkg")
    r = cli("classify", *composites, "--training", tmp_path / "ru.gpkg", "--label-field", "tip",
            "--crosswalk", "styles/crosswalks/ru_forest_inventory.yaml", "--max-per-polygon", "3",
            "--out", tmp_path / "ru.tif", "--mmu-ha", "0")
    assert r.exit_code == 0, r.stderr
    assert "trained rf on" in r.stdout
    n = int(r.stdout.split("trained rf on ")[1].split()[0])
    assert len(gdf) * 2 < n <= len(gdf) * 3


def test_bad_labels_and_few_samples(cli, composites, sample_dir, tmp_path):
    gdf = _training(sample_dir)
    gdf.loc[:4, "habitat"] = "taiga"
    gdf.to_file(tmp_path / "bad.gpkg")
    r = cli("classify", *composites, "--training", tmp_path / "bad.gpkg", "--out", tmp_path / "m.tif")
    assert r.exit_code == 2 and "'taiga' (5)" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "m.tif").exists()
    gdf = _training(sample_dir)
    water = gdf.index[gdf["habitat"] == "open_water"]
    gdf.drop(index=water[4:]).to_file(tmp_path / "few.gpkg")
    r = cli("classify", *composites, "--training", tmp_path / "few.gpkg", "--out", tmp_path / "few.tif")
    assert r.exit_code == 0, r.stderr
    assert "'open_water' has only" in r.stderr


def test_missing_band_no_valid_sample_no_overlap(cli, composites, demo, sample_dir, tmp_path):
    r = cli("classify", composites[0], "--model", demo / "habitat_model.skops", "--out", tmp_path / "a.tif")
    assert r.exit_code == 2 and "composite #2 (not given): has no band 'blue'" in r.stderr
    r = cli("classify", composites[0], demo / "habitat.tif", "--model", demo / "habitat_model.skops",
            "--out", tmp_path / "a.tif")
    assert r.exit_code == 2 and "habitat.tif: has no band 'blue'" in r.stderr

    with rasterio.open(composites[0]) as ds:
        nan_rc = np.argwhere(np.isnan(ds.read(1)))[:40]
        xs, ys = rasterio.transform.xy(ds.transform, nan_rc[:, 0], nan_rc[:, 1])
        crs = ds.crs
    nodata = gpd.GeoDataFrame({"habitat": ["wetland", "cropland"] * 20},
                              geometry=gpd.points_from_xy(xs, ys), crs=crs)
    nodata.to_file(tmp_path / "nodata.gpkg")
    r = cli("classify", *composites, "--training", tmp_path / "nodata.gpkg", "--out", tmp_path / "b.tif")
    assert r.exit_code == 2 and "falls on a pixel with data" in r.stderr

    far = _training(sample_dir).copy()
    far["geometry"] = far.geometry.translate(5.0, 0.0)
    far.to_file(tmp_path / "far.gpkg")
    r = cli("classify", *composites, "--training", tmp_path / "far.gpkg", "--out", tmp_path / "c.tif")
    assert r.exit_code == 2 and "do not overlap" in r.stderr
    assert not any((tmp_path / n).exists() for n in ("a.tif", "b.tif", "c.tif"))


def test_model_file_is_refused_when_not_a_model(cli, composites, tmp_path):
    (tmp_path / "fake.skops").write_bytes(b"not a zip")
    r = cli("classify", *composites, "--model", tmp_path / "fake.skops", "--out", tmp_path / "x.tif")
    assert r.exit_code == 2 and "not a skops model file" in r.stderr


def test_model_metadata(demo, legend):
    from habitatmap.habitat.models import load_model

    model = load_model(demo / "habitat_model.skops")
    assert model.metadata["legend_id"] == legend.id and model.metadata["legend_version"] == legend.version
    assert model.feature_names[0] == "1:blue" and model.feature_names[-1] == "2:ndmi"
    assert {"scikit-learn", "numpy", "skops"} <= set(model.metadata["software"])
    assert model.metadata["seed"] == 0 and model.codes == sorted(model.codes)


@pytest.mark.slow  # about 30 s; the models and the majority filter have unit tests
def test_gradient_boosting_model_and_majority_filter(cli, composites, sample_dir, tmp_path):
    r = cli("classify", *composites, "--training", sample_dir / "samples" / "training_points.gpkg",
            "--model", "hgb", "--majority", "3", "--out", tmp_path / "hgb.tif",
            "--validation", sample_dir / "samples" / "validation_points.gpkg")
    assert r.exit_code == 0, r.stderr
    assert "trained hgb on" in r.stdout and "overall accuracy 0." in r.stdout
    with rasterio.open(tmp_path / "hgb.tif") as ds:
        assert ds.tags()["MODEL"] == "hgb" and ds.tags()["MAJORITY_FILTER"] == "3"


def test_gap_free_map_with_method_per_pixel(demo):
    """Landsat 7 SLC-off stripes and clouds leave pixels without a clear view in one season: those
    are classified from the other season's model, the method band says which, nodata remains only
    where no composite has a clear view, and the report gives the accuracy of each way."""
    def clear(path):
        with rasterio.open(path) as ds:
            names = list(ds.descriptions)
            keep = [i + 1 for i, n in enumerate(names) if n != "clear_count"]
            return np.isfinite(ds.read(keep)).all(axis=0)

    summer, autumn = clear(demo / "composite_summer.tif"), clear(demo / "composite_autumn.tif")
    with rasterio.open(demo / "habitat.tif") as ds:
        habitat, nodata = ds.read(1), ds.nodata
        assert "habitat_method.tif" in ds.tags()["GAP_FILL"]
    with rasterio.open(demo / "habitat_method.tif") as ds:
        method, names = ds.read(1), ds.tags(1)
    assert names["METHOD_2"] == "only composite_summer.tif"
    assert names["METHOD_3"] == "only composite_autumn.tif"
    assert (summer ^ autumn).sum() > 1000  # the sample really has one-season gaps
    assert (habitat[summer | autumn] != nodata).all()  # every pixel with a clear view is classified
    assert (habitat[~(summer | autumn)] == nodata).all()
    assert ((method == 1) == (summer & autumn & (habitat != nodata))).all()
    assert (method[summer & ~autumn] == 2).all() and (method[autumn & ~summer] == 3).all()
    report = json.loads((demo / "accuracy" / "report.json").read_text(encoding="utf-8"))
    ways = {m["method"]: m for m in report["by_method"]}
    assert set(ways) == {"all composites", "only composite_summer.tif", "only composite_autumn.tif"}
    assert all(m["samples"] > 0 and 0.5 < m["overall_accuracy"] <= 1 for m in ways.values())
    assert sum(m["pixels"] for m in ways.values()) == int((habitat != nodata).sum())
