"""Areas of interest: from any vector file or a bounding box."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from habitatmap.area import Area, area_from_bbox, read_area
from habitatmap.errors import InputDataError


def test_area_from_bbox_and_its_checks():
    a = area_from_bbox("130.6,42.85,130.85,43.02")
    assert isinstance(a, Area) and a.crs == "EPSG:4326"
    assert a.lonlat_bounds == (130.6, 42.85, 130.85, 43.02)
    for bad in ("1,2,3", "130.85,42.85,130.6,43.02", "a,b,c,d", "10,95,20,96", "nan,1,2,3", "1,2,inf,4"):
        with pytest.raises(InputDataError, match="bbox"):
            area_from_bbox(bad)


def test_area_is_read_from_any_crs_and_moved_safely(sample_dir):
    a = read_area(sample_dir / "boundaries" / "ru_leopard_np.shp")
    assert a.crs == "EPSG:28422"
    utm = a.to_crs("EPSG:32652")
    assert "Pulkovo 1942 to WGS 84 (20)" in utm.operation.description
    assert utm.to_crs("EPSG:32652") is utm
    w, s, e, n = a.lonlat_bounds
    assert 130.6 < w < e < 130.9 and 42.8 < s < n < 43.1


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_area_without_crs_or_polygons_is_refused(tmp_path):
    gpd.GeoDataFrame(geometry=[Polygon([(0, 0), (1, 0), (1, 1)])]).to_file(tmp_path / "nocrs.gpkg")
    with pytest.raises(InputDataError, match="no coordinate reference system"):
        read_area(tmp_path / "nocrs.gpkg")
    assert read_area(tmp_path / "nocrs.gpkg", assume_crs="EPSG:4326").crs == "EPSG:4326"
    gpd.GeoDataFrame(geometry=[Point(130.7, 42.9)], crs=4326).to_file(tmp_path / "pts.gpkg")
    with pytest.raises(InputDataError, match="holds no polygons"):
        read_area(tmp_path / "pts.gpkg")
    with pytest.raises(InputDataError, match="area of interest not found"):
        read_area(tmp_path / "missing.gpkg")


def test_area_layer_syntax(sample_dir):
    a = read_area(f"{sample_dir / 'boundaries' / 'cn_tlnp.gpkg'}:功能分区")
    assert a.crs == "EPSG:4511" and a.source.endswith(":功能分区")
