"""Datum-safe transformations: the only module that changes a CRS, for vectors and rasters."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from pyproj import Transformer
from shapely.geometry import Point, box

from habitatmap.errors import ConfigError, GeodesyError
from habitatmap.geodesy import (
    ITRF_ALIGNED_DATUMS,
    DatumOperation,
    datum_name,
    is_itrf_aligned,
    lonlat_bounds,
    parse_crs,
    raster_operation,
    to_crs,
    transform_geometries,
    transformer_for,
    warp,
    warped_grid,
)
from habitatmap.grid import Grid

TUMEN = (130.6, 42.8, 130.9, 43.1)


def test_pulkovo_uses_the_regional_helmert_not_ballpark():
    t, op = transformer_for(28422, 32652, area=TUMEN)
    assert "Pulkovo 1942 to WGS 84 (20)" in op.description and not op.ballpark
    assert op.accuracy_m == pytest.approx(3.0)
    assert isinstance(op, DatumOperation) and op.to_dict()["source_crs"] == "EPSG:28422"
    x, _ = t.transform(22_641_000.0, 4_758_000.0)
    assert 630_000 < x < 660_000


def test_ballpark_from_an_older_datum_is_refused_unless_asked():
    # Xian 1980 (EPSG:4610) has no published transformation to WGS 84 in the EPSG dataset.
    with pytest.raises(GeodesyError, match=r"zones\.shp: .*zero-shift ballpark.*--allow-ballpark"):
        transformer_for(4610, 4326, area=TUMEN, what="zones.shp")
    _, op = transformer_for(4610, 4326, area=TUMEN, allow_ballpark=True)
    assert op.ballpark


def test_ballpark_between_itrf_aligned_datums_is_fine():
    _, op = transformer_for(4490, 4326, area=TUMEN)  # CGCS2000 -> WGS 84
    assert op.ballpark and is_itrf_aligned(4490) and is_itrf_aligned(4326)
    assert not is_itrf_aligned(4284) and not is_itrf_aligned(4214)
    assert datum_name(4490).startswith("China 2000") and "World Geodetic System 1984" in ITRF_ALIGNED_DATUMS


def test_transform_geometries_and_to_crs_record_the_operation():
    geoms = np.array([box(22_640_000, 4_757_000, 22_641_000, 4_758_000)], dtype=object)
    moved, op = transform_geometries(geoms, 28422, 32652, what="park")
    assert "(20)" in op.description and moved[0].area == pytest.approx(1e6, rel=1e-3)
    same, none = transform_geometries(geoms, 28422, 28422)
    assert same is geoms and none is None
    gdf = gpd.GeoDataFrame({"n": [1]}, geometry=list(geoms), crs=28422)
    out, op2 = to_crs(gdf, "EPSG:32652", what="park")
    assert out.crs.to_epsg() == 32652 and op2.description == op.description
    assert to_crs(out, 32652)[1] is None


def test_to_crs_refuses_xian_1980_without_the_flag():
    """webmap used plain to_crs, which moved a Xian 1980 layer with a silent zero shift."""
    gdf = gpd.GeoDataFrame(geometry=[Point(130.7, 42.9)], crs=4610)
    with pytest.raises(GeodesyError, match="--allow-ballpark"):
        to_crs(gdf, 4326, what="zones_xian80.shp")
    moved, op = to_crs(gdf, 4326, allow_ballpark=True)
    assert op.ballpark and moved.geometry[0].x == pytest.approx(130.7)
    with pytest.raises(GeodesyError, match="no coordinate reference system"):
        to_crs(gpd.GeoDataFrame(geometry=[Point(0, 0)]), 4326)


def _pulkovo_raster() -> tuple[np.ndarray, Grid]:
    res = 0.5
    x, y = 22_663_000.0, 4_764_700.0
    grid = Grid("EPSG:28422", Affine(res, 0, x - 100 * res, 0, -res, y + 100 * res), 200, 200)
    arr = np.zeros((200, 200), np.float32)
    arr[95:106, 95:106] = 1
    return arr, grid


def test_warp_uses_the_chosen_operation_and_places_pixels_to_the_metre():
    arr, grid = _pulkovo_raster()
    cx, cy = grid.xy(100, 100)
    t, _ = transformer_for(28422, 32652, area=lonlat_bounds(grid.bounds, grid.crs))
    ex, ey = t.transform(float(cx), float(cy))
    target = Grid("EPSG:32652", Affine(0.5, 0, ex - 50, 0, -0.5, ey + 50), 200, 200)
    out, op = warp(arr, grid, target, resampling="nearest", nodata=0)
    assert "(20)" in op.description
    rr, cc = np.nonzero(out)
    px, py = target.xy(rr.mean(), cc.mean())
    assert abs(px - ex) < 0.5 and abs(py - ey) < 0.5
    pipeline, op2 = raster_operation(grid.crs, target.crs, area=lonlat_bounds(grid.bounds, grid.crs))
    assert "helmert" in pipeline and op2.description == op.description
    assert raster_operation(grid.crs, grid.crs, area=TUMEN) == (None, None)


def test_warp_refuses_a_beijing_1954_raster_without_the_flag():
    """webmap compare warped a Beijing 1954 raster with GDAL's silent zero shift."""
    grid = Grid("EPSG:2440", Affine(30, 0, 500_000, 0, -30, 4_760_000), 10, 10)
    data = np.ones((10, 10), np.uint8)
    target = Grid("EPSG:32652", grid.transform, 10, 10)
    with pytest.raises(GeodesyError, match="zero-shift ballpark"):
        warp(data, grid, target, what="habitat_bj54.tif")
    _, op = warp(data, grid, target, allow_ballpark=True)
    assert op.ballpark


def test_warped_grid_caps_its_size():
    g = Grid("EPSG:32652", Affine(30, 0, 600_000, 0, -30, 4_760_000), 4000, 3000)
    w = warped_grid(g, "EPSG:3857", max_size=1000)
    assert w.crs == "EPSG:3857" and max(w.width, w.height) <= 1001
    assert warped_grid(g, "EPSG:3857").width > 3000


def test_lonlat_bounds_and_parse_crs():
    w, s, e, n = lonlat_bounds((600_000, 4_750_000, 650_000, 4_800_000), 32652)
    assert 130 < w < e < 132 and 42 < s < n < 44
    assert lonlat_bounds((130, 42, 131, 43), 4326) == (130, 42, 131, 43)
    assert parse_crs("32652") == "EPSG:32652" and parse_crs("EPSG:4511") == "EPSG:4511"
    with pytest.raises(ConfigError, match="--crs 'nonsense': not a coordinate reference system"):
        parse_crs("nonsense")


def test_transform_geometries_refuses_positions_that_do_not_exist():
    with pytest.raises(GeodesyError, match="have no position"):
        transform_geometries(Point(1e12, 1e12), 32652, 4326, densify=False)
    assert Transformer  # the module hands pyproj transformers out (see transformer_for)
