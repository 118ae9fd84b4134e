"""Web maps in a real headless browser: Debian's chromium driven by Playwright, every request outside
``file:`` and ``data:`` aborted and recorded. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from habitatmap.legend import load_legend

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
XSS = '<img src=x onerror="document.title=\'x\'">'


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: install Debian's chromium (make test does it as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _open(browser, html: Path, shot: str) -> dict:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    blocked: list[str] = []
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(html.resolve().as_uri())
    page.wait_for_timeout(1000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot))
    info = {
        "blocked": blocked, "errors": errors, "leaflet": page.evaluate("typeof L"),
        "title": page.title(),
        "layers": [t.strip() for t in
                   page.locator(".leaflet-control-layers-overlays label").all_inner_texts()],
        "legend": [t.strip() for t in page.locator("#hm-legend .hm-legend-item").all_inner_texts()],
        "features": page.locator("path.leaflet-interactive").count(),
        "images": page.locator("img.leaflet-image-layer").count(),
        "scale": page.locator(".leaflet-control-scale").count(),
        "page": page,
    }
    return info


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_demo_map_offline_in_a_real_browser(demo_run, browser, cli, tmp_path, lang):
    out, _ = demo_run
    html = tmp_path / f"map_{lang}.html"
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--habitat", out / "habitat.tif", "--corridors", out,
            "--lang", lang, "--out", html)
    assert r.exit_code == 0, r.output
    info = _open(browser, html, f"webmap_demo_{lang}.png")
    try:
        assert info["blocked"] == [], "requests left the machine"
        assert info["errors"] == []
        assert info["leaflet"] == "object"
        from habitatmap.webmap import LAYER_TITLES

        t = LAYER_TITLES[lang]
        expected = [t[k] for k in ("habitat", "parks", "zones", "border", "sheets_sk42", "sheets_gbt13989",
                                   "current", "paths")]
        assert info["layers"] == expected
        legend = load_legend()
        import rasterio

        with rasterio.open(out / "habitat.tif") as ds:
            import numpy as np

            present = [int(c) for c in np.unique(ds.read(1)) if c != legend.nodata]
        assert info["legend"] == [legend.by_code(c).name(lang) for c in present]
        assert info["page"].locator("#hm-legend").is_visible()
        assert info["features"] > 10 and info["images"] == 2 and info["scale"] == 1
    finally:
        info["page"].close()


def test_attribute_values_show_as_text_and_do_not_run(browser, cli, tmp_path):
    park = shapely.box(130.6, 42.8, 130.8, 43.0)
    gdf = gpd.GeoDataFrame({"name_en": [XSS], "country": ["RUS"]}, geometry=[park], crs="EPSG:4326")
    basemap = tmp_path / "evil.gpkg"
    gdf.to_file(basemap, layer="parks")
    html = tmp_path / "evil.html"
    assert cli("webmap", "--basemap", basemap, "--out", html).exit_code == 0
    assert XSS not in html.read_text(encoding="utf-8")
    info = _open(browser, html, "webmap_escaping.png")
    try:
        page = info["page"]
        page.locator("path.leaflet-interactive").first.hover(force=True)
        page.wait_for_timeout(300)
        tip = page.locator(".leaflet-tooltip").inner_text()
        page.screenshot(path=str(ARTIFACTS / "webmap_escaping_tooltip.png"))
        assert XSS in tip  # shown as text
        page.locator("path.leaflet-interactive").first.click(force=True)
        page.wait_for_timeout(300)
        assert XSS in page.locator(".leaflet-popup-content").inner_text()
        assert page.title() != "x" and info["errors"] == [] and info["blocked"] == []
    finally:
        info["page"].close()


def test_missing_or_bad_basemap_is_one_sentence(cli, tmp_path):
    r = cli("webmap", "--basemap", tmp_path / "none.gpkg", "--out", tmp_path / "m.html")
    assert r.exit_code == 2 and "base map not found" in r.output
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not a geopackage")
    r = cli("webmap", "--basemap", bad, "--out", tmp_path / "m.html")
    assert r.exit_code == 2 and "not a readable GeoPackage" in r.output
    assert not (tmp_path / "m.html").exists()


def test_online_basemap_is_the_only_remote_content(demo_run, cli, tmp_path):
    out, _ = demo_run
    html = tmp_path / "online.html"
    assert cli("webmap", "--basemap", out / "basemap.gpkg", "--online-basemap", "--out", html).exit_code == 0
    text = html.read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" in text
    assert "cdn.jsdelivr" not in text and "code.jquery" not in text


def test_compare_swipes_between_two_zonings_offline(browser, cli, tmp_path, root):
    b = root / "sample_data" / "tumen" / "boundaries"
    html = tmp_path / "compare.html"
    r = cli("webmap", "compare", "--left", b / "ru_leopard_np_zones.shp",
            "--right", f"{b / 'cn_tlnp.gpkg'}:功能分区", "--out", html)
    assert r.exit_code == 0, r.output
    info = _open(browser, html, "webmap_compare.png")
    page = info["page"]
    try:
        assert info["blocked"] == [] and info["errors"] == [] and info["leaflet"] == "object"
        assert page.locator(".leaflet-left-pane path").count() > 0
        assert page.locator(".leaflet-right-pane path").count() > 0
        before = page.evaluate("document.querySelector('.leaflet-left-pane').style.clip")
        page.locator("#hm-slider").fill("900")
        after = page.evaluate("document.querySelector('.leaflet-left-pane').style.clip")
        assert before and after and before != after
        page.screenshot(path=str(ARTIFACTS / "webmap_compare_swiped.png"))
    finally:
        page.close()


def test_unreadable_habitat_raster_is_one_sentence(demo_run, cli, tmp_path):
    out, _ = demo_run
    bad = tmp_path / "habitat.tif"
    bad.write_text("not a raster")
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--habitat", bad, "--out", tmp_path / "m.html")
    assert r.exit_code == 2 and "not a readable raster" in r.output and "Traceback" not in r.output
    r = cli("webmap", "compare", "--left", bad, "--right", bad, "--out", tmp_path / "c.html")
    assert r.exit_code == 2 and "not a readable raster" in r.output
    assert not (tmp_path / "m.html").exists() and not (tmp_path / "c.html").exists()
