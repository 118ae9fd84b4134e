"""Training/reference samples: labels, crosswalks, reprojection, polygons, strata."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from shapely.geometry import Point, box

from habitatmap.errors import InputDataError, LegendError
from habitatmap.grid import Grid
from habitatmap.habitat.samples import LABEL_FIELDS, SampleSet, read_samples, resolve_labels
from habitatmap.legend import load_legend
from habitatmap.legend.crosswalk import CROSSWALK_DIR, load_crosswalk

GRID = Grid("EPSG:32652", Affine(30.0, 0, 632_190.0, 0, -30.0, 4_764_510.0), 100, 100)


@pytest.fixture(scope="module")
def legend():
    return load_legend()


def test_labels_as_keys_codes_or_national_names(legend):
    codes = resolve_labels(["wetland", 52, "61", "wetland"], legend, crosswalk=None, source="s",
                           field_name="f")
    assert codes.tolist() == [51, 52, 61, 51]
    with pytest.raises(LegendError) as err:
        resolve_labels(["wetland", "taiga", "taiga", None, 99], legend, crosswalk=None, source="t.gpkg",
                       field_name="habitat")
    msg = str(err.value)
    assert "t.gpkg" in msg and "'taiga' (2)" in msg and "'<empty>' (1)" in msg and "'99' (1)" in msg
    assert "--crosswalk" in msg
    ru = load_crosswalk(CROSSWALK_DIR / "ru_forest_inventory.yaml", legend)
    assert resolve_labels(["Дубняки", "Болота"], legend, crosswalk=ru, source="s",
                          field_name="f").tolist() == [12, 51]
    with pytest.raises(LegendError, match="not in the crosswalk: 'wetland'"):
        resolve_labels(["wetland"], legend, crosswalk=ru, source="s", field_name="f")


def _write(gdf: gpd.GeoDataFrame, path):
    gdf.to_file(path)
    return path


def test_points_in_wgs84_land_on_the_right_pixels(legend, tmp_path):
    # Pixel centres of (row 10, col 20) and (row 50, col 70), written in WGS 84.
    xs = [632_190 + 30 * 20.5, 632_190 + 30 * 70.5]
    ys = [4_764_510 - 30 * 10.5, 4_764_510 - 30 * 50.5]
    pts = gpd.GeoDataFrame({"habitat": ["wetland", "cropland"]},
                           geometry=gpd.points_from_xy(xs, ys), crs=GRID.crs).to_crs(4326)
    outside = gpd.GeoDataFrame({"habitat": ["wetland"]}, geometry=[Point(131.5, 43.5)], crs=4326)
    path = _write(gpd.GeoDataFrame(
        gpd.pd.concat([pts, outside], ignore_index=True), crs=4326), tmp_path / "p.gpkg")
    s = read_samples(path, GRID, legend)
    assert s.rows.tolist() == [10, 50] and s.cols.tolist() == [20, 70]
    assert s.codes.tolist() == [51, 61] and s.counts["outside"] == 1
    assert s.operation is not None and s.operation.source_crs == "EPSG:4326"


def test_polygons_are_sampled_with_a_cap(legend, tmp_path):
    big = box(632_190 + 30, 4_764_510 - 30 * 60, 632_190 + 30 * 60, 4_764_510 - 30)  # 59 x 59 px
    small = box(632_190 + 30 * 70, 4_764_510 - 30 * 80, 632_190 + 30 * 73, 4_764_510 - 30 * 77)  # 3x3
    gdf = gpd.GeoDataFrame({"class": ["korean_pine_broadleaf_forest", "open_water"]},
                           geometry=[big, small], crs=GRID.crs)
    s = read_samples(_write(gdf, tmp_path / "poly.gpkg"), GRID, legend, max_per_polygon=40, seed=3)
    assert (s.groups == 0).sum() == 40 and (s.groups == 1).sum() == 9
    assert s.counts["polygons"] == 2
    again = read_samples(tmp_path / "poly.gpkg", GRID, legend, max_per_polygon=40, seed=3)
    assert again.rows.tolist() == s.rows.tolist()  # the seed fixes the subset
    rows, cols = s.rows[s.groups == 0], s.cols[s.groups == 0]
    assert rows.min() >= 1 and rows.max() <= 59 and cols.min() >= 1 and cols.max() <= 59


@pytest.mark.filterwarnings("ignore:'crs' was not provided")  # the file without a CRS is the point
def test_sample_file_errors(legend, tmp_path):
    far = gpd.GeoDataFrame({"habitat": ["wetland"]}, geometry=[Point(100.0, 10.0)], crs=4326)
    with pytest.raises(InputDataError, match="do not overlap"):
        read_samples(_write(far, tmp_path / "far.gpkg"), GRID, legend)
    nolabel = gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(130.7, 42.95)], crs=4326)
    with pytest.raises(InputDataError, match="--label-field"):
        read_samples(_write(nolabel, tmp_path / "nl.gpkg"), GRID, legend)
    with pytest.raises(InputDataError, match="has no field 'kind'"):
        read_samples(tmp_path / "nl.gpkg", GRID, legend, label_field="kind")
    shp = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"habitat": ["wetland"]}, geometry=[Point(0, 0)]).to_file(shp)
    with pytest.raises(InputDataError, match="no coordinate reference system"):
        read_samples(shp, GRID, legend)
    with pytest.raises(InputDataError, match="not found"):
        read_samples(tmp_path / "missing.gpkg", GRID, legend)


def test_stratified_reference_columns(legend, tmp_path):
    x0, y0 = 632_190 + 45, 4_764_510 - 45
    gdf = gpd.GeoDataFrame({"habitat": ["wetland", "cropland", "wetland"],
                            "stratum": ["wetland", "cropland", "wetland"],
                            "stratum_pixels": [120, 300, 120]},
                           geometry=[Point(x0, y0), Point(x0 + 30, y0), Point(x0 + 60, y0)], crs=GRID.crs)
    s = read_samples(_write(gdf, tmp_path / "v.gpkg"), GRID, legend)
    assert s.stratum_sizes == {"wetland": 120, "cropland": 300}
    assert s.strata.tolist() == ["wetland", "cropland", "wetland"]
    gdf.loc[2, "stratum_pixels"] = 121
    with pytest.raises(InputDataError, match="more than one value"):
        read_samples(_write(gdf, tmp_path / "v2.gpkg"), GRID, legend)
    assert np.array_equal(s.subset(np.array([True, False, True])).strata, ["wetland", "wetland"])


def test_sample_sets_subset_and_locate(legend, tmp_path):
    gpd.GeoDataFrame({"habitat": ["wetland", "cropland"]},
                     geometry=[Point(*GRID.xy(5, 5)), Point(*GRID.xy(6, 7))],
                     crs=GRID.crs).to_file(tmp_path / "p.gpkg")
    s = read_samples(tmp_path / "p.gpkg", GRID, legend)
    assert isinstance(s, SampleSet) and len(s) == 2 and "habitat" in LABEL_FIELDS
    one = s.subset(np.array([False, True]))
    assert one.codes.tolist() == [61] and (one.rows.tolist(), one.cols.tolist()) == ([6], [7])
    x, y = one.xy(GRID)
    assert (float(x[0]), float(y[0])) == tuple(float(v) for v in GRID.xy(6, 7))
