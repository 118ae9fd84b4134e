"""Datum-safe transformations and areas of interest."""

from __future__ import annotations

import pytest
from shapely.geometry import Polygon

from habitatmap.aoi import area_from_bbox, read_area
from habitatmap.errors import GeodesyError, InputDataError
from habitatmap.geodesy import is_itrf_aligned, transformer_for

TUMEN = (130.6, 42.8, 130.9, 43.1)


def test_pulkovo_uses_the_regional_helmert_not_ballpark():
    t, op = transformer_for(28422, 32652, area=TUMEN)
    assert "Pulkovo 1942 to WGS 84 (20)" in op.description and not op.ballpark
    assert op.accuracy_m == pytest.approx(3.0)
    x, _ = t.transform(22_641_000.0, 4_758_000.0)
    assert 630_000 < x < 660_000


def test_ballpark_from_an_older_datum_is_refused_unless_asked():
    # Xian 1980 (EPSG:4610) has no published transformation to WGS 84 in the EPSG dataset.
    with pytest.raises(GeodesyError, match=r"zero-shift ballpark.*--allow-ballpark"):
        transformer_for(4610, 4326, area=TUMEN, what="zones.shp")
    _, op = transformer_for(4610, 4326, area=TUMEN, allow_ballpark=True)
    assert op.ballpark


def test_ballpark_between_itrf_aligned_datums_is_fine():
    _, op = transformer_for(4490, 4326, area=TUMEN)  # CGCS2000 -> WGS 84
    assert op.ballpark and is_itrf_aligned(4490) and is_itrf_aligned(4326)
    assert not is_itrf_aligned(4284) and not is_itrf_aligned(4214)


def test_area_from_bbox_and_its_checks():
    a = area_from_bbox("130.6,42.85,130.85,43.02")
    assert a.crs == "EPSG:4326" and a.lonlat_bounds == (130.6, 42.85, 130.85, 43.02)
    for bad in ("1,2,3", "130.85,42.85,130.6,43.02", "a,b,c,d", "10,95,20,96"):
        with pytest.raises(InputDataError, match="bbox"):
            area_from_bbox(bad)


def test_area_is_read_from_any_crs_and_moved_safely(tmp_path, sample_dir):
    a = read_area(sample_dir / "boundaries" / "ru_leopard_np.shp")
    assert a.crs == "EPSG:28422"
    utm = a.to_crs("EPSG:32652")
    assert "Pulkovo 1942 to WGS 84 (20)" in utm.operation.description
    w, s, e, n = a.lonlat_bounds
    assert 130.6 < w < e < 130.9 and 42.8 < s < n < 43.1


def test_area_without_crs_or_polygons_is_refused(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame(geometry=[Polygon([(0, 0), (1, 0), (1, 1)])]).to_file(tmp_path / "nocrs.gpkg")
    with pytest.raises(InputDataError, match="no coordinate reference system"):
        read_area(tmp_path / "nocrs.gpkg")
    gpd.GeoDataFrame(geometry=[Point(130.7, 42.9)], crs=4326).to_file(tmp_path / "pts.gpkg")
    with pytest.raises(InputDataError, match="holds no polygons"):
        read_area(tmp_path / "pts.gpkg")
    with pytest.raises(InputDataError, match="area file not found"):
        read_area(tmp_path / "missing.gpkg")


def test_area_layer_syntax(sample_dir):
    a = read_area(f"{sample_dir / 'boundaries' / 'cn_tlnp.gpkg'}:功能分区")
    assert a.crs == "EPSG:4511" and a.source.endswith(":功能分区")
