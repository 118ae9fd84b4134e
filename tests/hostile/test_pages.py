"""HTML and JavaScript payloads in every string that reaches a page: attribute values, column
names, layer, file and legend names. Each page is opened in headless Chromium with every request
outside the machine blocked; the payloads must show as text and never run."""

from __future__ import annotations

import shutil

import geopandas as gpd
import pyogrio
import pytest
import yaml

from tests.conftest import LEGEND
from tests.unit.webmap.conftest import browser, open_page  # noqa: F401 (a fixture)

# Each payload sets window.__pwned (or the title) if it ever runs.
PAYLOADS = [
    '<img src=x onerror="window.__pwned=1">',
    '</script><script>window.__pwned=2</script>',
    '"><svg onload="window.__pwned=3">',
    "'-alert(window.__pwned=4)-'",
    '</style><img src=x onerror="window.__pwned=5">',
    '<iframe srcdoc="<script>parent.__pwned=6</script>">',
    "\u2028\u2029</SCRIPT><script>window.__pwned=7</script>",
]
EVIL = " ".join(PAYLOADS)
FILE_PAYLOAD = '"><img src=x onerror=window.__pwned=8>'


def _poisoned_basemap(products, folder):
    """The demo's base map with every text value (and one column name) replaced by payloads."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{FILE_PAYLOAD}.gpkg"
    for name, _ in pyogrio.list_layers(products / "basemap.gpkg"):
        if name in ("layer_styles", "provenance"):
            continue
        gdf = gpd.read_file(products / "basemap.gpkg", layer=name)
        for col in gdf.columns:
            if col != "geometry" and (gdf[col].dtype == object or str(gdf[col].dtype) == "str"):
                gdf[col] = [f"{EVIL} {i}" for i in range(len(gdf))]
        gdf[PAYLOADS[0]] = PAYLOADS[2]
        gdf.to_file(dest, layer=name)
    return dest


def _poisoned_legend(folder):
    doc = yaml.safe_load(LEGEND.read_text(encoding="utf-8"))
    for c in doc["classes"]:
        for lang in c["names"]:
            c["names"][lang] = f"{PAYLOADS[c['code'] % len(PAYLOADS)]} {c['key']}"
        c["definition"] = EVIL
    path = folder / "evil_legend.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _assert_inert(info):
    page = info["page"]
    assert page.evaluate("window.__pwned === undefined"), "a payload ran"
    assert page.title() != "x"
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], iframe, svg[onload]').length") == 0
    assert info["blocked"] == []
    assert [e for e in info["errors"] if "__pwned" in e] == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_webmap_with_payloads_everywhere(cli, browser, products, tmp_path, lang):  # noqa: F811
    basemap = _poisoned_basemap(products, tmp_path / "in")
    legend = _poisoned_legend(tmp_path)
    habitat = tmp_path / "in" / f"{FILE_PAYLOAD}.tif"
    shutil.copy(products / "habitat.tif", habitat)
    html = tmp_path / "map.html"
    r = cli("--legend", legend, "webmap", "--basemap", basemap, "--habitat", habitat, "--corridors", products,
            "--lang", lang, "--out", html)
    assert r.exit_code == 0, r.stderr
    text = html.read_text(encoding="utf-8")
    for p in PAYLOADS:
        assert p not in text
    info = open_page(browser, html, f"hostile_webmap_{lang}.png")
    try:
        page = info["page"]
        _assert_inert(info)
        assert any(p in t for t in info["legend"] for p in PAYLOADS)  # the legend shows names as text
        shown = []
        for path in page.locator("path.leaflet-interactive").all()[:15]:
            path.hover(force=True)
            page.wait_for_timeout(50)
            shown += page.locator(".leaflet-tooltip").all_inner_texts()
        assert any(PAYLOADS[1] in t for t in shown)  # tooltips show the values as text
        _assert_inert(info)
    finally:
        info["page"].close()


def test_compare_with_payloads_in_values_columns_layers_and_file_names(cli, browser, products,  # noqa: F811
                                                                      tmp_path):
    basemap = _poisoned_basemap(products, tmp_path / "in")
    html = tmp_path / "compare.html"
    r = cli("webmap", "compare", "--left", f"{basemap}:zones", "--right", f"{basemap}:parks", "--out", html)
    assert r.exit_code == 0, r.stderr
    text = html.read_text(encoding="utf-8")
    for p in PAYLOADS:
        assert p not in text
    info = open_page(browser, html, "hostile_compare.png")
    try:
        page = info["page"]
        assert FILE_PAYLOAD in page.locator("#hm-left-label").inner_text()
        for path in page.locator("path").all()[:10]:
            path.hover(force=True)
            page.wait_for_timeout(50)
        _assert_inert(info)
    finally:
        info["page"].close()


def test_payload_in_a_layer_name(cli, browser, tmp_path):  # noqa: F811
    import shapely

    gpkg = tmp_path / "zones.gpkg"
    layer = "zones<img src=x onerror=window.__pwned=9>"
    gpd.GeoDataFrame({"zone": ["core"]}, geometry=[shapely.box(130.7, 42.9, 130.72, 42.92)],
                     crs="EPSG:4326").to_file(gpkg, layer=layer)
    html = tmp_path / "c.html"
    r = cli("webmap", "compare", "--left", f"{gpkg}:{layer}", "--right", f"{gpkg}:{layer}", "--out", html)
    assert r.exit_code == 0, r.stderr
    info = open_page(browser, html, "hostile_layer_name.png")
    try:
        _assert_inert(info)
    finally:
        info["page"].close()
