"""Web maps in a real headless browser: Debian's chromium driven by Playwright, every request outside
``file:`` and ``data:`` aborted and recorded. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from habitatmap.legend import load_legend
from tests.unit.webmap.conftest import ARTIFACTS, XSS, open_page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_demo_map_offline_in_a_real_browser(demo_run, browser, cli, tmp_path, lang):
    out, _ = demo_run
    html = tmp_path / f"map_{lang}.html"
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--habitat", out / "habitat.tif", "--corridors", out,
            "--lang", lang, "--out", html)
    assert r.exit_code == 0, r.output
    info = open_page(browser, html, f"webmap_demo_{lang}.png")
    try:
        assert info["blocked"] == [], "requests left the machine"
        assert info["errors"] == []
        assert info["leaflet"] == "object"
        from habitatmap.legend.labels import label

        expected = [label(k, lang) for k in ("habitat_map", "parks", "zones", "border", "sheets_sk42",
                                             "sheets_gbt13989", "current", "paths")]
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
    info = open_page(browser, html, "webmap_escaping.png")
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
    assert r.exit_code == 2 and "cannot read it as a vector file" in r.output
    assert not (tmp_path / "m.html").exists()


def test_online_basemap_is_the_only_remote_content(demo_run, cli, tmp_path):
    out, _ = demo_run
    html = tmp_path / "online.html"
    assert cli("webmap", "--basemap", out / "basemap.gpkg", "--online-basemap", "--out", html).exit_code == 0
    text = html.read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" in text
    assert "cdn.jsdelivr" not in text and "code.jquery" not in text


def test_unreadable_habitat_raster_is_one_sentence(demo_run, cli, tmp_path):
    out, _ = demo_run
    bad = tmp_path / "habitat.tif"
    bad.write_text("not a raster")
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--habitat", bad, "--out", tmp_path / "m.html")
    assert r.exit_code == 2 and "cannot read it as a GeoTIFF" in r.output and "Traceback" not in r.output
    r = cli("webmap", "compare", "--left", bad, "--right", bad, "--out", tmp_path / "c.html")
    assert r.exit_code == 2 and "cannot read it as a GeoTIFF" in r.output
    assert not (tmp_path / "m.html").exists() and not (tmp_path / "c.html").exists()


def test_build_webmap_directly(demo_run, tmp_path):
    from habitatmap.webmap.build import PATH_STYLE, WebMapResult, build_webmap

    out, _ = demo_run
    res = build_webmap(out / "basemap.gpkg", tmp_path / "m.html", load_legend(), habitat=out / "habitat.tif",
                       corridors=out, lang="ru")
    assert isinstance(res, WebMapResult) and "Карта местообитаний" in res.layers
    assert "Пути наименьшей стоимости" in res.layers and PATH_STYLE["weight"] == 3
    assert res.operations[str(out / "habitat.tif")] is not None  # UTM -> Web Mercator, recorded
    assert res.size_bytes == (tmp_path / "m.html").stat().st_size


def test_a_beijing_1954_habitat_raster_is_refused_without_the_flag(demo_run, cli, tmp_path):
    import numpy as np
    import rasterio
    from affine import Affine

    out, _ = demo_run
    with rasterio.open(tmp_path / "bj54.tif", "w", driver="GTiff", width=10, height=10, count=1,
                       dtype="uint8",
                       crs="EPSG:2440", transform=Affine(30, 0, 500_000, 0, -30, 4_760_000), nodata=0) as ds:
        ds.write(np.full((1, 10, 10), 51, np.uint8))
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--habitat", tmp_path / "bj54.tif",
            "--out", tmp_path / "m.html")
    assert r.exit_code == 2 and "zero-shift ballpark" in r.stderr and not (tmp_path / "m.html").exists()


def test_the_map_gains_protection_levels_and_mismatch(demo_run, browser, cli, tmp_path):
    """With --zoning the map shows the shared levels (filled by level) and the mismatched border."""
    out, _ = demo_run
    html = tmp_path / "map_zoning.html"
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--zoning", out / "zoning", "--out", html)
    assert r.exit_code == 0, r.output
    info = open_page(browser, html, "webmap_zoning.png")
    try:
        from habitatmap.legend.labels import label

        assert info["blocked"] == [] and info["errors"] == []
        assert label("protection_level") in info["layers"] and label("mismatch") in info["layers"]
        fills = info["page"].evaluate("Array.from(document.querySelectorAll('path.leaflet-interactive'))"
                                      ".map(p => p.getAttribute('fill'))")
        from habitatmap.zoning.report import LEVEL_COLOURS

        assert {LEVEL_COLOURS[1], LEVEL_COLOURS[2]} <= {f.lower() for f in fills if f}
        strokes = info["page"].evaluate("Array.from(document.querySelectorAll('path.leaflet-interactive'))"
                                        ".map(p => p.getAttribute('stroke'))")
        assert "#d32f2f" in strokes  # the mismatched segments
    finally:
        info["page"].close()
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--zoning", tmp_path, "--out", html)
    assert r.exit_code == 2 and "zoning.gpkg: not found" in r.stderr


def test_the_map_gains_omniscape_normalised_current(demo_run, browser, cli, tmp_path):
    """With --omniscape the map offers normalised current (off at first) with its diverging scale."""
    out, _ = demo_run
    html = tmp_path / "map_omniscape.html"
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--omniscape", out / "omniscape", "--lang", "ru",
            "--out", html)
    assert r.exit_code == 0, r.output
    info = open_page(browser, html, "webmap_omniscape.png")
    try:
        from habitatmap.legend.labels import label

        page = info["page"]
        assert info["blocked"] == [] and info["errors"] == []
        name = label("normalized_current", "ru")
        assert name in info["layers"] and info["images"] == 0
        page.locator(".leaflet-control-layers-overlays label", has_text=name).locator("input").check()
        page.wait_for_timeout(300)
        assert page.locator("img.leaflet-image-layer").count() == 1
        scale = page.locator("#hm-normalized-scale")
        assert scale.is_visible() and label("impeded", "ru") in scale.inner_text()
        page.screenshot(path=str(ARTIFACTS / "webmap_omniscape_on.png"))
    finally:
        info["page"].close()
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--omniscape", tmp_path, "--out", html)
    assert r.exit_code == 2 and "no normalized_cum_currmap.tif" in r.stderr


def test_the_map_gains_burn_severity_and_habitat_change(demo_run, browser, cli, tmp_path):
    """--burn and --change add the fire's severity classes and the changed pixels (off at first),
    each with a legend of the classes shown, named from the rasters' category names."""
    from habitatmap.io.raster import read_category_names
    from habitatmap.legend.labels import label

    out, _ = demo_run
    burn = out / "burn_2022-04-20"
    html = tmp_path / "map_change.html"
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--burn", burn, "--change", out / "change",
            "--lang", "ru", "--out", html)
    assert r.exit_code == 0, r.output
    info = open_page(browser, html, "webmap_change.png")
    try:
        page = info["page"]
        assert info["blocked"] == [] and info["errors"] == []
        severity = f"{label('burn_severity', 'ru')} 2022-04-20"
        assert severity in info["layers"] and label("habitat_change", "ru") in info["layers"]
        assert info["images"] == 1  # the severity; the change layer starts hidden
        page.locator(".leaflet-control-layers-overlays label", has_text=label("habitat_change", "ru")) \
            .locator("input").check()
        page.wait_for_timeout(300)
        assert page.locator("img.leaflet-image-layer").count() == 2
        legends = page.locator("#hm-change-legends .hm-palette")
        assert legends.count() == 2
        names = read_category_names(burn / "severity.tif")
        text = legends.nth(0).inner_text()
        assert names[7] in text and names[4] in text  # high and low severity (Russian names)
        change_names = read_category_names(out / "change" / "change.tif")
        assert change_names[1171] in legends.nth(1).inner_text()  # Korean pine forest -> burned
        assert "→" in change_names[1171]
        page.screenshot(path=str(ARTIFACTS / "webmap_change_on.png"))
    finally:
        info["page"].close()
    r = cli("webmap", "--basemap", out / "basemap.gpkg", "--burn", tmp_path, "--out", html)
    assert r.exit_code == 2 and "no severity.tif" in r.stderr

