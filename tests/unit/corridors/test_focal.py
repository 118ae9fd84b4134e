"""Focal points, core areas and resistance grids for the corridor analyses."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from habitatmap.corridors.focal import (
    Focal,
    place_focal,
    read_focal,
    read_lines,
    read_resistance,
    select_features,
)
from habitatmap.errors import InputDataError
from habitatmap.grid import Grid

T = Affine(30, 0, 600_000, 0, -30, 4_750_000)
GRID = Grid("EPSG:32652", T, 20, 20)


def _xy(r, c):
    return GRID.xy(r, c)


def test_points_and_polygons_become_nodes():
    res = np.ones(GRID.shape)
    gdf = gpd.GeoDataFrame({"name": ["p", "core"], "current": [2.0, 3.0]},
                           geometry=[shapely.Point(*_xy(2, 3)), shapely.box(600_300, 4_749_700, 600_420,
                                                                            4_749_820)],
                           crs="EPSG:32652")
    f = place_focal(gdf, GRID, res, source="mem")
    assert isinstance(f, Focal) and list(f.points.unique_ids) == [1, 2] and f.names == {1: "p", 2: "core"}
    assert (f.points.ids == 2).sum() == 16 and f.numbers("current", 1.0) == {1: 2.0, 2: 3.0}
    assert f.numbers("resistance", 0.0) == {1: 0.0, 2: 0.0}
    with pytest.raises(InputDataError, match="must hold finite numbers"):
        place_focal(gdf.assign(current=["a", "b"]), GRID, res, source="mem").numbers("current", 1.0)


def test_nodes_off_the_grid_on_nodata_or_overlapping_are_named():
    res = np.ones(GRID.shape)
    res[5, 5] = np.nan
    off = gpd.GeoDataFrame({"name": ["in", "out"]}, geometry=[shapely.Point(*_xy(1, 1)), shapely.Point(0, 0)],
                           crs="EPSG:32652")
    with pytest.raises(InputDataError, match=r"node\(s\) 2 \(out\) lie outside"):
        place_focal(off, GRID, res, source="c.gpkg")
    nod = gpd.GeoDataFrame(geometry=[shapely.Point(*_xy(1, 1)), shapely.Point(*_xy(5, 5))], crs="EPSG:32652")
    with pytest.raises(InputDataError, match="lie on nodata cells"):
        place_focal(nod, GRID, res, source="c.gpkg")
    both = gpd.GeoDataFrame(geometry=[shapely.Point(*_xy(1, 1)), shapely.Point(*_xy(1, 1)).buffer(40)],
                            crs="EPSG:32652")
    with pytest.raises(InputDataError, match="overlap"):
        place_focal(both, GRID, res, source="c.gpkg")
    with pytest.raises(InputDataError, match="only 1 focal node"):
        place_focal(off.iloc[:1], GRID, res, source="c.gpkg")


def test_select_features():
    gdf = gpd.GeoDataFrame({"zone_class": ["core", "other"]}, geometry=[shapely.Point(0, 0)] * 2)
    assert len(select_features(gdf, "zone_class=core", "z")) == 1
    assert select_features(gdf, None, "z") is gdf
    with pytest.raises(InputDataError, match="cannot select 'colour=red'"):
        select_features(gdf, "colour=red", "z")


def test_read_focal_resistance_and_lines(tmp_path):
    arr = np.ones(GRID.shape, np.float32)
    arr[0, 0] = -1
    with rasterio.open(tmp_path / "r.tif", "w", driver="GTiff", width=20, height=20, count=1,
                       dtype="float32", crs=GRID.crs, transform=T, nodata=float("nan")) as ds:
        ds.write(arr, 1)
    with pytest.raises(InputDataError, match=r"resistance <= 0 \(first at row 0, column 0: -1\)"):
        read_resistance(tmp_path / "r.tif")
    arr[0, 0] = 1
    with rasterio.open(tmp_path / "r.tif", "r+") as ds:
        ds.write(arr, 1)
    res, grid = read_resistance(tmp_path / "r.tif")
    assert grid == GRID and res.dtype == np.float64
    gpd.GeoDataFrame(geometry=[shapely.Point(*_xy(2, 2)), shapely.Point(*_xy(9, 9))],
                     crs="EPSG:32652").to_crs(4326).to_file(tmp_path / "p.gpkg")
    f = read_focal(str(tmp_path / "p.gpkg"), grid, res)
    assert f.points.rows.tolist() == [2, 9] and f.operation is not None  # moved from WGS 84
    gpd.GeoDataFrame(geometry=[shapely.box(600_000, 4_749_500, 600_300, 4_749_800)],
                     crs="EPSG:32652").to_file(tmp_path / "poly.gpkg")
    lines, op = read_lines(str(tmp_path / "poly.gpkg"), grid)
    assert lines.geom_type in ("LineString", "LinearRing", "MultiLineString") and op is None
