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
    ITRF_BALLPARK_ACCURACY_M,
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


# -- every national datum pair ---------------------------------------------------------------------
from habitatmap.geodesy import datum_parameters  # noqa: E402

assert ITRF_BALLPARK_ACCURACY_M == 1.0

#: CRSs a Russian, Chinese or Mongolian office uses, by region (EPSG codes).
NATIONAL = {
    # Tumen / Lesser Khingan: Russia-China
    "tumen": ((130.25, 42.55, 130.85, 42.95), [
        4326, 32652, 28422, 20022, 7683, 20922, 4490, 4500, 4511, 4552]),
    # Altai / Sayan: Russia-Mongolia-China (Mongolian layers in WGS 84 / UTM and Pulkovo 1942 GK)
    "altai": ((87.6, 49.5, 88.4, 49.9), [4326, 32645, 32646, 28415, 20015, 20915, 4490, 4493]),
}


def _corners(bounds):
    w, s, e, n = bounds
    return np.array([w, e, e, w]), np.array([s, s, n, n])


def _metres(crs, dx, dy, lat):
    from pyproj import CRS

    if CRS.from_epsg(crs).is_geographic:
        return np.hypot(dx * 111_320 * np.cos(np.radians(lat)), dy * 110_574)
    return np.hypot(dx, dy)


@pytest.mark.parametrize("region", sorted(NATIONAL))
def test_every_national_pair_both_directions_within_5_m(region):
    """Polygons with known WGS 84 corners, written in each national CRS through the best operation,
    come back within 5 m in every other CRS of the list, in both directions, with no ballpark
    step from an older datum (a two-step path through WGS 84 where PROJ has no direct one)."""
    bounds, codes = NATIONAL[region]
    lon, lat = _corners(bounds)
    written = {}
    for code in codes:
        t, op = transformer_for("EPSG:4326", f"EPSG:{code}", area=bounds)
        assert not op.ballpark or is_itrf_aligned(f"EPSG:{code}"), op
        written[code] = np.array(t.transform(lon, lat))
    for a in codes:
        for b in codes:
            if a == b:
                continue
            t, op = transformer_for(f"EPSG:{a}", f"EPSG:{b}", area=bounds)
            got = np.array(t.transform(*written[a]))
            err = _metres(b, *(got - written[b]), lat)
            assert err.max() < 5.0, (a, b, op.description, err.max())


def test_sk42_to_cgcs2000_goes_through_wgs84_and_records_both_steps():
    """The Chinese office's project CRS with an SK-42 layer: refused before, now two steps."""
    _, op = transformer_for("EPSG:28422", "EPSG:4511", area=(130.3, 42.5, 130.9, 43.0))
    assert not op.ballpark and "composed via WGS 84" in op.description
    assert op.steps[0]["description"].count("Pulkovo 1942 to WGS 84 (20)") == 1
    assert op.accuracy_m == pytest.approx(4.0)  # 3 m (EPSG) + 1 m (WGS 84 ~ CGCS2000)
    doc = op.to_dict()
    assert len(doc["steps"]) == 2 and doc["steps"][0]["accuracy_m"] == 3.0
    # A Russian office making the map in SK-42 GK: the reverse, composed the same way.
    _, back = transformer_for("EPSG:4511", "EPSG:28422", area=(130.3, 42.5, 130.9, 43.0))
    assert not back.ballpark and len(back.steps) == 2


def test_raster_pipeline_of_a_composed_path_warps(tmp_path):
    """GDAL is handed the composed pipeline in the CRSs' own axis order."""
    area = (130.3, 42.5, 130.9, 43.0)
    pipeline, op = raster_operation("EPSG:28422", "EPSG:4511", area=area)
    assert "proj=pipeline" in pipeline and "helmert" in pipeline and not op.ballpark
    src = Grid.from_bounds("EPSG:28422", (22_540_000, 4_720_000, 22_542_000, 4_722_000), 100)
    t, _ = transformer_for("EPSG:28422", "EPSG:4511", area=area)
    (x0, x1), (y0, y1) = t.transform([22_540_000, 22_542_000], [4_720_000, 4_722_000])
    dst = Grid.from_bounds("EPSG:4511", (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), 100)
    data = np.arange(400, dtype=np.float32).reshape(20, 20)
    out, _ = warp(data, src, dst, allow_ballpark=False)
    assert np.isfinite(out).mean() > 0.8


@pytest.mark.parametrize("code, name, ellps", [(21422, "Beijing 1954", "krass"),
                                                (2336, "Xian 1980", "IAU76")])
@pytest.mark.parametrize("method", ["position_vector", "coordinate_frame"])
def test_agency_parameters_for_beijing_1954_and_xian_1980(tmp_path, code, name, ellps, method):
    """With --datum-params the old Chinese datums move by the agency's Bursa-Wolf set, exactly as
    PROJ's own +towgs84 (position vector) applies it; without them the refusal stays."""
    from pyproj import CRS, Transformer

    from habitatmap.datums import load_datum_params

    area = (130.3, 42.5, 130.9, 43.0)
    with pytest.raises(GeodesyError, match="--datum-params FILE"):
        transformer_for(f"EPSG:{code}", "EPSG:4490", area=area)
    p = tmp_path / "params.yaml"
    rot = (0.71, -1.52, 2.06)
    sign = 1 if method == "position_vector" else -1
    p.write_text(f"datum: {name}\nto: WGS 84\nmethod: {method}\ntx: -12.7\nty: 130.3\ntz: 54.8\n"
                 f"rx: {rot[0]}\nry: {rot[1]}\nrz: {rot[2]}\nds: -3.2\naccuracy_m: 1.5\n"
                 "source: test set (not a real agency's)\n")
    params = load_datum_params(p)
    with datum_parameters([params]):
        t, op = transformer_for(f"EPSG:{code}", "EPSG:4326", area=area)
    assert not op.ballpark and op.steps[0]["parameters"]["source"] == "test set (not a real agency's)"
    # The same shift through PROJ's own Bursa-Wolf path (+towgs84 is position vector).
    proj = CRS.from_epsg(code).to_proj4().replace("+no_defs", "")
    r = [sign * v for v in rot]
    bound = CRS.from_proj4(f"{proj} +towgs84=-12.7,130.3,54.8,{r[0]},{r[1]},{r[2]},-3.2")
    ref = Transformer.from_crs(bound, "EPSG:4326", always_xy=True)
    x, y = Transformer.from_crs("EPSG:4326", f"EPSG:{code}", always_xy=True).transform(130.6, 42.8)
    np.testing.assert_allclose(t.transform(x, y), ref.transform(x, y), atol=1e-8)
    # and the reverse direction, into the old datum
    with datum_parameters([params]):
        back, _ = transformer_for("EPSG:4326", f"EPSG:{code}", area=area)
    np.testing.assert_allclose(back.transform(*ref.transform(x, y)), (x, y), atol=1e-3)
