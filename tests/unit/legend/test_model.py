"""The shared legend: content rules and validation errors."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from habitatmap.errors import LegendError
from habitatmap.legend import LANGUAGES, WORLDCOVER_CLASSES, load_legend
from tests.conftest import LEGEND

SPECIES = {"amur_leopard", "amur_tiger", "snow_leopard", "pallas_cat"}


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(LEGEND.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    p = tmp_path / "legend.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def test_bundled_legend_is_complete():
    legend = load_legend()
    assert len(legend.classes) >= 12
    assert set(legend.species) == SPECIES
    assert len(set(legend.codes)) == len(legend.codes)
    for c in legend.classes:
        assert 1 <= c.code <= 254
        assert all(c.name(lang).strip() for lang in LANGUAGES)
        assert c.worldcover in WORLDCOVER_CLASSES
        assert 1 <= c.iucn.level1 <= 18
        for sp in SPECIES:
            assert 1 <= c.resistance[sp].value <= 1000
            assert c.resistance[sp].rationale.endswith(".")
    # Landscape classes the issue names must be there.
    keys = {c.key for c in legend.classes}
    assert {"korean_pine_broadleaf_forest", "oak_broadleaf_forest", "spruce_fir_forest",
            "birch_aspen_forest", "shrubland", "meadow_grassland", "alpine_tundra", "rock_scree",
            "wetland", "open_water", "cropland", "built_up", "burned_bare"} <= keys


def test_lookup_by_key_and_code():
    legend = load_legend()
    assert legend.lookup("wetland").code == 51
    assert legend.lookup(51).key == "wetland"
    assert legend.lookup(" 51 ").key == "wetland"
    assert legend.by_key("wetland").name("zh") == "湿地"
    with pytest.raises(LegendError, match="no class has key 'swamp'"):
        legend.lookup("swamp")
    cmap = legend.colormap()
    assert cmap[0] == (0, 0, 0, 0)
    assert cmap[11] == (0x1B, 0x5E, 0x20, 255)


def test_resistance_table_per_species():
    legend = load_legend()
    r = legend.resistance("amur_leopard")
    assert r[11] < r[61] < r[62]  # forest < cropland < settlement for the leopard
    assert legend.resistance("snow_leopard")[42] == 1
    with pytest.raises(LegendError, match="no resistances for species 'lynx'"):
        legend.resistance("lynx")


def _mutate(raw: dict, index: int, path: list, value) -> dict:
    data = copy.deepcopy(raw)
    target = data["classes"][index]
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("index", "path", "value", "expected"),
    [
        (3, ["colour"], "green", r"class 'larch_forest' \(code 14\): 'colour' must be a hex colour"),
        (3, ["colour"], "#12345", r"'colour' must be a hex colour like '#1b5e20', got '#12345'"),
        (11, ["names", "mn"], ..., r"class 'wetland' \(code 51\): 'names.mn' is missing"),
        (11, ["names", "zh"], "",
         r"class 'wetland' \(code 51\): 'names.zh' string should have at least 1"),
        (11, ["resistance", "amur_tiger", "value"], 0,
         r"class 'wetland' \(code 51\): 'resistance.amur_tiger.value' input should be greater than "
         r"or equal to 1"),
        (11, ["resistance", "amur_tiger", "value"], -5, r"greater than or equal to 1 \(got -5\)"),
        (11, ["resistance", "amur_tiger", "value"], 1001, r"less than or equal to 1000"),
        (0, ["resistance", "pallas_cat"], ...,
         r"class 'korean_pine_broadleaf_forest' \(code 11\): no resistance for pallas_cat"),
        (0, ["code"], 300, r"'code' input should be less than or equal to 254"),
        (0, ["code"], 0, r"'code' input should be greater than or equal to 1 \(got 0\)"),
        (0, ["worldcover"], 15, r"'worldcover' must be an ESA WorldCover code"),
        (0, ["colur"], "#ffffff", r"'colur' is not a legend field \(check the spelling\)"),
        (0, ["key"], "Korean Pine", r"'key' string should match pattern"),
    ],
)
def test_invalid_legend_names_file_class_and_problem(tmp_path, raw, index, path, value, expected):
    p = write(tmp_path, _mutate(raw, index, path, value))
    with pytest.raises(LegendError, match=expected) as info:
        load_legend(p)
    msg = str(info.value)
    assert msg.startswith(str(p))
    assert "\n" not in msg


def test_duplicate_code_and_key(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["classes"][1]["code"] = data["classes"][0]["code"]
    with pytest.raises(LegendError, match=r"class 'oak_broadleaf_forest' \(code 11\): code 11 is "
                                          r"already used by class 'korean_pine_broadleaf_forest'"):
        load_legend(write(tmp_path, data))
    data = copy.deepcopy(raw)
    data["classes"][1]["key"] = data["classes"][0]["key"]
    with pytest.raises(LegendError, match="key 'korean_pine_broadleaf_forest' is used twice"):
        load_legend(write(tmp_path, data))


def test_class_code_equal_to_nodata(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["legend"]["nodata"] = 51
    with pytest.raises(LegendError, match="class code 51 is the legend's nodata value"):
        load_legend(write(tmp_path, data))


def test_unknown_species_resistance(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["classes"][2]["resistance"]["lynx"] = {"value": 3, "rationale": "x."}
    with pytest.raises(LegendError, match="resistance given for unknown species lynx"):
        load_legend(write(tmp_path, data))


def test_missing_file_bad_yaml_and_wrong_document(tmp_path):
    with pytest.raises(LegendError, match="legend file not found"):
        load_legend(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("legend: [unclosed\n", encoding="utf-8")
    with pytest.raises(LegendError, match=r"bad.yaml: invalid YAML at line \d+"):
        load_legend(bad)
    other = tmp_path / "other.yaml"
    other.write_text("just: a mapping\n", encoding="utf-8")
    with pytest.raises(LegendError, match="not a habitat legend"):
        load_legend(other)
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("legend: é\n".encode("latin-1"))
    with pytest.raises(LegendError, match="not UTF-8"):
        load_legend(latin1)


def test_yaml_is_loaded_safely(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("legend: !!python/object/apply:os.system ['echo hacked']\nclasses: []\n")
    with pytest.raises(LegendError, match=r"the tag .*python/object/apply.* is not accepted"):
        load_legend(evil)


def test_model_types_and_validation_entry_points():
    from habitatmap.legend.model import (
        DEFAULT_LEGEND_PATH,
        RESISTANCE_MAX,
        RESISTANCE_MIN,
        HabitatClass,
        Legend,
        Names,
        check_language,
        legend_from_mapping,
    )

    raw = yaml.safe_load(DEFAULT_LEGEND_PATH.read_text(encoding="utf-8"))
    legend = legend_from_mapping(raw, source="memory")
    assert isinstance(legend, Legend) and isinstance(legend.classes[0], HabitatClass)
    assert isinstance(legend.legend.title, Names) and legend.legend.title.get("zh") == "跨境生境统一图例"
    assert (RESISTANCE_MIN, RESISTANCE_MAX) == (1.0, 1000.0)
    assert check_language("mn") == "mn"
    with pytest.raises(LegendError, match="unknown language 'kz'"):
        check_language("kz")
    with pytest.raises(LegendError, match="not a habitat legend"):
        legend_from_mapping({"x": 1}, source="m")
