"""Read STAC documents over HTTP: a static catalog or collection published as files on a web
server, walked link by link with the same limits as a catalog on disk."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlparse

import pystac

from habitatmap.errors import CatalogError
from habitatmap.scenes.access import RetryPolicy, http_retry
from habitatmap.values import quote

__all__ = ["MAX_REMOTE_JSON_BYTES", "RemoteJson", "read_remote_static_items"]

#: Largest STAC JSON document fetched (a page of 1000 Landsat items is about 25 MB).
MAX_REMOTE_JSON_BYTES = 64 * 2**20


class RemoteJson:
    """Fetch JSON documents over http(s) with retries, a size limit and standard JSON only."""

    def __init__(self, retry: RetryPolicy | None = None) -> None:
        import requests
        from requests.adapters import HTTPAdapter

        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=http_retry(retry))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    def get(self, url: str, what: str) -> Any:
        """The parsed JSON at ``url``.

        Raises
        ------
        CatalogError
            Unreachable, an HTTP error, too large, or not JSON; one sentence naming the URL.
        """
        import requests

        from habitatmap.io.text import parse_json

        if urlparse(url).scheme.lower() not in ("http", "https"):
            raise CatalogError(f"{url}: a remote catalog may only link to http(s) URLs; fix the catalog.")
        try:
            with self.session.get(url, timeout=60, stream=True) as resp:
                if resp.status_code >= 400:
                    raise CatalogError(f"{url}: the server answered HTTP {resp.status_code} for the {what}; "
                                       "check the address or try again later.")
                body = bytearray()  # bytes += chunk would copy the whole body for every chunk
                for chunk in resp.iter_content(1 << 16):
                    body.extend(chunk)
                    if len(body) > MAX_REMOTE_JSON_BYTES:
                        raise CatalogError(f"{url}: the {what} is larger than "
                                           f"{MAX_REMOTE_JSON_BYTES // 2**20} MiB; check the address.")
        except requests.RequestException as err:
            raise CatalogError(f"{url}: cannot fetch the {what} ({type(err).__name__}); check the address "
                               "and your connection.") from None
        return parse_json(body, where=url, what=what, fix="check the address", error=CatalogError)


def read_remote_static_items(url: str, fetch: RemoteJson, doc: dict[str, Any] | None = None, *,
                             max_objects: int | None = None) -> list[pystac.Item]:
    """Every item below a static STAC catalog or collection served over http(s).

    Only ``child`` and ``item`` links are followed, resolved against the document that names
    them; links must be http(s) URLs (a ``file:`` or GDAL path in a remote catalog is refused),
    cycles are followed once and at most ``max_objects`` documents are read.

    Raises
    ------
    CatalogError
        If a document is not STAC, a link is refused or a fetch fails.
    """
    from habitatmap.scenes.items import item_from_dict, walk_catalog

    root = fetch.get(url, "STAC catalog") if doc is None else doc
    if not isinstance(root, dict) or root.get("type") not in ("Catalog", "Collection", "Feature"):
        raise CatalogError(f"{url}: is not a STAC catalog, collection or item; pass the address of a "
                           "catalog.json or collection.json, or of a STAC API.")
    if root.get("type") == "Feature":
        return [item_from_dict(root, where=url, href=url)]

    def load(here: str, link: dict[str, Any]):
        href = link.get("href")
        if not isinstance(href, str) or not href.strip():
            raise CatalogError(f"{here}: a link has no usable href ({quote(href)}); fix the catalog.")
        target = urljoin(here, href.strip())  # fetch.get refuses anything but http(s)
        return target, lambda: fetch.get(target, f"STAC {link['rel']} linked from {here}")

    return walk_catalog(url, root, load, where=url, limit_fix="search a STAC API instead, or pass a "
                        "smaller catalog", max_objects=max_objects)
