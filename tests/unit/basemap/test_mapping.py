"""The attribute mapping of national layers onto one schema."""

from __future__ import annotations

import geopandas as gpd
import pytest
import yaml
from shapely.geometry import Point

from habitatmap.basemap.layers import LayerInfo
from habitatmap.basemap.mapping import SCHEMA, Mapping, harmonise, load_mapping
from habitatmap.errors import ConfigError, InputDataError


def test_bundled_mapping(root):
    m = load_mapping(root / "workflows" / "tumen_mapping.yaml")
    assert isinstance(m, Mapping) and m.id == "tumen-boundaries" and set(m.zone_classes) == {"core",
                                                                                            "general_control"}
    assert m.for_layer("/somewhere/cn_tlnp.gpkg:功能分区")["target"] == "zones"
    with pytest.raises(ConfigError, match=r"no entry for layer 'other.gpkg'"):
        m.for_layer("other.gpkg")


@pytest.mark.parametrize(("layers", "message"), [
    ({"a.gpkg": {"target": "roads"}},
     r"layers\.'a\.gpkg'\.target: input should be 'parks', 'zones' or 'border' \(got 'roads'\); correct it"),
    ({"a.gpkg": ["parks"]}, r"layers\.'a\.gpkg': input should be a valid dictionary; correct it"),
    ({"a.gpkg": {"target": "parks", "country": "RUS", "constants": {"name_en": ["x"] * 9}}},
     r"constants\.name_en: input should be a valid string; correct it"),
    ({"a.gpkg": {"target": "parks", "country": "RUS", "constants": {"name_en": "x" * 5000}}},
     r"at most 1000 characters \(got 'xxxx.*…'\)"),
    ({"a.gpkg": {"target": "parks", "country": "RUS", "fields": {"colour": "C"}}}, "are not fields of parks"),
    ({"a.gpkg": {"target": "parks"}}, "has no country; give its ISO 3166"),
    ({"a.gpkg": {"target": "zones", "country": "RUS", "zone_class": {"z": "nope"}}}, "not declared"),
])
def test_mapping_errors(tmp_path, layers, message):
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump({"layers": layers}), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_mapping(p)


def test_harmonise_fills_the_schema():
    gdf = gpd.GeoDataFrame({"NAME": ["Парк"], "ZONE": ["заповедная зона"]}, geometry=[Point(0, 0).buffer(1)],
                           crs="EPSG:32652")
    entry = {"target": "zones", "country": "rus", "fields": {"park_ru": "NAME", "zone_national": "ZONE"},
             "constants": {"park_en": "Park"}, "zone_class": {"заповедная зона": "core"}}
    out = harmonise(gdf, entry, LayerInfo("z.shp", "EPSG:32652", 1))
    assert list(out.columns) == [*SCHEMA["zones"], "geometry"]
    assert out.iloc[0]["country"] == "RUS" and out.iloc[0]["zone_class"] == "core"
    assert out.iloc[0]["park_zh"] is None
    with pytest.raises(ConfigError, match="has no field 'NAME2'"):
        harmonise(gdf, {**entry, "fields": {"park_ru": "NAME2"}}, LayerInfo("z.shp", "", 1))
    lines = gpd.GeoDataFrame({"ZONE": ["заповедная зона"]}, geometry=[Point(0, 0)], crs="EPSG:32652")
    with pytest.raises(InputDataError, match="but zones needs Polygon or MultiPolygon"):
        harmonise(lines, {**entry, "fields": {"zone_national": "ZONE"}}, LayerInfo("z.shp", "", 1))


def test_a_shapefile_given_as_its_folder_or_zip_uses_the_shapefile_s_entry(root, tmp_path):
    import shutil
    import zipfile

    m = load_mapping(root / "workflows" / "tumen_mapping.yaml")
    folder = tmp_path / "ru"
    folder.mkdir()
    for p in (root / "sample_data" / "tumen" / "boundaries").glob("ru_leopard_np.*"):
        shutil.copy(p, folder / p.name)
    assert m.for_layer(str(folder))["target"] == "parks"
    with zipfile.ZipFile(tmp_path / "ru.shp.zip", "w") as z:
        for p in folder.iterdir():
            z.write(p, p.name)
    assert m.for_layer(str(tmp_path / "ru.shp.zip"))["target"] == "parks"


def test_mapping_from_doc_checks_a_parsed_document(tmp_path):
    from habitatmap.basemap.mapping import mapping_from_doc

    with pytest.raises(ConfigError, match="no 'layers'"):
        mapping_from_doc({"mapping": {}}, tmp_path / "m.yaml")
