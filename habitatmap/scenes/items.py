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

from habitatmap.errors import CatalogError, reason
from habitatmap.scenes.defaults import DEFAULT_BANDS, c2_defaults
from habitatmap.values import number, quote

__all__ = [
    "BandAsset",
    "SceneSummary",
    "band_assets",
    "item_epsg",
    "item_from_dict",
    "item_platform",
    "item_transform",
    "load_items",
    "normalize_platform",
    "platform_spellings",
    "qa_asset",
    "read_static_items",
    "standalone_item",
    "summarize_item",
    "unique_items",
    "walk_catalog",
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


#: Most catalogs, collections and items walked in one static catalog.
MAX_CATALOG_OBJECTS = 200_000


def item_from_dict(doc: Any, *, where: str, href: str | None = None) -> pystac.Item:
    """A :class:`pystac.Item` from a STAC item document, with the fields habitatmap uses checked.

    pystac accepts almost anything and fails later, when a field is used; remote metadata is
    checked here instead: the id, the geometry, the properties used (datetime, cloud cover,
    projection) and every asset's href, each of the expected type and finite.

    Raises
    ------
    CatalogError
        One sentence naming ``where``, the item and the field.
    """
    import shapely.geometry

    if not isinstance(doc, dict) or doc.get("type") != "Feature":
        raise CatalogError(f"{where}: not a STAC item (a GeoJSON Feature); pass items written by "
                           "'scenes search' or a STAC catalog.")
    item_id = doc.get("id")
    if not isinstance(item_id, str) or not item_id.strip() or len(item_id) > 1000:
        raise CatalogError(f"{where}: an item has no usable id ({quote(item_id)}); give every item a "
                           "text id.")
    at = f"{where}: item {quote(item_id)}"

    def bad(field: str, value: object) -> CatalogError:
        return CatalogError(f"{at}: {field} is {quote(value)}, which is not valid STAC; fix or remove "
                            "the item.")

    geom = doc.get("geometry")
    if geom is not None:
        try:
            shape = shapely.geometry.shape(geom)
            if not shape.is_valid and shape.geom_type not in ("Polygon", "MultiPolygon"):
                raise ValueError
        except Exception:  # shapely raises several types for a malformed GeoJSON geometry
            raise bad("its geometry", geom) from None
    props = doc.get("properties")
    if not isinstance(props, dict):
        raise bad("its properties", props)
    for key in ("datetime", "start_datetime", "end_datetime", "platform", "proj:code",
                "landsat:wrs_path", "landsat:wrs_row"):
        if props.get(key) is not None and not isinstance(props[key], str | int):
            raise bad(key, props[key])
    for key, lo, hi in (("eo:cloud_cover", 0, 100), ("proj:epsg", 1, 10**6)):
        if props.get(key) is not None:
            number(props[key], what=key, where=at, minimum=lo, maximum=hi, integer=key == "proj:epsg",
                   error=CatalogError)
    if props.get("eo:platform") is not None and not isinstance(props["eo:platform"], str):
        raise bad("eo:platform", props["eo:platform"])

    def check_projection(fields: dict[str, Any], where: str) -> None:
        transform = fields.get("proj:transform")
        if transform is not None:
            if not isinstance(transform, list) or len(transform) < 6:
                raise bad(f"{where}proj:transform", transform)
            for v in transform[:6]:
                number(v, what="proj:transform", where=at, error=CatalogError)
            if transform[0] == 0 or transform[4] == 0:
                raise bad(f"{where}proj:transform", transform)
        if fields.get("proj:epsg") is not None:
            number(fields["proj:epsg"], what="proj:epsg", where=at, minimum=1, maximum=10**6, integer=True,
                   error=CatalogError)

    check_projection(props, "")
    assets = doc.get("assets")
    if not isinstance(assets, dict):
        raise bad("its assets", assets)
    for key, asset in assets.items():
        if not isinstance(asset, dict) or not isinstance(asset.get("href"), str) or not asset["href"]:
            raise bad(f"asset {quote(key)}", asset)
        check_projection(asset, f"asset {quote(key)} ")
        alternates = asset.get("alternate", {})
        if not isinstance(alternates, dict) or not all(
                isinstance(a, dict) and isinstance(a.get("href"), str) for a in alternates.values()):
            raise bad(f"asset {quote(key)} alternate", alternates)
    links = doc.get("links", [])
    if not isinstance(links, list) or not all(isinstance(ln, dict) and isinstance(ln.get("href", ""), str)
                                              for ln in links):
        raise bad("its links", links)
    try:
        return pystac.Item.from_dict(doc, href=href, preserve_dict=False)
    except Exception as err:  # pystac raises KeyError, STACTypeError, ValueError, ...
        raise CatalogError(f"{at}: not a valid STAC item ({reason(err)}); fix or remove it.") from None


def _stac_json(path: Path, what: str) -> dict[str, Any]:
    from habitatmap.io.text import read_json

    doc = read_json(path, what=what, fix="check the catalog's links", error=CatalogError)
    if not isinstance(doc, dict):
        raise CatalogError(f"{path}: the {what} is JSON but not a STAC object; check the catalog's links.")
    return doc


def _link_target(here: Path, href: object, root: Path) -> Path:
    """The local file a catalog link names, kept inside the catalog's folder."""
    from habitatmap.io.paths import check_local_path, file_url_path

    if not isinstance(href, str) or not href.strip():
        raise CatalogError(f"{here}: a link has no usable href ({quote(href)}); fix the catalog.")
    text = href.strip()
    if text.lower().startswith("file:"):
        text = file_url_path(text)
    elif "://" in text:
        raise CatalogError(f"{here}: links to {quote(text)}, outside this local catalog; a catalog on disk "
                           "must link to files in its folder (pass a remote catalog by its URL instead).")
    try:
        check_local_path(text, what="STAC link")
    except CatalogError:
        raise
    except Exception as err:
        raise CatalogError(str(err)) from None
    target = (here.parent / text).resolve()
    if target != root and root not in target.parents:
        raise CatalogError(f"{here}: the link {quote(text)} leads outside the catalog's folder {root}; "
                           "a catalog must link to files inside its own folder.")
    return target


def read_static_items(source: str | os.PathLike[str]) -> list[pystac.Item]:
    """Return every item below a static STAC catalog or collection on disk.

    The catalog is walked link by link: only ``child`` and ``item`` links are followed, each must
    name a file inside the catalog's folder (no URLs, no ``..`` out of it, no GDAL virtual paths),
    every file is read with the size limit of :func:`habitatmap.io.text.read_json`, cycles are
    followed once, and at most :data:`MAX_CATALOG_OBJECTS` objects are read.

    Parameters
    ----------
    source
        Path to ``catalog.json`` or ``collection.json``, or a folder holding one of them.

    Raises
    ------
    CatalogError
        If the path is not a readable STAC catalog or collection, or a link is broken, leads out of
        the folder or names something that is not STAC.
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
    path = path.resolve()
    root = path.parent
    doc = _stac_json(path, "STAC catalog")
    if doc.get("type") not in ("Catalog", "Collection"):
        raise CatalogError(
            f"{path}: is not a STAC catalog or collection (type {quote(doc.get('type'))}); "
            "pass the catalog.json or collection.json at the top of the catalog."
        )

    def load(here: Path, link: dict[str, Any]) -> tuple[Path, Any]:
        target = _link_target(here, link.get("href"), root)
        if not target.is_file():
            raise CatalogError(f"{here}: its {link['rel']} link {quote(link.get('href'))} names a missing "
                               "file; fix the catalog or copy the missing part.")
        return target, lambda: _stac_json(target, f"STAC {link['rel']} linked from {here.name}")

    return walk_catalog(path, doc, load, where=str(path), limit_fix="split the catalog or check it "
                        "for generated links")


def walk_catalog(start: Any, doc: dict[str, Any], load: Any, *, where: str, limit_fix: str,
                 max_objects: int | None = None) -> list[pystac.Item]:
    """Every item below a static catalog's ``doc`` (found at ``start``), link by link.

    Only ``child`` and ``item`` links are followed; cycles once; at most ``max_objects`` documents
    (default :data:`MAX_CATALOG_OBJECTS`). ``load(here, link)`` returns the link's target and a
    function reading it: it decides which targets are allowed (files inside a local catalog's
    folder, http(s) URLs of a remote one) and raises :class:`CatalogError` for the others.
    Local (:func:`read_static_items`) and remote (:mod:`habitatmap.scenes.remote`) catalogs share
    this walk.

    Raises
    ------
    CatalogError
        A refused or broken link, a document that is not STAC, or too many documents.
    """
    limit = MAX_CATALOG_OBJECTS if max_objects is None else max_objects
    items: list[pystac.Item] = []
    seen = {start}
    stack = [(start, doc)]
    while stack:
        here, node = stack.pop()
        links = node.get("links")
        for link in links if isinstance(links, list) else []:
            if not isinstance(link, dict) or link.get("rel") not in ("child", "item"):
                continue
            rel = link["rel"]
            target, read = load(here, link)
            if target in seen:
                continue
            seen.add(target)
            if len(seen) > limit:
                raise CatalogError(f"{where}: links more than {limit} objects; {limit_fix}.")
            child = read()
            kind = child.get("type") if isinstance(child, dict) else None
            if kind == "Feature":
                items.append(item_from_dict(child, where=str(target), href=str(target)))
            elif kind in ("Catalog", "Collection") and rel == "child":
                stack.append((target, child))
            else:
                raise CatalogError(f"{target}: linked as a STAC {rel} from {here}, but it is "
                                   f"{'a ' + quote(kind) if kind else 'not STAC'}; fix the link.")
    items.sort(key=lambda i: (i.datetime.isoformat() if i.datetime else "", i.id))
    return unique_items(items, where)


def unique_items(items: list[pystac.Item], source: str) -> list[pystac.Item]:
    """``items`` with exact duplicates dropped; two different items with one id are refused.

    Each item becomes one output file named after its id, so two items sharing an id would
    overwrite each other's scene. Ids that differ only in letter case are refused too: they would
    share a file on Windows and macOS.

    Raises
    ------
    CatalogError
        Naming the id and the source.
    """
    import json

    kept: dict[str, tuple[pystac.Item, str]] = {}
    folded: dict[str, str] = {}
    out = []
    for item in items:
        if not isinstance(item.id, str) or not item.id.strip():
            raise CatalogError(f"{source}: an item has no id; give every item an id.")
        doc = json.dumps(item.to_dict(include_self_link=False, transform_hrefs=False), sort_keys=True,
                         default=str)
        if item.id in kept:
            if kept[item.id][1] != doc:
                raise CatalogError(f"{source}: two different items have the id {quote(item.id)}; keep one "
                                   "of them or give them distinct ids.")
            continue
        low = item.id.casefold()
        if low in folded:
            raise CatalogError(f"{source}: the item ids {quote(folded[low])} and {quote(item.id)} differ "
                               "only in letter case, so their scene files would collide; rename one.")
        kept[item.id] = (item, doc)
        folded[low] = item.id
        out.append(item)
    return out


def summarize_item(item: pystac.Item) -> SceneSummary:
    """Summarise a Landsat item: id, date, platform, cloud cover and WRS path/row."""
    props = item.properties
    dt = item.datetime.isoformat() if item.datetime else str(props.get("start_datetime", ""))
    cc = props.get("eo:cloud_cover")
    return SceneSummary(
        id=item.id, datetime=dt, platform=item_platform(item),
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


def platform_spellings(name: str) -> list[str]:
    """Every spelling of a Landsat platform that providers put in ``platform``.

    A server compares the string as given: Planetary Computer and Earth Search write
    ``landsat-8``, USGS's landsatlook writes ``LANDSAT_8``. A server-side filter therefore sends
    them all; results are matched again locally on the normalised name.
    """
    norm = normalize_platform(name)
    m = re.fullmatch(r"landsat-(\d)", norm)
    if not m:
        return [norm]
    return [norm, f"LANDSAT_{m.group(1)}", f"Landsat-{m.group(1)}", f"LANDSAT-{m.group(1)}"]


def item_platform(item: pystac.Item) -> str:
    """The item's platform as it spells it (``platform``, or ``eo:platform`` of STAC 0.9/1.0-beta)."""
    props = item.properties
    value = props.get("platform") or props.get("eo:platform") or ""
    return str(value)


def _epsg_of(fields: dict[str, Any]) -> int | None:
    if fields.get("proj:epsg"):
        return int(fields["proj:epsg"])
    code = fields.get("proj:code")
    if isinstance(code, str) and code.upper().startswith("EPSG:"):
        try:
            return int(code.split(":", 1)[1])
        except ValueError:
            return None
    return None


def _data_assets(item: pystac.Item) -> list[pystac.Asset]:
    """The assets that hold bands (have ``eo:bands``), the ones a pull reads."""
    return [a for a in item.assets.values() if _asset_bands(a, item)]


def item_epsg(item: pystac.Item) -> int | None:
    """EPSG code of the item's native grid: ``proj:code`` / ``proj:epsg`` of the item, or of its
    band assets when only they carry it."""
    code = _epsg_of(item.properties)
    if code is not None:
        return code
    codes = {_epsg_of(a.extra_fields) for a in _data_assets(item)} - {None}
    return codes.pop() if len(codes) == 1 else None


def item_transform(item: pystac.Item, resolution: float | None = None) -> list[float] | None:
    """The item's ``proj:transform``: the item's own, else that of its band assets (Planetary
    Computer's older per-collection items and USGS's STAC 1.0-beta items give it per asset).

    With ``resolution``, only a transform of that pixel size is returned (a 30 m optical band
    anchors a 30 m grid; a 100 m thermal band does not).
    """
    candidates = [item.properties.get("proj:transform")]
    candidates += [a.extra_fields.get("proj:transform") for a in _data_assets(item)]
    for t in candidates:
        if isinstance(t, list) and len(t) >= 6 \
                and (resolution is None or abs(float(t[0]) - resolution) < 1e-9):
            return [float(v) for v in t[:6]]
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


def _asset_bands(asset: pystac.Asset, item: pystac.Item | None = None) -> list[dict[str, Any]]:
    """The band objects of an asset.

    STAC 1.x gives them in the asset; STAC 0.9/1.0-beta (USGS's first Collection 2 items) gives
    indices into the item's ``eo:bands`` list instead.
    """
    fields = asset.extra_fields
    bands = fields.get("eo:bands") or fields.get("bands") or []
    if not isinstance(bands, list):  # remote metadata: anything else describes no band
        return []
    owner = item if item is not None else asset.owner
    listed = owner.properties.get("eo:bands") if isinstance(owner, pystac.Item) else None
    out = []
    for b in bands:
        if isinstance(b, dict):
            out.append(b)
        elif isinstance(b, int) and not isinstance(b, bool) and isinstance(listed, list) \
                and 0 <= b < len(listed) and isinstance(listed[b], dict):
            out.append(listed[b])
    return out


def _common_name(band: dict[str, Any]) -> str | None:
    name = band.get("common_name") or band.get("eo:common_name")
    return name if isinstance(name, str) else None


def _readable_href(asset: pystac.Asset) -> str:
    """The href to read: an ``s3://`` href with an ``http(s)`` alternate is read through the
    alternate (no AWS account needed); one without stays, for ``--requester-pays``."""
    href = asset.get_absolute_href() or asset.href
    alternates = asset.extra_fields.get("alternate")
    if isinstance(href, str) and href.lower().startswith("s3://") and isinstance(alternates, dict):
        for alt in alternates.values():
            alt_href = alt.get("href") if isinstance(alt, dict) else None
            if isinstance(alt_href, str) and alt_href.lower().startswith(("https://", "http://")):
                return alt_href
    return href


def _band_asset(item: pystac.Item, key: str, asset: pystac.Asset, name: str) -> BandAsset:
    fields = asset.extra_fields
    raster_bands = fields.get("raster:bands")
    raster = raster_bands[0] if isinstance(raster_bands, list) and raster_bands \
        and isinstance(raster_bands[0], dict) else {}
    bands = _asset_bands(asset, item)
    stac11 = bands[0] if bands else {}
    # Where the item says nothing, the product's own scaling for this kind of band (a thermal
    # band read with the reflectance scale would give 0.97 instead of 295 K).
    defaults = c2_defaults(_common_name(stac11) if stac11 else None,
                           "qa_pixel" if name == "qa_pixel" else key)
    scale = raster.get("scale", stac11.get("raster:scale", defaults.scale))
    offset = raster.get("offset", stac11.get("raster:offset", defaults.offset))
    nodata = raster.get("nodata", stac11.get("nodata", defaults.nodata))
    where = f"item {quote(item.id)}, asset {quote(key)}"

    def num(value: object, what: str) -> float:
        return float(number(value, what=what, where=where, error=CatalogError))

    size = fields.get("file:size")
    checksum = fields.get("file:checksum")
    href = _readable_href(asset)
    if not isinstance(href, str):
        raise CatalogError(f"{where}: has no usable href; fix the item.")
    # "nan" is a legitimate nodata value of float rasters; a scale or offset must be finite.
    nodata_value = None if nodata is None else (float("nan") if str(nodata).lower() == "nan"
                                                else num(nodata, "nodata"))
    return BandAsset(name=name, key=key, href=href, scale=num(scale, "scale"), offset=num(offset, "offset"),
                     nodata=nodata_value,
                     size=int(number(size, what="file:size", where=where, minimum=0, integer=True,
                                     error=CatalogError)) if size is not None else None,
                     checksum=checksum if isinstance(checksum, str) else None)


def band_assets(item: pystac.Item, bands: tuple[str, ...] = DEFAULT_BANDS) -> dict[str, BandAsset]:
    """The assets holding ``bands`` (common names), found through their ``eo:bands`` metadata.

    Raises
    ------
    CatalogError
        If the item has no asset for one of the bands.
    """
    found: dict[str, BandAsset] = {}
    for key, asset in item.assets.items():
        for band in _asset_bands(asset, item):
            name = _common_name(band)
            if name in bands and name not in found:
                found[name] = _band_asset(item, key, asset, name)
    missing = [b for b in bands if b not in found]
    if missing:
        raise CatalogError(
            f"item {item.id}: no asset with eo:bands common name {', '.join(missing)}; "
            f"choose other --bands (this item has {', '.join(sorted(_all_common_names(item))) or 'none'})."
        )
    return {b: found[b] for b in bands}


def _all_common_names(item: pystac.Item) -> set[str]:
    return {n for a in item.assets.values() for b in _asset_bands(a, item) if (n := _common_name(b))}


def qa_asset(item: pystac.Item) -> BandAsset:
    """The Collection 2 ``QA_PIXEL`` asset of an item.

    Raises
    ------
    CatalogError
        If the item has none (it cannot be cloud-masked).
    """
    for key, asset in item.assets.items():
        names = {str(b.get("name", "")).upper() for b in _asset_bands(asset, item)}
        if key.lower().removesuffix(".tif") == "qa_pixel" or "QA_PIXEL" in names:
            return _band_asset(item, key, asset, "qa_pixel")
    raise CatalogError(f"item {item.id}: has no QA_PIXEL asset, so clouds cannot be masked; "
                       "use Landsat Collection 2 Level-2 items.")


def _plain_path(href: str) -> bool:
    """Whether ``href`` is a plain relative path (GDAL syntax is left alone, for the pull to refuse)."""
    from habitatmap.io.paths import check_local_path

    try:
        check_local_path(href, what="asset")
    except CatalogError:
        raise
    except Exception:  # InputDataError: a /vsi path or a connection string
        return False
    return True


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
    if not isinstance(features, list):
        raise CatalogError(f"{path}: 'features' is not a list of STAC items; pass the file written by "
                           "'scenes search'.")
    items = []
    for i, feat in enumerate(features or []):
        item = item_from_dict(feat, where=f"{path}: feature {i}")
        # Relative asset hrefs in a saved items file are relative to that file.
        for asset in item.assets.values():
            if "://" not in asset.href and not os.path.isabs(asset.href) and _plain_path(asset.href):
                asset.href = str((path.parent / asset.href).resolve())
        items.append(item)
    if not items:
        raise CatalogError(f"{path}: holds no STAC items; widen the search or check the file.")
    return unique_items(items, str(path))
