"""Asset access: which hrefs we read, how (GDAL over HTTP range requests), retries and signing.

Only ``http(s)`` URLs and local files are read, and ``s3://`` URLs when the user asks for
requester-pays access; only as GeoTIFF: a VRT or any other GDAL "virtual" source could make GDAL
open arbitrary files or URLs named inside it. The GDAL path of an ``s3://`` URL is built here from
its bucket and key; no ``/vsi`` path from an item or a user is ever passed to GDAL.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from habitatmap.errors import AssetError

__all__ = [
    "READ_DRIVERS",
    "RetryPolicy",
    "check_href",
    "gdal_env",
    "http_retry",
    "remote_size",
    "sign_href",
    "sign_item",
]

#: The only GDAL driver allowed to open an asset.
READ_DRIVERS = "GTiff"
_REFUSED_SUFFIXES = {".vrt", ".xml", ".ovr", ".aux"}
_RETRY_STATUS = (429, 500, 502, 503, 504)


class RetryPolicy:
    """How often and how patiently to retry a failing HTTP request (exponential backoff)."""

    def __init__(self, retries: int = 5, backoff: float = 1.0) -> None:
        self.retries = retries
        self.backoff = backoff


def http_retry(policy: RetryPolicy | None = None):
    """A urllib3 ``Retry`` for requests sessions: timeouts, 429 and 5xx, any method (STAC search POSTs)."""
    from urllib3.util.retry import Retry

    policy = policy or RetryPolicy()
    return Retry(total=policy.retries, connect=policy.retries, read=policy.retries,
                 status=policy.retries, backoff_factor=policy.backoff / 2,
                 status_forcelist=_RETRY_STATUS, allowed_methods=None, raise_on_status=False)


def check_href(href: str, *, item_id: str, asset: str, requester_pays: bool = False) -> str:
    """Return ``href`` if it is an http(s) URL, a local file (path or ``file:`` URL) or, with
    ``requester_pays``, an ``s3://`` URL of a GeoTIFF; else refuse it.

    Raises
    ------
    AssetError
        For other schemes (``ftp://``, ``file://`` with a host, ``s3://`` without
        ``requester_pays``), GDAL virtual paths in any spelling (also inside a ``file:`` URL),
        connection strings, and VRT or XML sources.
    """
    from habitatmap.errors import InputDataError
    from habitatmap.io.paths import check_local_path, file_url_path

    parsed = urlparse(href)
    scheme = parsed.scheme.lower()
    where = f"item {item_id}, asset {asset}: {href}"
    if scheme in {"http", "https"}:
        suffix = Path(parsed.path).suffix.lower()
    elif scheme == "s3":
        if not requester_pays:
            raise AssetError(f"{where}: the asset is only in a requester-pays S3 bucket; pass "
                             "--requester-pays to read it with your AWS credentials (the transfer is "
                             "billed to your AWS account), or use a provider with https assets.")
        from habitatmap.io.raster import gdal_path

        try:
            gdal_path(href, s3=True)
        except InputDataError as err:
            raise AssetError(f"item {item_id}, asset {asset}: {err}") from None
        suffix = Path(parsed.path).suffix.lower()
    elif scheme == "file" or scheme == "" or (len(scheme) == 1 and os.name == "nt"):
        try:
            local = file_url_path(href) if scheme == "file" else href
            suffix = check_local_path(local, what="asset").suffix.lower()
        except InputDataError as err:
            raise AssetError(f"item {item_id}, asset {asset}: {err}") from None
    else:
        raise AssetError(f"{where}: the scheme '{scheme}:' is not supported; only http(s) URLs and "
                         "local files are read (download the file, or use an https mirror).")
    if suffix in _REFUSED_SUFFIXES:
        raise AssetError(f"{where}: {suffix} assets are refused because they can point GDAL at "
                         "other files; only GeoTIFF/COG assets are read.")
    return href


@contextlib.contextmanager
def gdal_env(policy: RetryPolicy | None = None, *, requester_pays: bool = False) -> Iterator[None]:
    """GDAL settings for reading remote COGs by range requests, with retries and backoff.

    With ``requester_pays``, S3 reads send ``x-amz-request-payer: requester`` and are signed with
    the user's AWS credentials as GDAL finds them (environment, ``~/.aws``, instance role).
    """
    import rasterio

    policy = policy or RetryPolicy()
    extra = {"AWS_REQUEST_PAYER": "requester"} if requester_pays else {}
    with rasterio.Env(
        **extra,
        GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR",  # no directory listing per asset
        CPL_VSIL_CURL_ALLOWED_EXTENSIONS=".tif,.TIF,.tiff,.TIFF",
        GDAL_HTTP_MAX_RETRY=str(policy.retries),
        GDAL_HTTP_RETRY_DELAY=str(policy.backoff),
        GDAL_HTTP_RETRY_CODES=",".join(map(str, _RETRY_STATUS)),
        GDAL_HTTP_TIMEOUT="60",
        GDAL_HTTP_CONNECTTIMEOUT="20",
        GDAL_HTTP_MERGE_CONSECUTIVE_RANGES="YES",
    ):
        # GDAL_CACHEMAX is deliberately not set here: rasterio applies it with GDALSetCacheMax,
        # which is process-wide and aborts GDAL if changed while other threads read.
        yield


def remote_size(href: str, policy: RetryPolicy | None = None) -> int | None:
    """Size in bytes of an asset (HTTP HEAD or stat), or None if the server does not say.

    Raises
    ------
    AssetError
        If the asset does not exist or cannot be reached.
    """
    parsed = urlparse(href)
    if parsed.scheme == "s3":
        return None  # GDAL reads the size from S3 itself; a truncated object fails on read
    if parsed.scheme not in {"http", "https"}:
        from habitatmap.io.paths import file_url_path

        path = file_url_path(href) if parsed.scheme == "file" else href
        try:
            return os.stat(path).st_size
        except OSError as err:
            raise AssetError(f"{href}: cannot read the asset ({err.strerror}); check the path.") from None
    import requests
    from requests.adapters import HTTPAdapter

    with requests.Session() as session:
        adapter = HTTPAdapter(max_retries=http_retry(policy))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        try:
            resp = session.head(href, allow_redirects=True, timeout=60)
        except requests.RequestException as err:
            raise AssetError(f"{href}: cannot reach the asset ({type(err).__name__}); "
                             "check the connection and try the pull again (it resumes).") from None
    if resp.status_code >= 400:
        raise AssetError(f"{href}: the server answered HTTP {resp.status_code}; "
                         "the asset is missing or access is denied (signed URLs expire: search again).")
    length = resp.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


# -- Planetary Computer signing: its blob storage needs a short-lived SAS token on every asset URL.
_PC_HOST_SUFFIX = ".blob.core.windows.net"


def _needs_signing(href: str) -> bool:
    return urlparse(href).netloc.endswith(_PC_HOST_SUFFIX)


def sign_href(href: str) -> str:
    """A freshly signed URL for Planetary Computer blob storage; other hrefs unchanged."""
    if not _needs_signing(href):
        return href
    import planetary_computer

    bare = urlunparse(urlparse(href)._replace(query=""))  # an old token may have expired
    try:
        return planetary_computer.sign(bare)
    except Exception as err:  # requests errors, token service answers
        raise AssetError(f"{bare}: could not get an access token from Planetary Computer "
                         f"({type(err).__name__}); check the connection and run the command again.") from None


def sign_item(obj) -> None:
    """pystac-client modifier: sign the asset URLs of items that live on Planetary Computer storage."""
    import pystac

    if isinstance(obj, dict):  # raw item (or page of items) dicts
        for item in obj.get("features", [obj]):
            for asset in item.get("assets", {}).values():
                if _needs_signing(asset.get("href", "")):
                    asset["href"] = sign_href(asset["href"])
        return
    items = [obj] if isinstance(obj, pystac.Item) else []
    if isinstance(obj, pystac.ItemCollection):
        items = list(obj.items)
    for item in items:
        for asset in item.assets.values():
            if _needs_signing(asset.href):
                asset.href = sign_href(asset.href)
