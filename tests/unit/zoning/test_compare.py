"""Every figure of the comparison on layers whose answers are known by hand.

Two sides of a straight border (x = 600 000 m in UTM 52N, 20 km long): Russia east, China west.
South (y 4740-4745 km): a Russian economic-use zone (level 4, 500 ha) facing a Chinese core
protection zone (level 1, 500 ha). North (y 4750-4752 km): a Russian strictly protected zone
(level 1, 400 ha) 500 m from the border, inside a zakaznik (level 3, 600 ha) that overlaps it, facing
a Chinese traditional-use zone (level 3, 600 ha).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.legend.model import load_legend
from habitatmap.zoning.compare import (
    NO_ZONE,
    RasterByLevel,
    assign_levels,
    border_comparison,
    equal_area_crs,
    level_areas,
    level_change,
    raster_by_level,
)
from habitatmap.zoning.table import load_zoning

CRS = "EPSG:32652"
X0 = 600_000.0


def _zones():
    rows = [("RUS", "зона хозяйственного назначения", (X0, 4_740_000, X0 + 1000, 4_745_000)),
            ("CHN", "核心保护区", (X0 - 1000, 4_740_000, X0, 4_745_000)),
            ("RUS", "заповедная зона", (X0 + 500, 4_750_000, X0 + 2500, 4_752_000)),
            ("RUS", "заказник", (X0 + 500, 4_750_000, X0 + 3500, 4_752_000)),
            ("CHN", "传统利用区", (X0 - 3000, 4_750_000, X0, 4_752_000))]
    return gpd.GeoDataFrame({"country": [r[0] for r in rows], "zone_national": [r[1] for r in rows],
                             "park_en": ["P-" + r[0] for r in rows]},
                            geometry=[shapely.box(*r[2]) for r in rows], crs=CRS)


@pytest.fixture(scope="module")
def table():
    return load_zoning()


@pytest.fixture(scope="module")
def zones(table):
    return assign_levels(_zones(), table, source="hand.gpkg")


BORDER = [shapely.LineString([(X0, 4_740_000), (X0, 4_760_000)])]


def test_assign_levels(zones, table):
    assert list(zones["level"]) == [4, 1, 1, 3, 3]
    assert list(zones["zone_id"])[:2] == ["ru_np_khozyaystvennogo_naznacheniya", "cn_np_hexin_baohuqu"]
    assert set(zones.columns) >= {"country", "park", "zone_value", "zone_id", "level", "iucn", "geometry"}
    bad = _zones()
    bad.loc[0, "zone_national"] = "неизвестная зона"
    with pytest.raises(ConfigError, match=r"hand.gpkg: zone value 'неизвестная зона' \(RUS\) is not in the "
                                          r"zoning table .*--mapping"):
        assign_levels(bad, table, source="hand.gpkg")
    mapped = assign_levels(bad, table, source="hand.gpkg", values={"Неизвестная зона": "ru_okhrannaya_zona"})
    assert mapped["zone_id"].iloc[0] == "ru_okhrannaya_zona"
    with pytest.raises(ConfigError, match="has no such zone type"):
        assign_levels(bad, table, source="hand.gpkg", values={"неизвестная зона": "nope"})
    with pytest.raises(ConfigError, match="no country field"):
        assign_levels(_zones().drop(columns="country"), table, source="hand.gpkg")
    with pytest.raises(ConfigError, match="no zone field"):
        assign_levels(_zones(), table, source="hand.gpkg", zone_field="ZONE")


def test_wdpa_fields_are_read(table):
    wdpa = gpd.GeoDataFrame({"WDPAID": [555], "NAME": ["Kedrovaya Pad"],
                             "DESIG_ENG": ["State Nature Reserve"], "IUCN_CAT": ["Ia"], "ISO3": ["RUS"]},
                            geometry=[shapely.box(0, 0, 1, 1)], crs=CRS)
    z = assign_levels(wdpa, table, source="wdpa.gpkg")
    row = z.iloc[0]
    assert row["zone_id"] == "ru_zapovednik" and row["level"] == 1 and row["wdpaid"] == 555
    assert row["iucn"] == "Ia" and row["desig_eng"] == "State Nature Reserve"
    assert row["park"] == "Kedrovaya Pad"


def test_level_areas_by_hand(zones):
    a = level_areas(zones)
    rus = a[(a["country"] == "RUS") & (a["park"] == "(all)")].set_index("level")
    # The zakaznik's 600 ha overlap the zapovednaya zone's 400 ha: counted once, at level 1.
    assert rus["area_ha"].to_dict() == {1: 400.0, 3: 200.0, 4: 500.0}
    assert rus["share_pct"].to_dict() == {1: 36.36, 3: 18.18, 4: 45.45}
    chn = a[(a["country"] == "CHN") & (a["park"] == "(all)")].set_index("level")
    assert chn["area_ha"].to_dict() == {1: 500.0, 3: 600.0}


def test_equal_area_crs_keeps_areas(zones):
    from habitatmap.geodesy import to_crs

    crs = equal_area_crs(130.2, 42.85)
    assert "+proj=laea" in crs and "+lat_0=42.9" in crs and "+lon_0=130.2" in crs
    moved, _ = to_crs(zones, crs)
    # UTM's scale error here is under 0.1 %; the equal-area figure is the true area.
    assert abs(moved.geometry.iloc[0].area / zones.geometry.iloc[0].area - 1) < 2e-3


def test_border_mismatch_conflicts_and_depth(zones, table):
    seg = border_comparison(zones, BORDER, table, segment_km=1, mismatch_km=1).set_index("segment")
    assert len(seg) == 20 and seg["length_km"].sum() == pytest.approx(20)
    south = seg.loc[1:5]
    assert (south["level_RUS"] == 4).all() and (south["level_CHN"] == 1).all()
    assert south["mismatch"].all() and (south["difference"] == 3).all()
    assert set(south["conflicts"]) == {"grazing,construction,roads,tourism,plant_collection,fishing"}
    assert (south["depth_l1_CHN_km"] == 0).all()
    north = seg.loc[[11, 12]]
    assert (north["level_RUS"] == 1).all() and (north["level_CHN"] == 3).all() and north["mismatch"].all()
    assert (north["depth_l1_RUS_km"] == 0.5).all()
    # Everything is prohibited in the zapovednaya zone; facing it, traditional use allows these.
    assert set(north["conflicts"]) == {"grazing,roads,tourism,plant_collection,fishing"}
    empty = seg.loc[17:20]  # nothing within 1 km on either side
    assert (empty["level_RUS"] == NO_ZONE).all() and not empty["mismatch"].any()
    with pytest.raises(ConfigError, match="--mismatch-km 0: not a length"):
        border_comparison(zones, BORDER, table, mismatch_km=0)
    with pytest.raises(InputDataError, match="zones are of 1 countries"):
        border_comparison(zones[zones["country"] == "RUS"], BORDER, table)


def _rasters(tmp_path):
    """100 m pixels (1 ha) over x 596-604 km, y 4739-4761 km: Korean pine forest (11) west of
    x = 602 km, cropland (61) east of it; a current of 1 everywhere."""
    legend = load_legend()
    h = np.full((220, 80), 11, dtype=np.uint8)
    h[:, 60:] = 61
    t = from_origin(596_000, 4_761_000, 100, 100)
    paths = {}
    ones = np.ones_like(h, dtype="float32")
    for name, data, dtype in (("habitat", h, "uint8"), ("current", ones, "float32")):
        p = tmp_path / f"{name}.tif"
        with rasterio.open(p, "w", driver="GTiff", width=80, height=220, count=1, dtype=dtype, crs=CRS,
                           transform=t, nodata=0 if dtype == "uint8" else None) as dst:
            dst.write(data, 1)
        paths[name] = p
    return legend, paths


def test_raster_by_level_by_hand(zones, tmp_path):
    legend, paths = _rasters(tmp_path)
    assert legend.resistance("amur_leopard")[11] <= 10 < legend.resistance("amur_leopard")[61]
    with rasterio.open(paths["habitat"]) as hab, rasterio.open(paths["current"]) as cur:
        r = raster_by_level(zones, hab, legend, species="amur_leopard", current=cur, block=64)
    assert isinstance(r, RasterByLevel) and r.pixel_ha == 1.0
    hab_t = r.habitat.set_index(["level", "class"])["area_ha"]
    assert hab_t[(1, "korean_pine_broadleaf_forest")] == 800  # 300 ha Russian + 500 ha Chinese
    assert hab_t[(1, "cropland")] == 100
    assert r.gaps.set_index("class")["area_ha"]["korean_pine_broadleaf_forest"] == 60 * 220 - 800
    assert r.gap_polygons["area_ha"].sum() == pytest.approx(60 * 220 - 800)
    cur_t = r.current.set_index("level")
    assert cur_t.loc[1, "current"] == 900 and cur_t.loc[1, "share_pct"] == round(100 * 900 / 17600, 2)
    with rasterio.open(paths["habitat"]) as hab, rasterio.open(paths["current"]) as cur:
        ex = raster_by_level(zones, hab, legend, current=cur, exclude=[zones.geometry.iloc[2]])
    assert ex.current.set_index("level").loc[1, "current"] == 500 and ex.gaps.empty
    with rasterio.open(paths["habitat"]) as hab, pytest.raises(ConfigError, match="not a species"):
        raster_by_level(zones, hab, legend, species="unicorn")


def test_level_change_by_hand(table):
    box = (X0, 4_740_000, X0 + 1000, 4_745_000)
    economic = "зона хозяйственного назначения"
    before = assign_levels(gpd.GeoDataFrame({"country": ["RUS"], "zone_national": [economic]},
                                            geometry=[shapely.box(*box)], crs=CRS), table, source="before")
    after = assign_levels(gpd.GeoDataFrame(
        {"country": ["RUS", "RUS"], "zone_national": ["заповедная зона", "зона хозяйственного назначения"]},
        geometry=[shapely.box(X0, 4_740_000, X0 + 1000, 4_742_500),
                  shapely.box(X0, 4_742_500, X0 + 1000, 4_746_000)], crs=CRS), table, source="after")
    ch = level_change(before, after).set_index(["from_level", "to_level"])["area_ha"].to_dict()
    assert ch == {(4, 1): 250.0, (4, 4): 250.0, (0, 4): 100.0}
