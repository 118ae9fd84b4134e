"""Legend exports parse back in their target formats and tools."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import rasterio

from habitatmap.errors import LegendError, OutputError
from habitatmap.legend import load_legend
from habitatmap.legend.export import export_legend, render_legend
from tests.conftest import qgis_python

SLD = "{http://www.opengis.net/sld}"


@pytest.fixture(scope="module")
def legend():
    return load_legend()


@pytest.fixture()
def classified(tmp_path, legend):
    """A small uint8 raster holding every legend code once, plus nodata."""
    codes = [legend.nodata, *legend.codes]
    arr = np.array(codes + [legend.nodata] * (20 - len(codes)), np.uint8).reshape(4, 5)
    path = tmp_path / "classes.tif"
    with rasterio.open(path, "w", driver="GTiff", width=5, height=4, count=1, dtype="uint8",
                       nodata=0, crs="EPSG:32652",
                       transform=rasterio.Affine(30, 0, 600000, 0, -30, 4750000)) as dst:
        dst.write(arr, 1)
    return path, arr


def test_qml_is_paletted_style_with_one_entry_per_class(tmp_path, legend):
    path = export_legend(legend, "qml", tmp_path / "l.qml", lang="zh")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE qgis')
    root = ET.fromstring(text.split("\n", 2)[2])
    renderer = root.find("pipe/rasterrenderer")
    assert renderer.get("type") == "paletted" and renderer.get("band") == "1"
    entries = renderer.findall("colorPalette/paletteEntry")
    assert [int(e.get("value")) for e in entries] == legend.codes
    assert entries[0].get("label") == "红松阔叶混交林"
    assert [e.get("color") for e in entries] == [c.colour for c in legend.classes]


def test_qml_loads_in_qgis(tmp_path, legend, classified):
    exe = qgis_python()
    if exe is None:
        pytest.skip("QGIS Python bindings (Debian python3-qgis) not installed")
    tif, _ = classified
    qml = export_legend(legend, "qml", tmp_path / "l.qml", lang="ru")
    script = (
        "import os, json\n"
        "from qgis.core import QgsApplication, QgsRasterLayer\n"
        "app = QgsApplication([], False); app.initQgis()\n"
        f"lyr = QgsRasterLayer({str(tif)!r}, 'habitat')\n"
        f"msg, ok = lyr.loadNamedStyle({str(qml)!r})\n"
        "r = lyr.renderer()\n"
        "print(json.dumps({'ok': ok, 'type': r.type(), 'classes': [[int(c.value), c.label, "
        "c.color.name()] for c in r.classes()]}, ensure_ascii=False))\n"
        "import sys; sys.stdout.flush(); os._exit(0)\n"  # QGIS 3.22 may crash in exitQgis
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path), "HOME": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([exe, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    assert line, out.stderr
    got = json.loads(line[-1])
    assert got["ok"] is True and got["type"] == "paletted"
    assert got["classes"] == [[c.code, c.name("ru"), c.colour] for c in legend.classes]


def test_sld_colormap_values(tmp_path, legend):
    path = export_legend(legend, "sld", tmp_path / "l.sld", lang="ru")
    root = ET.parse(path).getroot()
    assert root.tag == f"{SLD}StyledLayerDescriptor" and root.get("version") == "1.0.0"
    cmap = root.find(f".//{SLD}RasterSymbolizer/{SLD}ColorMap")
    assert cmap.get("type") == "values"
    entries = cmap.findall(f"{SLD}ColorMapEntry")
    assert entries[0].get("quantity") == "0" and entries[0].get("opacity") == "0"
    assert [int(e.get("quantity")) for e in entries[1:]] == legend.codes
    assert entries[1].get("label") == "Кедрово-широколиственный лес"


def test_clr_is_read_by_gdaldem(tmp_path, legend, classified):
    gdaldem = shutil.which("gdaldem")
    if gdaldem is None:
        pytest.skip("gdaldem (Debian gdal-bin) not installed")
    tif, arr = classified
    clr = export_legend(legend, "clr", tmp_path / "l.clr", lang="zh")
    out = tmp_path / "rgba.tif"
    # GDAL 3.6's -exact_color_entry mis-renders uint8 input; with every code listed, nearest is exact.
    subprocess.run([gdaldem, "color-relief", "-q", "-alpha", "-nearest_color_entry", str(tif),
                    str(clr), str(out)], check=True, capture_output=True)
    with rasterio.open(out) as ds:
        rgba = ds.read()
    cmap = legend.colormap()
    for (r, c), code in np.ndenumerate(arr):
        assert tuple(int(v) for v in rgba[:, r, c]) == cmap[int(code)], code


def test_clr_lines(legend):
    lines = render_legend(legend, "clr", lang="en").splitlines()
    assert len(lines) == len(legend.classes) + 1
    assert lines[-1] == "nv 0 0 0 0"
    code, r, g, b, a, *label = lines[0].split()
    assert (int(code), int(r), int(g), int(b), int(a)) == (11, 27, 94, 32, 255)
    assert " ".join(label) == "Korean pine–broadleaf mixed forest"


def test_json_round_trip(tmp_path, legend):
    doc = json.loads(export_legend(legend, "json", tmp_path / "l.json", lang="mn").read_text("utf-8"))
    assert doc["legend"]["language"] == "mn"
    assert [c["code"] for c in doc["classes"]] == legend.codes
    assert doc["classes"][0]["name"] == legend.classes[0].name("mn")
    assert doc["classes"][0]["names"]["zh"] == "红松阔叶混交林"
    assert doc["classes"][0]["resistance"]["amur_leopard"] == 1


def test_bad_format_language_and_folder(tmp_path, legend):
    with pytest.raises(LegendError, match="unknown export format 'shp'"):
        render_legend(legend, "shp")
    with pytest.raises(LegendError, match="unknown language 'de'"):
        render_legend(legend, "qml", lang="de")
    with pytest.raises(OutputError, match=r"output folder .* does not exist"):
        export_legend(legend, "qml", tmp_path / "missing" / "l.qml")


def test_renderers_are_what_render_legend_returns(legend):
    from habitatmap.legend.export import EXPORT_FORMATS, to_clr, to_json, to_qml, to_sld

    assert EXPORT_FORMATS == ("qml", "sld", "clr", "json")
    for fmt, fn in zip(EXPORT_FORMATS, (to_qml, to_sld, to_clr, to_json), strict=True):
        assert fn(legend, "ru") == render_legend(legend, fmt, lang="ru")
