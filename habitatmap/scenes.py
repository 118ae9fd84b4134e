"""Landsat scenes from STAC: read catalogs and summarise items.

This module is the only place that talks to STAC sources. Today it reads static catalogs on disk;
searching STAC APIs and pulling assets build on the same item handling.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pystac

from habitatmap.errors import CatalogError

__all__ = ["SceneSummary", "read_static_items", "standalone_item", "summarize_item"]


@dataclass(frozen=True)
class SceneSummary:
    """The facts a user scans a scene list for."""

    id: str
    datetime: str
    platform: str
    cloud_cover: float | None
    wrs_path: str
    wrs_row: str


def read_static_items(source: str | os.PathLike[str]) -> list[pystac.Item]:
    """Return every item below a static STAC catalog or collection on disk.

    Parameters
    ----------
    source
        Path to ``catalog.json`` or ``collection.json``, or a folder holding one of them.

    Raises
    ------
    CatalogError
        If the path is not a readable STAC catalog or collection.
    """
    path = Path(source)
    if path.is_dir():
        for name in ("catalog.json", "collection.json"):
            if (path / name).is_file():
                path = path / name
                break
    if not path.is_file():
        raise CatalogError(
            f"{source}: no STAC catalog found; pass a catalog.json or collection.json file."
        )
    try:
        obj = pystac.read_file(str(path))
    except Exception as err:  # pystac raises many types for malformed JSON or STAC
        raise CatalogError(
            f"{path}: not a readable STAC catalog or collection ({err}); check the file."
        ) from None
    if not isinstance(obj, pystac.Catalog):
        raise CatalogError(
            f"{path}: is a STAC {type(obj).__name__}, not a catalog or collection; "
            "pass the catalog.json or collection.json above it."
        )
    items = sorted(obj.get_items(recursive=True), key=lambda i: (i.datetime or 0, i.id))
    return items


def summarize_item(item: pystac.Item) -> SceneSummary:
    """Summarise a Landsat item: id, date, platform, cloud cover and WRS path/row."""
    props = item.properties
    dt = item.datetime.isoformat() if item.datetime else str(props.get("start_datetime", ""))
    cc = props.get("eo:cloud_cover")
    return SceneSummary(
        id=item.id, datetime=dt, platform=str(props.get("platform", "")),
        cloud_cover=float(cc) if cc is not None else None,
        wrs_path=str(props.get("landsat:wrs_path", "")), wrs_row=str(props.get("landsat:wrs_row", "")),
    )


def standalone_item(item: pystac.Item) -> dict[str, Any]:
    """Item as a dict that still works when saved outside its catalog.

    Asset hrefs become absolute (relative ones would resolve against the new file's folder) and
    catalog navigation links (root, parent, collection, self) are dropped; the collection id stays.
    """
    clone = item.clone()
    for asset in clone.assets.values():
        asset.href = asset.get_absolute_href() or asset.href
    doc = clone.to_dict(include_self_link=False, transform_hrefs=False)
    doc["links"] = [ln for ln in doc.get("links", [])
                    if ln.get("rel") not in {"root", "parent", "collection", "self"}]
    return doc
