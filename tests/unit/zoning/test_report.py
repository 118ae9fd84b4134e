"""The written comparison: CSVs, a valid GeoPackage styled for QGIS, charts, the report in each
language, the swipe map."""

from __future__ import annotations

import pyogrio
import pytest

from habitatmap.legend.model import load_legend
from habitatmap.zoning.report import LEVEL_COLOURS, ZoningComparison, qml_for, write_comparison


@pytest.fixture(scope="module")
def demo_zoning(demo_run):
    out, _ = demo_run
    return out / "zoning"


def test_the_demo_writes_the_comparison(demo_zoning):
    for f in ("level_areas.csv", "habitat_by_level.csv", "gaps.csv", "current_by_level.csv",
              "border_segments.csv", "zoning.gpkg", "levels.png", "current.png", "report.md", "swipe.html",
              "provenance.json"):
        assert (demo_zoning / f).is_file(), f
    layers = {n for n, _ in pyogrio.list_layers(demo_zoning / "zoning.gpkg")}
    assert {"levels", "border_segments", "mismatch", "conflicts", "gaps", "layer_styles",
            "provenance"} <= layers
    styles = pyogrio.read_dataframe(demo_zoning / "zoning.gpkg", layer="layer_styles")
    assert set(styles["f_table_name"]) >= {"levels", "mismatch", "gaps"}
    report = (demo_zoning / "report.md").read_text(encoding="utf-8")
    assert "Zoning compared across the border" in report and "+proj=laea" in report
    assert "Mismatch (levels differ by 2 or more)" in report


def test_the_geopackage_is_valid(demo_zoning):
    validate_gpkg = pytest.importorskip("osgeo_utils.samples.validate_gpkg",
                                        reason="gdal-utils (validate_gpkg.py) comes with make test")
    messages: list[str] = []
    errors = validate_gpkg.check(str(demo_zoning / "zoning.gpkg"), abort_at_first_error=False,
                                 myprint=messages.append)
    assert not errors, messages


def test_qml_styles():
    levels = qml_for("levels", lang="ru")
    assert 'attr="level"' in levels and "1 строгая" in levels
    assert "211,47,47,255" in qml_for("mismatch") and "dash" in qml_for("conflicts")
    with pytest.raises(ValueError, match="no style"):
        qml_for("nope")
    assert LEVEL_COLOURS[1].startswith("#")


def test_report_in_every_language(demo_zoning, tmp_path):
    import geopandas as gpd

    from habitatmap.zoning.compare import level_areas

    levels = gpd.read_file(demo_zoning / "zoning.gpkg", layer="levels")
    result = ZoningComparison(levels, level_areas(levels), str(levels.crs))
    for lang, word in (("ru", "Уровень охраны"), ("zh", "保护等级"), ("mn", "Хамгаалалтын түвшин"),
                       ("kk", "Қорғау деңгейі")):
        folder = tmp_path / lang
        folder.mkdir()
        files = write_comparison(result, folder, load_legend(), lang=lang)
        assert "report.md" in files and word in (folder / "report.md").read_text(encoding="utf-8")


def test_qgis_opens_the_layers_styled(demo_zoning, tmp_path):
    import json
    import subprocess

    from tests.conftest import qgis_python

    exe = qgis_python()
    if exe is None:
        pytest.skip("QGIS Python bindings (Debian python3-qgis) not installed")
    script = (
        "import os, sys, json\n"
        "from qgis.core import QgsApplication, QgsVectorLayer\n"
        "app = QgsApplication([], False); app.initQgis()\n"
        "res = {}\n"
        "for name in ('levels', 'mismatch', 'border_segments', 'gaps'):\n"
        "    lyr = QgsVectorLayer(sys.argv[1] + '|layername=' + name, name, 'ogr')\n"
        "    r = lyr.renderer()\n"
        "    cats = [c.label() for c in r.categories()] if hasattr(r, 'categories') else []\n"
        "    res[name] = {'valid': lyr.isValid(), 'type': r.type(), 'cats': cats}\n"
        "print(json.dumps(res, ensure_ascii=False)); sys.stdout.flush(); os._exit(0)\n"
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path), "HOME": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    run = subprocess.run([exe, "-c", script, str(demo_zoning / "zoning.gpkg")], capture_output=True,
                         text=True, env=env, timeout=120)
    line = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    assert line, run.stderr
    got = json.loads(line[-1])
    assert all(v["valid"] for v in got.values())
    assert got["levels"]["type"] == "categorizedSymbol"
    assert got["levels"]["cats"] == ["1 strict", "2 high", "3 moderate", "4 low"]
    assert got["mismatch"]["type"] == "singleSymbol"
