"""QGIS styles in the GeoPackage's layer_styles table: QGIS opens every layer styled."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from habitatmap.basemap.styles import LINE_STYLES, ZONE_COLOURS, layer_styles_table, qml_for
from habitatmap.legend.model import load_legend


def test_qml_for_each_layer():
    legend = load_legend()
    hab = ET.fromstring(qml_for("habitats", legend, lang="ru").split("\n", 1)[1])
    cats = hab.findall("renderer-v2/categories/category")
    assert len(cats) == len(legend.classes) and cats[0].get("label") == legend.classes[0].name("ru")
    zones = qml_for("zones", legend, zone_names={"core": "Core (strict)"})
    assert 'label="Core (strict)"' in zones and set(ZONE_COLOURS) == {"core", "general_control"}
    for layer in LINE_STYLES:
        assert "renderer-v2" in qml_for(layer, legend)
    with pytest.raises(ValueError):
        qml_for("roads", legend)


def test_layer_styles_table_rows():
    table = layer_styles_table(["parks", "zones", "provenance", "habitats"], load_legend())
    assert list(table["f_table_name"]) == ["parks", "zones", "habitats"]  # no style for a table
    assert table["useAsDefault"].all() and (table["f_geometry_column"] == "geom").all()


def test_qgis_opens_every_layer_styled(demo_run, tmp_path):
    import subprocess

    from tests.conftest import qgis_python

    exe = qgis_python()
    if exe is None:
        pytest.skip("QGIS Python bindings (Debian python3-qgis) not installed")
    out, _ = demo_run
    script = (
        "import os, sys, json\n"
        "from qgis.core import QgsApplication, QgsVectorLayer\n"
        "app = QgsApplication([], False); app.initQgis()\n"
        "res = {}\n"
        "for name in ('habitats', 'zones', 'parks', 'border', 'sheets_sk42', 'sheets_gbt13989'):\n"
        "    lyr = QgsVectorLayer(sys.argv[1] + '|layername=' + name, name, 'ogr')\n"
        "    r = lyr.renderer()\n"
        "    cats = [c.label() for c in r.categories()] if hasattr(r, 'categories') else []\n"
        "    res[name] = {'valid': lyr.isValid(), 'type': r.type(), 'cats': cats,\n"
        "                 'labels': lyr.labelsEnabled()}\n"
        "print(json.dumps(res, ensure_ascii=False)); sys.stdout.flush(); os._exit(0)\n"
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path), "HOME": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    run = subprocess.run([exe, "-c", script, str(out / "basemap.gpkg")], capture_output=True, text=True,
                         env=env, timeout=120)
    line = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    assert line, run.stderr
    got = json.loads(line[-1])
    assert all(v["valid"] for v in got.values())
    assert got["habitats"]["type"] == "categorizedSymbol" and len(got["habitats"]["cats"]) == 16
    assert got["habitats"]["cats"][0] == "Korean pine–broadleaf mixed forest"
    assert got["zones"]["type"] == "categorizedSymbol" and got["zones"]["labels"]
    assert got["sheets_sk42"]["labels"] and got["border"]["type"] == "singleSymbol"


