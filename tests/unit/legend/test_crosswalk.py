"""Crosswalks from national class names onto the shared legend."""

from __future__ import annotations

import pytest

from habitatmap.errors import LegendError
from habitatmap.legend.crosswalk import CROSSWALK_DIR, Crosswalk, load_crosswalk, normalise_name
from habitatmap.legend.model import load_legend


@pytest.fixture(scope="module")
def legend():
    return load_legend()


def test_bundled_crosswalks_load_and_match_variants(legend):
    ru = load_crosswalk(CROSSWALK_DIR / "ru_forest_inventory.yaml", legend)
    assert isinstance(ru, Crosswalk) and ru.source.endswith("ru_forest_inventory.yaml")
    zh = load_crosswalk(CROSSWALK_DIR / "cn_forest_landuse.yaml", legend)
    assert ru.country == "RUS" and zh.country == "CHN"
    assert ru.key_for("  КЕДРОВНИКИ ") == "korean_pine_broadleaf_forest"
    assert ru.key_for("Населенные пункты") == ru.key_for("Населённые пункты") == "built_up"
    assert zh.key_for("落叶松林") == "larch_forest"
    assert normalise_name("ＡＢＣ") == "abc"  # full-width forms match half-width ones
    assert ru.key_for("Тайга") is None


def test_crosswalk_errors(legend, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("crosswalk: {id: x}\nclasses: {Ельники: spruce_forest}\n", encoding="utf-8")
    with pytest.raises(LegendError, match="'spruce_forest', which is not a key"):
        load_crosswalk(bad, legend)
    bad.write_text("crosswalk: {id: x, legend: other}\nclasses: {a: wetland}\n", encoding="utf-8")
    with pytest.raises(LegendError, match="maps onto legend 'other'"):
        load_crosswalk(bad, legend)
    bad.write_text("classes: [1, 2]\n", encoding="utf-8")
    with pytest.raises(LegendError, match="not a crosswalk"):
        load_crosswalk(bad, legend)
    with pytest.raises(LegendError, match="crosswalk file not found"):
        load_crosswalk(tmp_path / "none.yaml", legend)
