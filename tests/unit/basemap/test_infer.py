"""Inferring a mapping from a user's layers: targets, countries, names and zone tables."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, box

from habitatmap.basemap.infer import (
    ZONE_WORDS,
    LayerSketch,
    draft_mapping,
    infer_mapping,
    mapping_yaml,
    sketch_layer,
)
from habitatmap.basemap.mapping import mapping_from_doc
from habitatmap.errors import ConfigError


def _sample_layers(sample_dir):
    b = sample_dir / "boundaries"
    cn = b / "cn_tlnp.gpkg"
    return [str(b / "ru_leopard_np.shp"), str(b / "ru_leopard_np_zones.shp"), f"{cn}:国家公园范围",
            f"{cn}:功能分区", str(b / "border_wgs84.geojson")]


def test_the_sample_is_inferred_like_its_hand_written_mapping(sample_dir, root):
    from habitatmap.basemap import load_mapping

    mapping, sketches = infer_mapping(_sample_layers(sample_dir))
    assert all(isinstance(s, LayerSketch) and s.certain for s in sketches)
    written = load_mapping(root / "workflows" / "tumen_mapping.yaml")
    for key, entry in written.layers.items():
        got = mapping.layers[key]
        assert got["target"] == entry["target"] and got["country"] == entry["country"]
        assert got["zone_class"] == entry["zone_class"]
        assert set(got["fields"].items()) <= set(entry["fields"].items()) or entry["target"] == "border"


def test_doubts_are_named(tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["Khar Us"], "zone": ["тусгай хамгаалалтын бүс"]},
                           geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    gdf.to_file(tmp_path / "mn.gpkg")
    s = sketch_layer(tmp_path / "mn.gpkg")
    assert s.target == "parks" and s.country is None and not s.certain
    with pytest.raises(ConfigError, match="habitatmap basemap mapping"):
        infer_mapping([str(tmp_path / "mn.gpkg")])
    zones = gpd.GeoDataFrame({"ZONE_NAME": ["заповедная зона", "зона Х"]},
                             geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:28422")
    zones.to_file(tmp_path / "z.gpkg")
    z = sketch_layer(tmp_path / "z.gpkg")
    assert z.target == "zones" and z.country == "RUS" and z.zone_class == {"заповедная зона": "core",
                                                                           "зона Х": None}
    assert any("not recognised" in d for d in z.doubts)
    line = gpd.GeoDataFrame({"name_en": ["border"]}, geometry=[LineString([(0, 0), (1, 1)])], crs="EPSG:4326")
    line.to_file(tmp_path / "b.gpkg")
    assert sketch_layer(tmp_path / "b.gpkg").target == "border"


def test_draft_round_trips(sample_dir, tmp_path):
    import yaml

    sketches = [sketch_layer(s) for s in _sample_layers(sample_dir)]
    text = mapping_yaml(sketches)
    doc = yaml.safe_load(text)
    assert doc == draft_mapping(sketches)
    assert mapping_from_doc(doc, tmp_path / "m.yaml").layers.keys() == {s.key for s in sketches}
    assert ZONE_WORDS["заповедн"] == "core" and ZONE_WORDS["核心"] == "core"


def test_list_valued_fields_are_sampled_as_text(tmp_path):
    """A GeoJSON array property (read as a list) used to end in 'unhashable type' (a traceback)."""
    p = tmp_path / "arr.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Park",'
                 '"tags":["a","b"]},"geometry":{"type":"Polygon","coordinates":[[[130,42],[131,42],[131,43],'
                 '[130,42]]]}}]}', encoding="utf-8")
    s = sketch_layer(p)
    assert s.target == "parks" and len(s.fields["tags"]) == 1
