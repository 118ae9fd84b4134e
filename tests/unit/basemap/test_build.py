"""The base map: datum-safe positions, encodings, missing CRSs, repair, schema, provenance."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import yaml
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from habitatmap.basemap.build import (
    Basemap,
    BasemapResult,
    build_basemap,
    generalise,
    read_basemap,
    write_basemap,
)
from habitatmap.basemap.mapping import load_mapping
from habitatmap.errors import InputDataError
from habitatmap.legend.model import load_legend

# Points known in WGS 84 near the Tumen (lon, lat).
TRUTH = [(130.70, 42.90), (130.78, 42.95), (130.65, 42.98)]


def _mapping(tmp_path, layers: dict) -> str:
    doc = {"mapping": {"id": "test"}, "zone_classes": {"core": {"en": "Core"}}, "layers": layers}
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return str(path)


def _squares(crs_from: str, crs_to: str, *, transformer: Transformer | None = None) -> list[Polygon]:
    """Tiny squares (20 m) around the truth points, written in crs_to with the right operation."""
    t = transformer or Transformer.from_crs(crs_from, crs_to, always_xy=True)
    out = []
    for lon, lat in TRUTH:
        x, y = t.transform(lon, lat)
        out.append(Point(x, y).buffer(10, cap_style="square"))
    return out


def _truth_utm() -> np.ndarray:
    t = Transformer.from_crs("EPSG:4326", "EPSG:32652", always_xy=True)
    return np.array([t.transform(lon, lat) for lon, lat in TRUTH])


@pytest.fixture()
def sk42_and_cgcs_files(tmp_path):
    # SK-42 GK zone 22 through "Pulkovo 1942 to WGS 84 (20)" (the correct operation for Russia),
    # CGCS2000 3-degree GK CM 129E (ITRF-aligned: no shift).
    from pyproj.transformer import AreaOfInterest, TransformerGroup

    grp = TransformerGroup("EPSG:4326", "EPSG:28422", always_xy=True,
                           area_of_interest=AreaOfInterest(130.6, 42.8, 130.9, 43.0))
    sk = next(t for t in grp.transformers if "(20)" in t.description)
    ru = gpd.GeoDataFrame({"NAME": ["Парк", "Парк", "Парк"]},
                          geometry=_squares("EPSG:4326", "EPSG:28422", transformer=sk),
                          crs="EPSG:28422")
    cn = gpd.GeoDataFrame({"名称": ["公园"] * 3}, geometry=_squares("EPSG:4326", "EPSG:4511"),
                          crs="EPSG:4511")
    ru.to_file(tmp_path / "ru.gpkg")
    cn.to_file(tmp_path / "cn.gpkg")
    mapping = _mapping(tmp_path, {
        "ru.gpkg": {"target": "parks", "country": "RUS", "fields": {"name_ru": "NAME"}},
        "cn.gpkg": {"target": "parks", "country": "CHN", "fields": {"name_zh": "名称"}},
    })
    return tmp_path, mapping


def test_both_sides_land_within_5_m_of_the_truth(cli, sk42_and_cgcs_files):
    folder, mapping = sk42_and_cgcs_files
    r = cli("basemap", "--layer", folder / "ru.gpkg", "--layer", folder / "cn.gpkg", "--mapping", mapping,
            "--crs", "EPSG:32652", "--out", folder / "bm.gpkg")
    assert r.exit_code == 0, r.stderr
    assert "Pulkovo 1942 to WGS 84 (20)" in r.stdout
    parks = gpd.read_file(folder / "bm.gpkg", layer="parks")
    truth = _truth_utm()
    for country in ("RUS", "CHN"):
        cent = parks[parks["country"] == country].geometry.centroid
        got = np.column_stack([cent.x, cent.y])
        assert np.hypot(*(got - truth).T).max() < 5.0, country
    assert set(parks["name_ru"].dropna()) == {"Парк"} and set(parks["name_zh"].dropna()) == {"公园"}
    prov = pyogrio.read_dataframe(folder / "bm.gpkg", layer="provenance")
    doc = json.loads(prov["value"][0])
    ops = {o["what"].split("/")[-1]: o for o in doc["operations"]}
    assert "Pulkovo 1942 to WGS 84 (20)" in ops["ru.gpkg"]["description"]
    assert ops["ru.gpkg"]["accuracy_m"] == 3.0 and ops["cn.gpkg"]["ballpark"] is True
    assert doc["schema"] == "habitatmap-provenance/1" and all(i.get("sha256") for i in doc["inputs"])
    layers = {n for n, _ in pyogrio.list_layers(folder / "bm.gpkg")}
    assert {"parks", "zones", "border", "sheets_sk42", "sheets_gbt13989", "provenance"} <= layers


def test_older_datum_ballpark_refused_unless_allowed(cli, tmp_path):
    # Beijing 1954 / 3-degree GK CM 129E: PROJ has only a zero-shift step to WGS 84 here.
    bj = gpd.GeoDataFrame({"名称": ["公园"] * 3}, geometry=_squares("EPSG:4326", "EPSG:2440"),
                          crs="EPSG:2440")
    bj.to_file(tmp_path / "bj.gpkg")
    mapping = _mapping(tmp_path, {"bj.gpkg": {"target": "parks", "country": "CHN",
                                              "fields": {"name_zh": "名称"}}})
    args = ("basemap", "--layer", tmp_path / "bj.gpkg", "--mapping", mapping, "--crs", "EPSG:32652",
            "--out", tmp_path / "bm.gpkg")
    r = cli(*args)
    assert r.exit_code == 2 and "--allow-ballpark" in r.stderr and "bj.gpkg" in r.stderr
    assert not (tmp_path / "bm.gpkg").exists()
    r = cli(*args, "--allow-ballpark")
    assert r.exit_code == 0, r.stderr


def test_shapefile_encoding_and_missing_crs(cli, sample_dir, tmp_path):
    src = sample_dir / "boundaries"
    for ext in ("shp", "shx", "dbf", "prj"):  # the .cpg is left behind
        shutil.copy(src / f"ru_leopard_np.{ext}", tmp_path / f"ru_leopard_np.{ext}")
    mapping = _mapping(tmp_path, {"ru_leopard_np.shp": {"target": "parks", "country": "RUS",
                                                        "fields": {"name_ru": "NAME"}}})
    args = ["basemap", "--layer", tmp_path / "ru_leopard_np.shp", "--mapping", mapping,
            "--out", tmp_path / "bm.gpkg"]
    r = cli(*args)
    assert r.exit_code == 2 and "--encoding" in r.stderr and "cp1251" in r.stderr
    r = cli(*args, "--encoding", "cp1251")
    assert r.exit_code == 0, r.stderr
    parks = gpd.read_file(tmp_path / "bm.gpkg", layer="parks")
    assert parks["name_ru"][0].startswith("Земля леопарда")
    (tmp_path / "ru_leopard_np.prj").unlink()
    r = cli(*args, "--encoding", "cp1251")
    assert r.exit_code == 2 and "--assume-crs" in r.stderr
    r = cli(*args, "--encoding", "cp1251", "--assume-crs", "EPSG:28422")
    assert r.exit_code == 0, r.stderr


def test_invalid_polygons_repaired_and_empty_dropped(cli, tmp_path):
    bowtie = Polygon([(630_000, 4_750_000), (632_000, 4_752_000), (632_000, 4_750_000),
                      (630_000, 4_752_000)])
    ok = Point(640_000, 4_755_000).buffer(500)
    gdf = gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[bowtie, ok, Polygon()], crs="EPSG:32652")
    gdf.to_file(tmp_path / "p.gpkg")
    mapping = _mapping(tmp_path, {"p.gpkg": {"target": "parks", "country": "RUS",
                                             "fields": {"name_en": "name"}}})
    r = cli("basemap", "--layer", tmp_path / "p.gpkg", "--mapping", mapping, "--out", tmp_path / "bm.gpkg")
    assert r.exit_code == 0, r.stderr
    assert "1 invalid geometry repaired" in r.stderr and "Self-intersection" in r.stderr
    assert "1 feature(s) with an empty geometry dropped" in r.stderr
    parks = gpd.read_file(tmp_path / "bm.gpkg", layer="parks")
    assert len(parks) == 2 and parks.is_valid.all()


def test_sample_layers_harmonised(cli, sample_dir, tmp_path):
    b = sample_dir / "boundaries"
    r = cli("basemap", "--layer", b / "ru_leopard_np.shp", "--layer", b / "ru_leopard_np_zones.shp",
            "--layer", f"{b / 'cn_tlnp.gpkg'}:国家公园范围", "--layer", f"{b / 'cn_tlnp.gpkg'}:功能分区",
            "--layer", b / "border_wgs84.geojson", "--out", tmp_path / "bm.gpkg")
    assert r.exit_code == 0, r.stderr
    zones = gpd.read_file(tmp_path / "bm.gpkg", layer="zones")
    assert set(zones["country"]) == {"RUS", "CHN"} and set(zones["zone_class"]) == {"core", "general_control"}
    assert "заповедная зона" in set(zones["zone_national"]) and "核心保护区" in set(zones["zone_national"])
    assert zones.crs.to_epsg() == 32652
    sheets = gpd.read_file(tmp_path / "bm.gpkg", layer="sheets_sk42")
    assert "K-52-34" in set(sheets["code"])
    # The sample's border edges were digitised apart (the Chinese one shifted by up to ~40 m).
    slivers = gpd.read_file(tmp_path / "bm.gpkg", layer="slivers")
    assert {"overlap", "gap"} <= set(slivers["kind"])
    assert slivers.loc[slivers["kind"] == "overlap", "max_width_m"].max() < 100
    assert "Cross-border overlaps" in r.stdout
    styles = pyogrio.read_dataframe(tmp_path / "bm.gpkg", layer="layer_styles")
    assert set(styles["f_table_name"]) >= {"parks", "zones", "border", "sheets_sk42", "sheets_gbt13989"}
    assert styles["useAsDefault"].all() and styles["styleQML"].str.contains("renderer-v2").all()
    # Generalised for 1:100000 (25 m): fewer vertices than the source, still valid, zones still tile.
    src = gpd.read_file(b / "ru_leopard_np_zones.shp").to_crs(32652)
    ru = zones[zones["country"] == "RUS"]
    count = lambda g: sum(len(p.exterior.coords) for geom in g for p in getattr(geom, "geoms", [geom]))  # noqa: E731
    assert count(ru.geometry) < count(src.geometry) and zones.is_valid.all()
    import shapely

    assert shapely.union_all(ru.geometry.values).area == pytest.approx(ru.area.sum(), rel=1e-9)
    # An area of interest sets the sheet grids (here a box around one sheet's corner: four sheets).
    (tmp_path / "aoi.geojson").write_text(
        '{"type": "Polygon", "coordinates": [[[130.45, 42.95], [130.55, 42.95], [130.55, 43.05], '
        '[130.45, 43.05], [130.45, 42.95]]]}', encoding="utf-8")
    r = cli("basemap", "--layer", b / "ru_leopard_np.shp", "--aoi", tmp_path / "aoi.geojson",
            "--out", tmp_path / "aoi.gpkg")
    assert r.exit_code == 0, r.stderr
    assert sorted(gpd.read_file(tmp_path / "aoi.gpkg", layer="sheets_sk42")["code"]) == \
        ["K-52-33", "K-52-34", "K-52-45", "K-52-46"]
    r = cli("basemap", "--layer", f"{b / 'cn_tlnp.gpkg'}", "--out", tmp_path / "x.gpkg")
    assert r.exit_code == 2 and "holds several layers" in r.stderr
    r = cli("basemap", "--layer", f"{b / 'cn_tlnp.gpkg'}:功能分区", "--out", tmp_path / "x.gpkg",
            "--mapping", b.parents[2] / "workflows" / "tumen_mapping.yaml")
    assert r.exit_code == 2 and "no park outline" in r.stderr


@pytest.mark.parametrize("name", ["basemap.gpkg", "habitats.gpkg"])
def test_geopackages_pass_gdal_validation(demo_run, name):
    import sqlite3

    validate_gpkg = pytest.importorskip(
        "osgeo_utils.samples.validate_gpkg",
        reason="gdal-utils is not installed (make test installs it); GDAL's GeoPackage validator is skipped")
    out, _ = demo_run
    path = out / name
    messages: list[str] = []
    errors = validate_gpkg.check(str(path), abort_at_first_error=False, myprint=messages.append)
    assert errors == [], errors
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_bad_crs_options_are_one_sentence(cli, sample_dir, tmp_path):
    b = sample_dir / "boundaries"
    r = cli("basemap", "--layer", b / "ru_leopard_np.shp", "--crs", "EPSG:99999",
            "--out", tmp_path / "x.gpkg")
    assert r.exit_code == 2 and "--crs 'EPSG:99999': not a coordinate reference system" in r.stderr
    r = cli("sheets", "grid", "--aoi", sample_dir.parents[1] / "workflows" / "tumen_aoi.geojson",
            "--crs", "utm", "--out", tmp_path / "s.gpkg")
    assert r.exit_code == 2 and "--crs 'utm'" in r.stderr
    shutil.copy(b / "ru_leopard_np.shp", tmp_path / "n.shp")
    for ext in ("shx", "dbf", "cpg"):
        shutil.copy(b / f"ru_leopard_np.{ext}", tmp_path / f"n.{ext}")
    mapping = _mapping(tmp_path, {"n.shp": {"target": "parks", "country": "RUS",
                                            "fields": {"name_ru": "NAME"}}})
    r = cli("basemap", "--layer", tmp_path / "n.shp", "--mapping", mapping, "--assume-crs", "no-such-crs",
            "--out", tmp_path / "x.gpkg")
    assert r.exit_code == 2 and "--assume-crs 'no-such-crs'" in r.stderr
    # A wrong guess (Gauss-Kruger metres read as degrees) is refused, not turned into NaN geometry.
    r = cli("basemap", "--layer", tmp_path / "n.shp", "--mapping", mapping, "--assume-crs", "EPSG:4326",
            "--out", tmp_path / "x.gpkg")
    assert r.exit_code == 2 and "(they look like metres, not degrees)" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x.gpkg").exists() and not (tmp_path / "s.gpkg").exists()


def test_missing_attribute_values_stay_missing(cli, tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["a", None], "zone": ["core zone", None]},
                           geometry=[Point(640_000, 4_755_000).buffer(300),
                                     Point(641_000, 4_755_000).buffer(300)],
                           crs="EPSG:32652")
    gdf.to_file(tmp_path / "z.gpkg")
    mapping = _mapping(tmp_path, {
        "z.gpkg": {"target": "parks", "country": "RUS", "fields": {"name_en": "name"}}})
    r = cli("basemap", "--layer", tmp_path / "z.gpkg", "--mapping", mapping, "--out", tmp_path / "bm.gpkg")
    assert r.exit_code == 0, r.stderr
    parks = gpd.read_file(tmp_path / "bm.gpkg", layer="parks")
    assert parks["name_en"].tolist()[0] == "a" and parks["name_en"].isna().tolist()[1]
    mapping = _mapping(tmp_path, {"z.gpkg": {"target": "zones", "country": "RUS",
                                             "fields": {"zone_national": "zone"},
                                             "zone_class": {"core zone": "core"}}})
    r = cli("basemap", "--layer", tmp_path / "z.gpkg", "--mapping", mapping, "--out", tmp_path / "bm.gpkg")
    assert r.exit_code == 2 and "zones [None] have no zone_class" in r.stderr


def test_build_then_write_then_read(sample_dir, root, tmp_path):
    b = sample_dir / "boundaries"
    legend = load_legend()
    built = build_basemap([str(b / "ru_leopard_np.shp"), f"{b / 'cn_tlnp.gpkg'}:国家公园范围"],
                          load_mapping(root / "workflows" / "tumen_mapping.yaml"), legend=legend)
    assert isinstance(built, Basemap) and built.crs == "EPSG:32652"
    assert set(built.frames["parks"]["country"]) == {"RUS", "CHN"}
    record = built.provenance.to_dict()
    assert record["product"] == "basemap" and any("(20)" in o["description"] for o in record["operations"])
    assert {i["role"] for i in record["inputs"]} == {"mapping", "parks"}
    result = write_basemap(built, tmp_path / "bm.gpkg", legend)
    assert isinstance(result, BasemapResult) and result.layers["parks"] == 2
    layers = read_basemap(result.path)
    assert {"parks", "zones", "border", "slivers", "sheets_sk42"} <= set(layers)
    assert set(read_basemap(result.path, ["parks", "nothing"])) == {"parks"}
    with pytest.raises(InputDataError, match="not a habitatmap base map"):
        read_basemap(b / "cn_tlnp.gpkg")
    with pytest.raises(InputDataError, match="base map not found"):
        read_basemap(tmp_path / "none.gpkg")


def test_an_empty_park_layer_is_one_sentence(root, tmp_path):
    gpd.GeoDataFrame({"NAME": []}, geometry=[], crs="EPSG:32652").to_file(tmp_path / "empty.gpkg")
    mapping = _mapping(tmp_path, {"empty.gpkg": {"target": "parks", "country": "RUS",
                                                 "fields": {"name_ru": "NAME"}}})
    with pytest.raises(InputDataError, match="every input layer is empty"):
        build_basemap([str(tmp_path / "empty.gpkg")], load_mapping(mapping), legend=load_legend())
    from shapely.geometry import LineString

    gpd.GeoDataFrame({"n": ["b"]}, geometry=[LineString([(640_000, 4_750_000), (641_000, 4_751_000)])],
                     crs="EPSG:32652").to_file(tmp_path / "border.gpkg")
    mapping = _mapping(tmp_path, {"empty.gpkg": {"target": "parks", "country": "RUS"},
                                  "border.gpkg": {"target": "border"}})
    with pytest.raises(InputDataError, match="no park outline among the inputs"):
        build_basemap([str(tmp_path / "empty.gpkg"), str(tmp_path / "border.gpkg")], load_mapping(mapping),
                      legend=load_legend())


def test_generalise_keeps_shared_edges_shared():
    import shapely

    a = Polygon([(0, 0), (500, 3), (1000, 0), (1000, 1000), (0, 1000)])
    b = Polygon([(0, 0), (500, 3), (1000, 0), (1000, -1000), (0, -1000)])
    gdf = gpd.GeoDataFrame({"source": ["s", "s"]}, geometry=[a, b], crs="EPSG:32652")
    out = generalise(gdf, 25.0)
    assert shapely.intersection(out.geometry[0], out.geometry[1]).area == pytest.approx(0, abs=1e-6)
    assert generalise(gdf, 0) is gdf
