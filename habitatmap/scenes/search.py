"""Search Landsat scenes in a STAC API or a static STAC catalog (local path or URL), same results."""

from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pystac
import shapely
from shapely.geometry import mapping, shape

from habitatmap.area import Area
from habitatmap.errors import CatalogError, reason
from habitatmap.io.atomic import write_text_atomic
from habitatmap.scenes.access import RetryPolicy, http_retry, sign_item
from habitatmap.scenes.defaults import DEFAULT_COLLECTION
from habitatmap.scenes.items import (
    item_from_dict,
    item_platform,
    normalize_platform,
    platform_spellings,
    read_static_items,
    standalone_item,
    unique_items,
)
from habitatmap.scenes.remote import RemoteJson, read_remote_static_items

__all__ = ["SceneQuery", "search_scenes", "server_filter", "write_items"]


@dataclass(frozen=True)
class SceneQuery:
    """What to search for.

    Attributes
    ----------
    area
        Area of interest; items must intersect it.
    start, end
        Inclusive acquisition dates.
    max_cloud
        Largest ``eo:cloud_cover`` in percent.
    platforms
        ``landsat-5`` ... ``landsat-9``; empty means all.
    collection
        STAC collection id.
    limit
        Stop after this many items (None: all).
    """

    area: Area
    start: dt.date | None = None
    end: dt.date | None = None
    max_cloud: float | None = None
    platforms: Sequence[str] = field(default_factory=tuple)
    collection: str | None = DEFAULT_COLLECTION
    limit: int | None = None


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _datetime_range(q: SceneQuery) -> str | None:
    if q.start is None and q.end is None:
        return None
    start = q.start.isoformat() + "T00:00:00Z" if q.start else ".."
    end = q.end.isoformat() + "T23:59:59Z" if q.end else ".."
    return f"{start}/{end}"


def _matches(item: pystac.Item, q: SceneQuery, footprint: shapely.Geometry) -> bool:
    """Every criterion checked locally, also on API results (not every API honours every filter)."""
    if q.collection and item.collection_id and item.collection_id != q.collection:
        return False
    if item.geometry is None or not shape(item.geometry).intersects(footprint):
        return False
    when = item.datetime or item.common_metadata.start_datetime
    if when is not None:
        day = when.date()
        if (q.start and day < q.start) or (q.end and day > q.end):
            return False
    cc = item.properties.get("eo:cloud_cover")
    if q.max_cloud is not None and cc is not None and float(cc) > q.max_cloud:
        return False
    wanted = {normalize_platform(p) for p in q.platforms}
    return not wanted or normalize_platform(item_platform(item)) in wanted


def _open_client(url: str, retry: RetryPolicy | None):
    from pystac_client import Client
    from pystac_client.stac_api_io import StacApiIO
    from pystac_client.warnings import NoConformsTo

    io = StacApiIO(max_retries=http_retry(retry), timeout=60)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoConformsTo)
            return Client.open(url, stac_io=io, modifier=sign_item)
    except Exception as err:  # requests, pystac_client.APIError, JSON errors
        raise CatalogError(
            f"{url}: cannot open the STAC source ({reason(err)}); check the address and your "
            "connection, or pass a local catalog.json for offline work."
        ) from None


def _is_api(doc: object) -> bool:
    """Whether a landing page offers item search (conformance class or a ``search`` link)."""
    if not isinstance(doc, dict):
        return False
    conforms = doc.get("conformsTo")
    if isinstance(conforms, list) and any(isinstance(c, str) and "item-search" in c for c in conforms):
        return True
    links = doc.get("links")
    return isinstance(links, list) and any(isinstance(ln, dict) and ln.get("rel") == "search" for ln in links)


def server_filter(query: SceneQuery, conforms_to) -> tuple[str, dict] | None:
    """The server-side filter for the cloud and platform criteria, in the language the API says
    it speaks: CQL2-JSON ``filter`` when it conforms to Filter, else the ``query`` extension,
    else none (the results are filtered here either way).

    Platforms are sent in every provider's spelling (``landsat-8``, ``LANDSAT_8``, ...): servers
    compare strings as given.

    Returns
    -------
    ("filter" | "query", body) or None
    """
    spellings = sorted({s for p in query.platforms for s in platform_spellings(p)})
    if query.max_cloud is None and not spellings:
        return None
    if conforms_to("FILTER"):
        args: list[dict] = []
        if query.max_cloud is not None:
            args.append({"op": "<=", "args": [{"property": "eo:cloud_cover"}, query.max_cloud]})
        if spellings:
            args.append({"op": "in", "args": [{"property": "platform"}, spellings]})
        return "filter", args[0] if len(args) == 1 else {"op": "and", "args": args}
    if conforms_to("QUERY"):
        filt: dict[str, dict] = {}
        if query.max_cloud is not None:
            filt["eo:cloud_cover"] = {"lte": query.max_cloud}
        if spellings:
            filt["platform"] = {"in": spellings}
        return "query", filt
    return None


def _api_items(client, src: str, query: SceneQuery, footprint) -> list[pystac.Item]:
    kwargs: dict = {"intersects": mapping(footprint), "datetime": _datetime_range(query), "max_items": None}
    if query.collection:
        kwargs["collections"] = [query.collection]
    chosen = server_filter(query, client.conforms_to)
    if chosen is not None:
        kind, body = chosen
        kwargs[kind] = body
        if kind == "filter":
            kwargs["filter_lang"] = "cql2-json"
    # Raw dicts, not pystac Items: an item without a self link would make pystac resolve its
    # parent link, which fails offline or when the provider's parent is slow.
    return list(client.search(**kwargs).items_as_dicts())


def _checked(doc: dict, where: str) -> pystac.Item:
    """An API result checked like a file's item; relative asset hrefs need the item's own address."""
    self_href = next((ln.get("href") for ln in doc.get("links", []) if isinstance(ln, dict)
                      and ln.get("rel") == "self" and isinstance(ln.get("href"), str)), None)
    item = item_from_dict(doc, where=where, href=self_href)
    for key, asset in item.assets.items():
        if "://" not in asset.href and not asset.href.startswith("/"):
            absolute = asset.get_absolute_href() if self_href else None
            if not absolute or "://" not in absolute:
                raise CatalogError(f"{where}: item {item.id}, asset {key} has the relative href "
                                   f"{asset.href!r} and the item no self link to resolve it; ask the "
                                   "provider for absolute hrefs.")
            asset.href = absolute
    return item


def search_scenes(
    source: str | os.PathLike[str], query: SceneQuery, *, retry: RetryPolicy | None = None
) -> list[pystac.Item]:
    """Find the items of ``source`` that match ``query``, sorted by date.

    Parameters
    ----------
    source
        A STAC API URL, or a static catalog/collection as a local path or a URL to its JSON.
    query
        The criteria.
    retry
        HTTP retries and backoff for timeouts, 429 and 5xx answers.

    Raises
    ------
    CatalogError
        If the source cannot be read.
    """
    footprint = query.area.lonlat
    src = str(source)
    if not _is_url(src):
        items = [i for i in read_static_items(src) if _matches(i, query, footprint)]
    else:
        fetch = RemoteJson(retry)
        try:
            landing = fetch.get(src, "STAC landing page")
            if _is_api(landing):
                client = _open_client(src, retry)
                found = (_checked(d, f"{src}: item") for d in _api_items(client, src, query, footprint))
            else:  # a static catalog or collection on a web server: walk it here, bounded
                found = iter(read_remote_static_items(src, fetch, landing))
            items = [i for i in found if _matches(i, query, footprint)]
        except CatalogError:
            raise
        except Exception as err:
            raise CatalogError(f"{src}: the STAC search failed ({reason(err)}); "
                               "try again later or narrow the search.") from None
        finally:
            fetch.close()
    items.sort(key=lambda i: (i.datetime or dt.datetime.min.replace(tzinfo=dt.timezone.utc), i.id))
    items = unique_items(items, src)  # an API's pages may repeat an item
    return items[: query.limit] if query.limit else items


def write_items(items: Sequence[pystac.Item], path: str | os.PathLike[str]) -> Path:
    """Save items as a GeoJSON FeatureCollection with absolute asset hrefs (atomically)."""
    doc = {"type": "FeatureCollection", "features": [standalone_item(i) for i in items]}
    return write_text_atomic(path, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
