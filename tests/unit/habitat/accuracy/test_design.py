"""Reference sample design: Olofsson et al. (2014) sample size and allocation, the random draw."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.habitat.accuracy.design import (
    SampleDesign,
    allocate,
    design_sample,
    draw_stratified,
    sample_size,
    write_design,
)

# ../shared/facts/olofsson2014-example.md: mapped pixels of the four strata (W = .02 .015 .32 .645)
PIXELS = {1: 200_000, 2: 150_000, 3: 3_200_000, 4: 6_450_000}
UA = {1: 0.7, 2: 0.6, 3: 0.9, 4: 0.95}  # the paper's anticipated user's accuracies (section 5.1)


def test_sample_size_of_the_paper():
    """Olofsson et al. 2014 section 5.1: S(O) = 0.01 gives n = 641."""
    total = sum(PIXELS.values())
    assert sample_size({c: p / total for c, p in PIXELS.items()}, UA, 0.01) == 641
    with pytest.raises(ConfigError, match="between 0 and 1"):
        sample_size({1: 1.0}, {1: 1.0}, 0.01)
    with pytest.raises(ConfigError, match="target-se"):
        sample_size({1: 1.0}, {1: 0.8}, 0)


def test_allocation_minimum_then_proportional():
    """The paper gives each change stratum 75 and shares the rest by area (its 165/325 for the
    stable strata are the same shares rounded by hand; ours round by largest remainder)."""
    alloc = allocate(641, PIXELS, 75)
    assert alloc == {1: 75, 2: 75, 3: 163, 4: 328} and sum(alloc.values()) == 641
    assert abs(alloc[3] - 165) <= 3 and abs(alloc[4] - 325) <= 3
    assert allocate(10, {1: 3, 2: 100}, 5) == {1: 3, 2: 7}  # capped by a stratum's pixels
    assert allocate(100, {1: 500, 2: 500}, 0) == {1: 50, 2: 50}


@pytest.fixture()
def class_map(tmp_path):
    data = np.zeros((200, 300), np.uint8)
    data[:, :200] = 1
    data[:, 200:290] = 2
    data[:, 290:] = 3
    data[:5, :5] = 0  # nodata
    path = tmp_path / "map.tif"
    with rasterio.open(path, "w", driver="GTiff", width=300, height=200, count=1, dtype="uint8", nodata=0,
                       crs="EPSG:32652", transform=Affine(30, 0, 500000, 0, -30, 4700000),
                       tiled=True, blockxsize=64, blockysize=64) as dst:
        dst.write(data, 1)
    return path, data


def test_draw_is_a_random_sample_of_each_stratum(class_map):
    path, data = class_map
    counts = {c: int((data == c).sum()) for c in (1, 2, 3)}
    drawn = draw_stratified(path, {1: 30, 2: 20, 3: 10}, counts, seed=3, block=50)
    for c, (r, cc) in drawn.items():
        assert len(set(zip(r.tolist(), cc.tolist(), strict=True))) == {1: 30, 2: 20, 3: 10}[c]
        assert (data[r, cc] == c).all()
    again = draw_stratified(path, {1: 30, 2: 20, 3: 10}, counts, seed=3, block=128)
    assert all((drawn[c][0] == again[c][0]).all() for c in drawn)  # the blocks do not change the draw


def test_design_sample_and_file(class_map, tmp_path, root):
    import geopandas as gpd

    from habitatmap.legend import load_legend

    path, data = class_map
    legend = load_legend()
    codes = legend.codes[:3]
    remapped = np.select([data == 1, data == 2, data == 3], codes, 0).astype(np.uint8)
    with rasterio.open(path, "r+") as ds:
        ds.write(remapped, 1)
    d = design_sample(path, legend, target_se=0.02, min_per_class=20, users_accuracy=0.8, seed=1)
    assert isinstance(d, SampleDesign) and d.n == sum(row["n"] for row in d.table)
    assert min(row["n"] for row in d.table) >= 20
    out = write_design(d, tmp_path / "sample.gpkg", map_path=str(path))
    pts = gpd.read_file(out)  # the sample layer is the one a reader finds
    assert len(pts) == d.n and pts["habitat"].isna().all()
    assert set(pts["stratum"]) == {legend.by_code(c).key for c in codes}
    assert (pts.groupby("stratum")["stratum_pixels"].nunique() == 1).all()
    with pytest.raises(ConfigError, match=r"not keys of the map.s classes"):
        design_sample(path, legend, users_accuracy={"no_such_class": 0.9})
    empty = tmp_path / "empty.tif"
    with rasterio.open(empty, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8", nodata=0,
                       crs="EPSG:32652", transform=Affine(30, 0, 0, 0, -30, 0)) as dst:
        dst.write(np.zeros((4, 4), np.uint8), 1)
    with pytest.raises(InputDataError, match="no classified pixel"):
        design_sample(empty, legend)
    floats = tmp_path / "float.tif"
    with rasterio.open(floats, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32",
                       crs="EPSG:32652", transform=Affine(30, 0, 0, 0, -30, 0)) as dst:
        dst.write(np.ones((4, 4), np.float32), 1)
    with pytest.raises(InputDataError, match="one integer band of legend codes"):
        design_sample(floats, legend)  # a composite passed by mistake


def test_cli_design_label_assess(demo_run, cli, tmp_path, sample_dir):
    """accuracy design -> label (here from the sample's synthetic truth) -> accuracy: the report's
    area estimates have real, non-zero confidence intervals."""
    import json

    import geopandas as gpd

    habitat = demo_run[0] / "habitat.tif"
    out = tmp_path / "s.gpkg"
    r = cli("accuracy", "design", habitat, "--n", "300", "--min-per-class", "10", "--seed", "4", "--out", out)
    assert r.exit_code == 0, r.stderr
    assert "300 points" in r.stdout
    pts = gpd.read_file(out)
    assert len(pts) == 300 and pts["habitat"].isna().all()
    r = cli("accuracy", habitat, "--reference", out, "--out", tmp_path / "unlabelled")
    assert r.exit_code == 2  # empty labels are refused, not read as a class
    from habitatmap.habitat.accuracy.design import label_from_raster
    from habitatmap.legend import load_legend

    legend = load_legend()
    d = SampleDesign(points=pts, table=[], n=len(pts), target_se=None, min_per_class=10, seed=4)
    labelled = label_from_raster(d, sample_dir / "truth_habitat.tif", legend)
    labelled.points.to_file(tmp_path / "labelled.gpkg")
    r = cli("accuracy", habitat, "--reference", tmp_path / "labelled.gpkg", "--out", tmp_path / "rep")
    assert r.exit_code == 0, r.stderr
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert "stratified random by the sample's 'stratum'" in report["design"]
    assert max(v for v in report["area_ci95_ha"] if v is not None) > 0  # not the zero-width CIs
    r = cli("accuracy", "design", habitat, "--users-accuracy", "nope=2", "--out", tmp_path / "x.gpkg")
    assert r.exit_code == 2 and "--users-accuracy" in r.stderr


def _class_raster(path, data):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype="uint8", crs="EPSG:32652", transform=Affine(30, 0, 600000, 0, -30, 4750000),
                       nodata=0) as ds:
        ds.write(data.astype("uint8"), 1)
        ds.update_tags(LEGEND_ID="habitatmap-transboundary", LEGEND_VERSION="1.0.0")


def test_a_change_map_is_designed_on_its_pairs_labelled_and_estimated(tmp_path):
    """``accuracy design`` on ``change habitat``'s map: from-to pairs as strata, a ``reference``
    field, labels from a reference change raster, and the filled-in sample taken by ``change
    habitat --reference``: the truth has a burn the map missed, and the estimate finds it."""
    from habitatmap.change.habitat import run_habitat_change
    from habitatmap.habitat.accuracy.design import label_from_raster
    from habitatmap.legend import load_legend

    legend = load_legend()
    before = np.full((60, 60), 11)
    mapped = before.copy()
    mapped[:20, :20] = 71  # the map's burn: 400 px
    truth = mapped.copy()
    truth[20:30, :20] = 71  # the true burn is half as large again
    for name, data in (("h1", before), ("h2", mapped), ("t2", truth)):
        _class_raster(tmp_path / f"{name}.tif", data)
    run_habitat_change(tmp_path / "h1.tif", tmp_path / "h2.tif", tmp_path / "map", legend)
    run_habitat_change(tmp_path / "h1.tif", tmp_path / "t2.tif", tmp_path / "truth", legend)
    design = design_sample(tmp_path / "map" / "change.tif", legend, n=60, min_per_class=20, seed=3)
    assert design.label_field == "reference"
    assert {r["key"]: r["n"] for r in design.table} == {
        "korean_pine_broadleaf_forest>korean_pine_broadleaf_forest": 40,
        "korean_pine_broadleaf_forest>burned_bare": 20}
    assert "reference" in design.points and "habitat" not in design.points
    with pytest.raises(ConfigError, match="from>to"):
        design_sample(tmp_path / "map" / "change.tif", legend, n=60, users_accuracy={"burned_bare": 0.9})
    labelled = label_from_raster(design, tmp_path / "truth" / "change.tif", legend)
    # The two years' reference maps label the same points the same way as their change raster.
    pair = label_from_raster(design, tmp_path / "h1.tif", legend, after=tmp_path / "t2.tif")
    assert list(pair.points["reference"]) == list(labelled.points["reference"])
    assert "labelled from h1.tif and t2.tif" in pair.notes
    with pytest.raises(ConfigError, match="labels only a change map's sample"):
        habitat_design = design_sample(tmp_path / "h1.tif", legend, n=5, min_per_class=0)
        label_from_raster(habitat_design, tmp_path / "h1.tif", legend, after=tmp_path / "t2.tif")
    assert set(labelled.points["reference"]) <= {"korean_pine_broadleaf_forest>korean_pine_broadleaf_forest",
                                                 "korean_pine_broadleaf_forest>burned_bare"}
    sample = write_design(labelled, tmp_path / "sample.gpkg", map_path="change.tif")
    res = run_habitat_change(tmp_path / "h1.tif", tmp_path / "h2.tif", tmp_path / "est", legend,
                             reference=str(sample))
    adj = res.adjusted.set_index("code")
    # Of the 40 points in the 3200 px unchanged stratum, those in the missed burn (200 px) say burned.
    missed = (labelled.points["stratum"].str.endswith(">korean_pine_broadleaf_forest")
              & (labelled.points["reference"] == "korean_pine_broadleaf_forest>burned_bare")).sum()
    assert adj.loc[1171, "adjusted_ha"] == pytest.approx((400 + 3200 * missed / 40) * 0.09, rel=1e-6)


def test_a_change_map_with_codes_outside_the_legend_is_refused(tmp_path):
    from habitatmap.change.habitat import CHANGE_MAP_TAG
    from habitatmap.legend import load_legend

    with rasterio.open(tmp_path / "c.tif", "w", driver="GTiff", width=4, height=4, count=1, dtype="uint16",
                       crs="EPSG:32652", transform=Affine(30, 0, 0, 0, -30, 0), nodata=0) as ds:
        ds.write(np.full((1, 4, 4), 1199, dtype="uint16"))
        ds.update_tags(PRODUCT=CHANGE_MAP_TAG)
    with pytest.raises(InputDataError, match=r"change codes whose classes are not in the legend \(\[1199\]"):
        design_sample(tmp_path / "c.tif", load_legend(), n=10)
