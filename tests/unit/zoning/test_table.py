"""The law table: complete against the laws' zone lists, levels derived from the matrices."""

from __future__ import annotations

import pytest

from habitatmap.errors import ConfigError
from habitatmap.legend.model import LANGUAGES
from habitatmap.zoning.levels import ACTIVITIES
from habitatmap.zoning.table import DEFAULT_ZONING_PATH, ZoneType, ZoningTable, fold, load_zoning

# The zone types the issue lists, by the national names found on zoning maps.
REQUIRED = {
    "RUS": ["заповедная зона", "особо охраняемая зона", "рекреационная зона",
            "зона охраны объектов культурного наследия", "зона хозяйственного назначения",
            "зона традиционного экстенсивного природопользования",
            # the edition before 406-FZ
            "зона познавательного туризма", "зона охраны историко-культурных объектов",
            "зона обслуживания посетителей",
            "заповедник", "заказник", "охранная зона"],
    "CHN": ["核心保护区", "一般控制区", "严格保护区", "生态保育区", "科教游憩区", "传统利用区",
            "核心区", "缓冲区", "实验区"],
    "MNG": ["pristine zone", "conservation zone", "хязгаарлалтын бүс (дархан цаазат газар)",
            "special zone", "travel and tourism zone", "хязгаарлалтын бүс (байгалийн цогцолборт газар)"],
}


def test_every_zone_of_the_laws_is_there():
    table = load_zoning()
    assert isinstance(table, ZoningTable) and table.source == str(DEFAULT_ZONING_PATH)
    for country, names in REQUIRED.items():
        for name in names:
            zone = table.match(name, country)
            assert isinstance(zone, ZoneType), (country, name)
            assert zone.country == country and zone.law and set(zone.activities) == set(ACTIVITIES)
            assert all(zone.name(lang) for lang in LANGUAGES)
    assert any(z.edition == "former" for z in table.zones.values())
    assert all(table.activity_name(a, "kk") for a in ACTIVITIES)


def test_levels_follow_the_rules_not_the_names():
    t = load_zoning()
    names = ("заповедная зона", "особо охраняемая зона", "рекреационная зона",
             "зона хозяйственного назначения", "核心保护区", "一般控制区", "核心区", "缓冲区", "实验区")
    level = {name: t.match(name).level for name in names}
    assert level == {"заповедная зона": 1, "особо охраняемая зона": 2, "рекреационная зона": 3,
                     "зона хозяйственного назначения": 4, "核心保护区": 1, "一般控制区": 3, "核心区": 1,
                     "缓冲区": 2, "实验区": 3}
    # Same rules, same level, whatever the country.
    for z in t.zones.values():
        same = [o for o in t.zones.values() if o.activities == z.activities]
        assert {o.level for o in same} == {z.level}
    assert t.zones["ru_zapovednik"].iucn == "Ia" and t.zones["ru_zakaznik_federal"].iucn == "IV"


def test_match_and_fold():
    t = load_zoning()
    assert fold("  Заповедная   ЗОНА ") == "заповедная зона" and fold("核心保护区") == "核心保护区"
    assert t.match("ЗАПОВЕДНАЯ ЗОНА").id == "ru_np_zapovednaya"
    assert t.match("ru_np_zapovednaya").id == "ru_np_zapovednaya"
    assert t.match("заповедная зона", "CHN") is None and t.match("no such zone") is None


def _write(tmp_path, text):
    src = DEFAULT_ZONING_PATH.read_text(encoding="utf-8")
    p = tmp_path / "zoning.yaml"
    p.write_text(text(src), encoding="utf-8")
    return p


def test_bad_tables_are_one_sentence(tmp_path):
    p = _write(tmp_path, lambda s: s.replace("fishing: prohibited, fire_use: prohibited}",
                                             "fire_use: prohibited}", 1))
    with pytest.raises(ConfigError, match=r"activities must be exactly .*missing: fishing"):
        load_zoning(p)
    p = _write(tmp_path, lambda s: s.replace("  - id: ru_np_osobo_okhranyaemaya",
                                             "  - id: ru_np_zapovednaya"))
    with pytest.raises(ConfigError, match=r"zone 'ru_np_zapovednaya' is defined twice"):
        load_zoning(p)
    p = _write(tmp_path, lambda s: s.replace("aliases: [рекреационная, рекреационная зона]",
                                             "aliases: [рекреационная, заповедная зона]"))
    with pytest.raises(ConfigError, match=r"'заповедная зона' names 2 zone types of RUS"):
        load_zoning(p)
    with pytest.raises(ConfigError, match="zoning table not found"):
        load_zoning(tmp_path / "none.yaml")
