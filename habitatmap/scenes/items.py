"""STAC items without I/O of pixels: read item files and catalogs, summarise, find band assets.

Bands are found by their ``eo:bands`` common name, never by band number: ``SR_B4`` is red on
Landsat 8/9 OLI but near infrared on Landsat 4/5 TM and 7 ETM+.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pystac

from habitatmap.errors import CatalogError
from habitatmap.scenes.defaults import C2_SR_OFFSET, C2_SR_SCALE, DEFAULT_BANDS

__all__ = [
    "BandAsset",
    "SceneSummary",
    "band_assets",
    "item_epsg",
    "load_items",
    "normalize_platform",
    "qa_asset",
    "read_static_items",
    "standalone_item",
    "summarize_item",
]



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


def normalize_platform(name: str) -> str:
    """``LANDSAT_8``, ``Landsat 8``, ``l8`` or ``8`` -> ``landsat-8`` (the STAC spelling)."""
    m = re.fullmatch(r"(?:landsat|l)?[\s_-]*0?(\d)", name.strip().lower())
    return f"landsat-{m.group(1)}" if m else name.strip().lower()


def item_epsg(item: pystac.Item) -> int | None:
    """EPSG code of the item's native grid (``proj:code`` or the older ``proj:epsg``)."""
    props = item.properties
    if props.get("proj:epsg"):
        return int(props["proj:epsg"])
    code = props.get("proj:code")
    if isinstance(code, str) and code.upper().startswith("EPSG:"):
        return int(code.split(":", 1)[1])
    return None


@dataclass(frozen=True)
class BandAsset:
    """One band file of a scene and how to turn its numbers into physical values."""

    name: str
    key: str
    href: str
    scale: float
    offset: float
    nodata: float | None
    size: int | None
    checksum: str | None


def _asset_bands(asset: pystac.Asset) -> list[dict[str, Any]]:
    fields = asset.extra_fields
    return list(fields.get("eo:bands") or fields.get("bands") or [])


def _common_name(band: dict[str, Any]) -> str | None:
    return band.get("common_name") or band.get("eo:common_name")


def _band_asset(item: pystac.Item, key: str, asset: pystac.Asset, name: str,
                default_scale: float, default_offset: float) -> BandAsset:
    fields = asset.extra_fields
    raster = (fields.get("raster:bands") or [{}])[0]
    bands = _asset_bands(asset)
    stac11 = bands[0] if bands else {}
    scale = raster.get("scale", stac11.get("raster:scale", default_scale))
    offset = raster.get("offset", stac11.get("raster:offset", default_offset))
    nodata = raster.get("nodata", stac11.get("nodata"))
    href = asset.get_absolute_href() or asset.href
    return BandAsset(name=name, key=key, href=href, scale=float(scale), offset=float(offset),
                     nodata=None if nodata is None else float(nodata),
                     size=fields.get("file:size"), checksum=fields.get("file:checksum"))


def band_assets(item: pystac.Item, bands: tuple[str, ...] = DEFAULT_BANDS) -> dict[str, BandAsset]:
    """The assets holding ``bands`` (common names), found through their ``eo:bands`` metadata.

    Raises
    ------
    CatalogError
        If the item has no asset for one of the bands.
    """
    found: dict[str, BandAsset] = {}
    for key, asset in item.assets.items():
        for band in _asset_bands(asset):
            name = _common_name(band)
            if name in bands and name not in found:
                found[name] = _band_asset(item, key, asset, name, C2_SR_SCALE, C2_SR_OFFSET)
    missing = [b for b in bands if b not in found]
    if missing:
        raise CatalogError(
            f"item {item.id}: no asset with eo:bands common name {', '.join(missing)}; "
            f"choose other --bands (this item has {', '.join(sorted(_all_common_names(item))) or 'none'})."
        )
    return {b: found[b] for b in bands}


def _all_common_names(item: pystac.Item) -> set[str]:
    return {n for a in item.assets.values() for b in _asset_bands(a) if (n := _common_name(b))}


def qa_asset(item: pystac.Item) -> BandAsset:
    """The Collection 2 ``QA_PIXEL`` asset of an item.

    Raises
    ------
    CatalogError
        If the item has none (it cannot be cloud-masked).
    """
    for key, asset in item.assets.items():
        names = {str(b.get("name", "")).upper() for b in _asset_bands(asset)}
        if key.lower() == "qa_pixel" or "QA_PIXEL" in names:
            return _band_asset(item, key, asset, "qa_pixel", 1.0, 0.0)
    raise CatalogError(f"item {item.id}: has no QA_PIXEL asset, so clouds cannot be masked; "
                       "use Landsat Collection 2 Level-2 items.")


def load_items(source: str | os.PathLike[str]) -> list[pystac.Item]:
    """Read items from an items file (GeoJSON FeatureCollection or a single item) or a static catalog.

    Raises
    ------
    CatalogError
        If the file is missing or holds no STAC items.
    """
    path = Path(source)
    if path.is_dir() or path.name in {"catalog.json", "collection.json"}:
        return read_static_items(path)
    if not path.is_file():
        raise CatalogError(f"{path}: items file not found; create it with 'habitatmap scenes search --out'.")
    from habitatmap.io.text import read_json

    doc = read_json(path, what="items file", fix="pass the file written by 'scenes search'",
                    error=CatalogError)
    if isinstance(doc, dict) and doc.get("type") in {"Catalog", "Collection"}:
        return read_static_items(path)
    features = doc.get("features") if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" \
        else [doc]
    items = []
    for i, feat in enumerate(features or []):
        try:
            item = pystac.Item.from_dict(feat, preserve_dict=False)
        except Exception as err:  # pystac raises KeyError, STACTypeError, ...
            raise CatalogError(f"{path}: feature {i} is not a STAC item ({err}); "
                               "pass the file written by 'scenes search'.") from None
        # Relative asset hrefs in a saved items file are relative to that file.
        for asset in item.assets.values():
            if "://" not in asset.href and not os.path.isabs(asset.href):
                asset.href = str((path.parent / asset.href).resolve())
        items.append(item)
    if not items:
        raise CatalogError(f"{path}: holds no STAC items; widen the search or check the file.")
    return items
