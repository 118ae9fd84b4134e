"""Scenes without the network: band lookup by common name, href policy, names, platforms."""

from __future__ import annotations

import pytest

from habitatmap.errors import AssetError, CatalogError
from habitatmap.scenes import band_assets, item_epsg, normalize_platform, qa_asset, read_static_items
from habitatmap.scenes.access import check_href, gdal_path
from habitatmap.scenes.pull import safe_name


@pytest.fixture(scope="module")
def items(sample_dir):
    return {i.id[:4]: i for i in read_static_items(sample_dir / "stac" / "catalog.json")}


def test_bands_are_found_by_common_name_not_band_number(items):
    # Band 4 is red on OLI but near infrared on ETM+: the lookup must follow eo:bands.
    assert band_assets(items["LE07"])["red"].href.endswith("_SR_B3.TIF")
    assert band_assets(items["LE07"])["nir08"].href.endswith("_SR_B4.TIF")
    assert band_assets(items["LC08"])["red"].href.endswith("_SR_B4.TIF")
    assert band_assets(items["LC08"])["nir08"].href.endswith("_SR_B5.TIF")
    red = band_assets(items["LC08"], ("red",))["red"]
    assert (red.scale, red.offset, red.nodata) == (2.75e-05, -0.2, 0.0)
    assert red.size and red.checksum.startswith("1220")
    assert qa_asset(items["LC09"]).href.endswith("_QA_PIXEL.TIF")
    assert item_epsg(items["LC09"]) == 32652


def test_missing_band_is_named(items):
    with pytest.raises(CatalogError,
                       match=r"no asset with eo:bands common name coastal; choose other --bands"):
        band_assets(items["LE07"], ("coastal", "red"))


@pytest.mark.parametrize(("given", "expected"), [
    ("LANDSAT_8", "landsat-8"), ("Landsat 9", "landsat-9"), ("l7", "landsat-7"), ("5", "landsat-5"),
    ("landsat-8", "landsat-8"), ("sentinel-2a", "sentinel-2a"),
])
def test_platform_spellings(given, expected):
    assert normalize_platform(given) == expected


@pytest.mark.parametrize("item_id", ["../../x", "a/b", "..", ".hidden", "a\\b", "x" * 300, "ok id?*"])
def test_safe_names_stay_in_the_folder(item_id, tmp_path):
    name = safe_name(item_id)
    assert "/" not in name and "\\" not in name and not name.startswith(".") and len(name) < 140
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()


def test_safe_names_keep_distinct_ids_distinct():
    assert safe_name("LC08_L2SP_115030_20210622_02_T1") == "LC08_L2SP_115030_20210622_02_T1"
    assert safe_name("a/b") != safe_name("a_b") and safe_name("a/b") != safe_name("a?b")


@pytest.mark.parametrize("href", [
    "https://example.org/a/B4.TIF", "http://127.0.0.1:8000/x.tif", "/data/x.TIF", "file:///data/x.tif",
    "relative/x.tif",
])
def test_accepted_hrefs(href):
    assert check_href(href, item_id="i", asset="red") == href


@pytest.mark.parametrize(("href", "message"), [
    ("s3://bucket/x.TIF", "scheme 's3:' is not supported"),
    ("ftp://host/x.TIF", "scheme 'ftp:' is not supported"),
    ("file://otherhost/x.TIF", "scheme 'file:' is not supported"),
    ("https://example.org/x.vrt", ".vrt assets are refused"),
    ("/data/x.VRT", ".vrt assets are refused"),
    ("/vsizip//data/a.zip/x.tif", "GDAL virtual paths are not accepted"),
    ("NETCDF:x.nc:band", "scheme 'netcdf:' is not supported"),
])
def test_refused_hrefs(href, message):
    with pytest.raises(AssetError, match=message):
        check_href(href, item_id="i", asset="red")


def test_gdal_paths():
    assert gdal_path("https://h/x.TIF") == "/vsicurl/https://h/x.TIF"
    assert gdal_path("file:///d/x.tif") == "/d/x.tif"
    assert gdal_path("/d/x.tif") == "/d/x.tif"
