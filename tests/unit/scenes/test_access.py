"""Asset access policy: which hrefs are read, retries, sizes, Planetary Computer signing."""

from __future__ import annotations

import pystac
import pytest

from habitatmap.errors import AssetError
from habitatmap.scenes.access import (
    READ_DRIVERS,
    RetryPolicy,
    check_href,
    gdal_env,
    http_retry,
    remote_size,
    sign_href,
    sign_item,
)


@pytest.mark.parametrize("href", [
    "https://example.org/a/B4.TIF", "http://127.0.0.1:8000/x.tif", "/data/x.TIF", "file:///data/x.tif",
    "relative/x.tif",
])
def test_accepted_hrefs(href):
    assert check_href(href, item_id="i", asset="red") == href


@pytest.mark.parametrize(("href", "message"), [
    ("s3://bucket/x.TIF", "requester-pays S3 bucket; pass --requester-pays"),
    ("ftp://host/x.TIF", "scheme 'ftp:' is not supported"),
    ("file://otherhost/x.TIF", "a file URL on another host"),
    ("https://example.org/x.vrt", ".vrt assets are refused"),
    ("/data/x.VRT", ".vrt assets are refused"),
    ("/vsizip//data/a.zip/x.tif", "GDAL virtual paths are not read"),
    ("file:///vsizip/data/a.zip/x.tif", "GDAL virtual paths are not read"),  # used to reach GDAL
    ("file:///VSICURL/http://evil/x.tif", "GDAL virtual paths are not read"),
    ("NETCDF:x.nc:band", "scheme 'netcdf:' is not supported"),
])
def test_refused_hrefs(href, message):
    with pytest.raises(AssetError, match=message):
        check_href(href, item_id="i", asset="red")


def test_retry_policy_and_gdal_env():
    policy = RetryPolicy(retries=3, backoff=0.5)
    retry = http_retry(policy)
    assert retry.total == 3 and 503 in retry.status_forcelist and retry.allowed_methods is None
    import rasterio

    with gdal_env(policy):
        assert rasterio.env.getenv()["GDAL_HTTP_MAX_RETRY"] == "3"
    assert READ_DRIVERS == "GTiff"


def test_remote_size_of_local_files(tmp_path):
    p = tmp_path / "a.tif"
    p.write_bytes(b"12345")
    assert remote_size(str(p)) == 5 and remote_size(f"file://{p}") == 5
    with pytest.raises(AssetError, match="cannot read the asset"):
        remote_size(str(tmp_path / "missing.tif"))


def test_only_planetary_computer_hrefs_are_signed():
    assert sign_href("https://example.org/a.tif") == "https://example.org/a.tif"
    item = pystac.Item("x", None, None, __import__("datetime").datetime(2021, 1, 1), {})
    item.add_asset("red", pystac.Asset("https://example.org/a.tif"))
    sign_item(item)
    sign_item({"features": [{"assets": {"red": {"href": "/local/a.tif"}}}]})
    assert item.assets["red"].href == "https://example.org/a.tif"
