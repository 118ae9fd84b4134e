"""Swipe comparison of two layers, offline, in a real browser; every string from data escaped."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from habitatmap.legend import load_legend
from tests.unit.webmap.conftest import ARTIFACTS, XSS, open_page


def test_compare_swipes_between_two_zonings_offline(browser, cli, tmp_path, root):
    b = root / "sample_data" / "tumen" / "boundaries"
    html = tmp_path / "compare.html"
    r = cli("webmap", "compare", "--left", b / "ru_leopard_np_zones.shp",
            "--right", f"{b / 'cn_tlnp.gpkg'}:功能分区", "--out", html)
    assert r.exit_code == 0, r.output
    info = open_page(browser, html, "webmap_compare.png")
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



def test_column_names_are_escaped_and_never_run(browser, tmp_path):
    """A column named <img onerror=...> ran script in the page: names are data too."""
    from habitatmap.webmap.compare import CompareResult, build_compare

    zone = shapely.box(130.70, 42.90, 130.72, 42.92)
    gpd.GeoDataFrame({XSS: ["core"], "zone": [XSS]}, geometry=[zone],
                     crs="EPSG:4326").to_file(tmp_path / "a.gpkg")
    gpd.GeoDataFrame({"zone": ["b"]}, geometry=[shapely.box(130.80, 42.90, 130.82, 42.92)],
                     crs="EPSG:4326").to_file(tmp_path / "b.gpkg")
    result = build_compare(str(tmp_path / "a.gpkg"), str(tmp_path / "b.gpkg"), tmp_path / "c.html",
                           load_legend())
    html = result.path
    assert isinstance(result, CompareResult) and set(result.operations) == {str(tmp_path / "a.gpkg"),
                                                                             str(tmp_path / "b.gpkg")}
    assert XSS not in html.read_text(encoding="utf-8")
    info = open_page(browser, html, "webmap_compare_escaping.png")
    page = info["page"]
    try:
        page.locator(".leaflet-left-pane path").first.hover(force=True)
        page.wait_for_timeout(300)
        tip = page.locator(".leaflet-tooltip").first.inner_text()
        assert XSS in tip and page.title() != "x" and info["errors"] == []
    finally:
        page.close()


def test_compare_layer_payload_and_datum_safety(tmp_path):
    import numpy as np
    import rasterio
    from affine import Affine

    from habitatmap.errors import GeodesyError
    from habitatmap.webmap.compare import compare_layer

    zone = shapely.box(130.70, 42.90, 130.72, 42.92)
    gpd.GeoDataFrame({"zone": ["a"]}, geometry=[zone], crs="EPSG:4326").to_file(tmp_path / "a.gpkg")
    kind, payload, bounds, op = compare_layer(str(tmp_path / "a.gpkg"), load_legend())
    assert kind == "geojson" and payload["fields"] == ["zone"] and op is None
    assert bounds[0][0] == pytest.approx(42.90)
    # A Xian 1980 layer and a Beijing 1954 raster were moved with a silent zero shift.
    gpd.GeoDataFrame({"zone": ["x"]}, geometry=[zone], crs="EPSG:4610").to_file(tmp_path / "xian.gpkg")
    with pytest.raises(GeodesyError, match="--allow-ballpark"):
        compare_layer(str(tmp_path / "xian.gpkg"), load_legend())
    assert compare_layer(str(tmp_path / "xian.gpkg"), load_legend(), allow_ballpark=True)[3].ballpark
    with rasterio.open(tmp_path / "bj54.tif", "w", driver="GTiff", width=10, height=10, count=1,
                       dtype="uint8",
                       crs="EPSG:2440", transform=Affine(30, 0, 500_000, 0, -30, 4_760_000), nodata=0) as ds:
        ds.write(np.full((1, 10, 10), 51, np.uint8))
    with pytest.raises(GeodesyError, match="zero-shift ballpark"):
        compare_layer(str(tmp_path / "bj54.tif"), load_legend())


def test_compare_cli_takes_allow_ballpark(cli, tmp_path):
    zone = shapely.box(130.70, 42.90, 130.72, 42.92)
    gpd.GeoDataFrame({"zone": ["x"]}, geometry=[zone], crs="EPSG:4610").to_file(tmp_path / "xian.gpkg")
    r = cli("webmap", "compare", "--left", tmp_path / "xian.gpkg", "--right", tmp_path / "xian.gpkg",
            "--out", tmp_path / "c.html")
    assert r.exit_code == 2 and "--allow-ballpark" in r.stderr and not (tmp_path / "c.html").exists()
    r = cli("webmap", "compare", "--left", tmp_path / "xian.gpkg", "--right", tmp_path / "xian.gpkg",
            "--out", tmp_path / "c.html", "--allow-ballpark")
    assert r.exit_code == 0, r.stderr
    assert "zero-shift ballpark step, allowed by --allow-ballpark" in r.stdout


def test_the_zoning_swipe_colours_levels_and_draws_the_mismatch(demo_run, browser):
    """The comparison's swipe page: each side filled by its protection level, the mismatched border
    segments drawn over both sides."""
    out, _ = demo_run
    html = out / "zoning" / "swipe.html"
    info = open_page(browser, html, "zoning_swipe.png")
    page = info["page"]
    try:
        from habitatmap.zoning.report import LEVEL_COLOURS

        assert info["blocked"] == [] and info["errors"] == []
        left = page.evaluate("Array.from(document.querySelectorAll('.leaflet-left-pane path'))"
                             ".map(p => p.getAttribute('fill'))")
        right = page.evaluate("Array.from(document.querySelectorAll('.leaflet-right-pane path'))"
                              ".map(p => p.getAttribute('fill'))")
        assert LEVEL_COLOURS[1] in left and LEVEL_COLOURS[1] in right and LEVEL_COLOURS[3] in left
        strokes = page.evaluate("Array.from(document.querySelectorAll('.leaflet-hm-overlay-pane path'))"
                                ".map(p => p.getAttribute('stroke'))")
        assert strokes and set(strokes) == {"#d32f2f"}  # the mismatched segments, over both sides
    finally:
        page.close()
