"""The one door in for vectors: encoding checks for .shp, zipped Shapefiles and folders alike."""

from __future__ import annotations

import shutil
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from habitatmap.errors import InputDataError
from habitatmap.io.vector import (
    VectorSource,
    check_shapefile_encoding,
    list_layers,
    read_provenance,
    read_vector,
    write_layers,
)
from habitatmap.provenance import Provenance


@pytest.fixture()
def cp1251_shp(tmp_path):
    """A Russian Shapefile in CP1251 without a .cpg, as park offices send them."""
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf = gpd.GeoDataFrame({"NAME": ["Земля леопарда"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    gdf.to_file(folder / "park.shp", encoding="cp1251")
    (folder / "park.cpg").unlink()
    return folder / "park.shp"


def test_shapefile_without_cpg_needs_an_encoding(cp1251_shp):
    with pytest.raises(InputDataError, match=r"park\.shp: has no \.cpg file .* --encoding"):
        check_shapefile_encoding(cp1251_shp)
    gdf, info = read_vector(cp1251_shp, encoding="cp1251")
    assert gdf["NAME"][0] == "Земля леопарда" and info.encoding == "cp1251"


def test_zipped_shapefile_is_checked_too(cp1251_shp, tmp_path):
    """It used to skip the check and store the names garbled."""
    z = tmp_path / "park.shp.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in cp1251_shp.parent.iterdir():
            zf.write(p, p.name)
    with pytest.raises(InputDataError, match=r"zipped Shapefile park\.shp has no \.cpg"):
        read_vector(z)
    gdf, _ = read_vector(z, encoding="cp1251")
    assert gdf["NAME"][0] == "Земля леопарда"


def test_folder_of_shapefiles_is_checked_too(cp1251_shp):
    with pytest.raises(InputDataError, match=r"has no .cpg file"):
        read_vector(cp1251_shp.parent)
    gdf, _ = read_vector(cp1251_shp.parent, encoding="cp1251")
    assert gdf["NAME"][0] == "Земля леопарда"


def test_utf8_shapefile_and_cpg_pass(tmp_path):
    gdf = gpd.GeoDataFrame({"NAME": ["Земля"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    gdf.to_file(tmp_path / "u.shp", encoding="utf-8")
    (tmp_path / "u.cpg").unlink()
    check_shapefile_encoding(tmp_path / "u.shp")  # undeclared but valid UTF-8
    assert read_vector(tmp_path / "u.shp")[0]["NAME"][0] == "Земля"


def test_read_vector_checks(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        read_vector(tmp_path / "missing.gpkg", what="area of interest")
    (tmp_path / "empty.gpkg").write_bytes(b"")
    with pytest.raises(InputDataError, match=r"empty \(0 bytes\)"):
        read_vector(tmp_path / "empty.gpkg")
    (tmp_path / "junk.gpkg").write_bytes(b"junk junk junk")
    with pytest.raises(InputDataError, match="cannot read it as a vector layer"):
        read_vector(tmp_path / "junk.gpkg")
    with pytest.raises(InputDataError, match="GDAL virtual paths"):
        read_vector("/vsizip/x.zip/a.shp")
    two = tmp_path / "two.gpkg"
    gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=4326).to_file(two, layer="a")
    gpd.GeoDataFrame(geometry=[Point(1, 1)], crs=4326).to_file(two, layer="b")
    with pytest.raises(InputDataError, match=r"holds several layers \(a, b\); name one as FILE:LAYER"):
        read_vector(two)
    _gdf, info = read_vector(f"{two}:b")
    assert isinstance(info, VectorSource) and info.layer == "b" and info.crs == "EPSG:4326"
    assert [n for n, _ in list_layers(two)] == ["a", "b"]


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_read_vector_without_crs(tmp_path):
    p = tmp_path / "nocrs.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                 '"geometry":{"type":"Point","coordinates":[22641000,4758000]}}]}')
    p2 = tmp_path / "nocrs.shp"
    gpd.read_file(p).set_crs(None, allow_override=True).to_file(p2)
    with pytest.raises(InputDataError, match="no coordinate reference system; if you know it, pass "
                                             "--assume-crs"):
        read_vector(p2)
    gdf, info = read_vector(p2, assume_crs="28422")
    assert info.assumed_crs and gdf.crs.to_epsg() == 28422


def test_unknown_encoding_is_one_sentence(cp1251_shp):
    with pytest.raises(InputDataError, match="unknown encoding 'klingon'"):
        read_vector(cp1251_shp, encoding="klingon")


def test_write_layers_with_provenance(tmp_path):
    a = gpd.GeoDataFrame({"n": ["豹"]}, geometry=[Point(0, 0)], crs=4326)
    table = pd.DataFrame({"k": [1]})
    out = write_layers(tmp_path / "o.gpkg", {"points": a, "table": table},
                       provenance=Provenance("test", parameters={"x": 1}))
    assert [n for n, _ in list_layers(out)] == ["points", "table", "provenance"]
    assert read_provenance(out)["product"] == "test"
    assert read_vector(f"{out}:points")[0]["n"][0] == "豹"
    shutil.copy(out, tmp_path / "copy.gpkg")
    write_layers(tmp_path / "plain.gpkg", {"points": a})
    assert read_provenance(tmp_path / "plain.gpkg") is None


def test_write_vector_writes_national_formats(tmp_path):
    from habitatmap.io.vector import write_vector

    gdf = gpd.GeoDataFrame({"NAME": ["Земля леопарда"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    shp = write_vector(tmp_path / "p.shp", gdf, driver="ESRI Shapefile", encoding="cp1251",
                       layer_options={"DBF_DATE_LAST_UPDATE": "2026-01-01"}, fixed_date="2026-01-01")
    assert (tmp_path / "p.cpg").read_text().strip().upper() in {"CP1251", "1251"}
    assert read_vector(shp)[0]["NAME"][0] == "Земля леопарда"
    gpkg = tmp_path / "two.gpkg"
    write_vector(gpkg, gdf, driver="GPKG", layer="a")
    write_vector(gpkg, gdf, driver="GPKG", layer="б")
    assert [n for n, _ in list_layers(gpkg)] == ["a", "б"]


def test_named_layer_must_exist(tmp_path):
    p = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame(geometry=[Point(130, 43)], crs=4326).to_file(p, layer="roads")
    with pytest.raises(InputDataError, match=r"roads\.gpkg: has no layer 'rivers'; name one of its layers "
                                             r"\(roads\)"):
        read_vector(f"{p}:rivers")


def test_degrees_out_of_range_are_refused_with_the_likely_cause(tmp_path):
    swapped = tmp_path / "swapped.gpkg"
    gpd.GeoDataFrame(geometry=[box(42.9, 130.7, 42.95, 130.75)], crs=4326).to_file(swapped)
    with pytest.raises(InputDataError, match="longitude and latitude look swapped"):
        read_vector(swapped)
    metres = tmp_path / "metres.gpkg"
    gpd.GeoDataFrame(geometry=[Point(632400, 4764150)], crs=4326).to_file(metres)
    with pytest.raises(InputDataError, match="they look like metres, not degrees"):
        read_vector(metres)


def test_csv_samples_are_read_from_their_coordinate_columns(tmp_path):
    p = tmp_path / "samples.csv"
    p.write_text("lon,lat,habitat\n130.8,42.95,forest\n130.81,42.96,wetland\n", encoding="utf-8")
    gdf, info = read_vector(p, assume_crs="EPSG:4326")
    assert list(gdf["habitat"]) == ["forest", "wetland"] and gdf.geometry.iloc[0].x == 130.8
    assert "lon" not in gdf.columns and info.assumed_crs
    (tmp_path / "table.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputDataError, match="holds a table without geometries"):
        read_vector(tmp_path / "table.csv", assume_crs="EPSG:4326")
