"""A run's products as a STAC catalog: ``OUT/catalog.json``, one item per product.

The other side's officer opens it in QGIS's STAC browser or loads it with pystac or odc-stac. Each
item carries the projection extension (``proj:code``, or ``proj:wkt2`` for a national grid that has
no EPSG code, with the grid's shape and transform), ``raster:bands`` (data type, nodata, scale and
offset), the classification extension for class maps (the legend's codes, names and colours), the
file extension (``file:checksum`` as a SHA-256 multihash, ``file:size``) and the processing
extension (``processing:software``, ``processing:lineage``); ``derived_from`` links lead to the
input scenes, which the catalog holds too (``stac/scenes/``). Hrefs are relative: the folder can be
moved or shared as a whole.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from habitatmap import __version__
from habitatmap.workflow.cache import StepRecord

__all__ = ["EXTENSIONS", "product_item", "write_catalog"]

#: The STAC extensions the items use (schema URLs are their identifiers).
EXTENSIONS = {
    "proj": "https://stac-extensions.github.io/projection/v2.0.0/schema.json",
    "raster": "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
    "classification": "https://stac-extensions.github.io/classification/v2.0.0/schema.json",
    "file": "https://stac-extensions.github.io/file/v2.1.0/schema.json",
    "processing": "https://stac-extensions.github.io/processing/v1.2.0/schema.json",
}
_STAC = "1.1.0"
_MEDIA = {"raster": "image/tiff; application=geotiff; profile=cloud-optimized",
          "classes": "image/tiff; application=geotiff; profile=cloud-optimized",
          "vector": "application/geopackage+sqlite3", "html": "text/html", "document": "application/pdf",
          "report": "text/markdown", "json": "application/json"}


def _multihash(sha256_hex: str) -> str:
    return "1220" + sha256_hex  # multihash: code 0x12 (sha2-256), length 0x20


def _crs_fields(crs: Any) -> dict[str, Any]:
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    auth = c.to_authority(min_confidence=100)
    if auth is not None:
        return {"proj:code": f"{auth[0]}:{auth[1]}"}
    return {"proj:code": None, "proj:wkt2": c.to_wkt()}


def _footprint(bounds: tuple[float, float, float, float], crs: Any) -> tuple[dict, list[float]]:
    import shapely
    from shapely.geometry import box, mapping

    from habitatmap.geodesy import transform_geometries

    geoms, _ = transform_geometries([box(*bounds)], crs, "EPSG:4326", what="product footprint")
    g = shapely.set_precision(next(iter(geoms)), 1e-7)  # type: ignore[call-overload]
    return mapping(g), [round(v, 7) for v in g.bounds]


def _raster_fields(path: Path, legend: Any, kind: str) -> tuple[dict, dict, tuple, Any]:
    from habitatmap.io.raster import open_raster

    with open_raster(path, what="product") as ds:
        props = {**_crs_fields(ds.crs), "proj:shape": [ds.height, ds.width],
                 "proj:transform": list(ds.transform)[:6], "proj:bbox": list(ds.bounds)}
        bands = []
        for i in range(ds.count):
            band: dict[str, Any] = {"data_type": ds.dtypes[i], "scale": float(ds.scales[i]),
                                    "offset": float(ds.offsets[i])}
            if ds.nodata is not None:
                band["nodata"] = "nan" if ds.nodata != ds.nodata else ds.nodata
            if ds.descriptions[i]:
                band["name"] = ds.descriptions[i]
            bands.append(band)
        asset: dict[str, Any] = {"raster:bands": bands}
        if kind == "classes":
            asset["classification:classes"] = [
                {"value": c.code, "name": c.key, "description": c.names.en,
                 "color_hint": c.colour.lstrip("#").upper()} for c in legend.classes]
            if legend.nodata is not None:
                asset["classification:classes"].append({"value": legend.nodata, "name": "nodata",
                                                        "description": "no data", "nodata": True})
        return props, asset, tuple(ds.bounds), ds.crs


def _vector_fields(path: Path) -> tuple[dict, tuple | None, Any]:
    import pyogrio

    from habitatmap.io.vector import list_layers

    bounds = None
    crs = None
    for name, geom in list_layers(path, what="product"):
        if geom is None:
            continue
        info = pyogrio.read_info(path, layer=name)
        if info.get("crs") and info.get("total_bounds") is not None and info["features"]:
            b = tuple(float(v) for v in info["total_bounds"])
            bounds = b if bounds is None else (min(bounds[0], b[0]), min(bounds[1], b[1]),
                                               max(bounds[2], b[2]), max(bounds[3], b[3]))
            crs = crs or info["crs"]
    return (_crs_fields(crs) if crs else {}), bounds, crs


def product_item(rec: StepRecord, product: dict[str, Any], out: Path, legend: Any, *, site: Any,
                 area: Any, dates: tuple[str, str]) -> dict[str, Any]:
    """The STAC item (a dict) of one product of a step.

    Parameters
    ----------
    rec
        The record of the step that made it.
    product
        ``path`` (relative to ``out``), ``title``, ``kind`` (raster, classes, vector, html,
        document, report, json) and the ``scenes`` it derives from.
    out
        The run folder.
    legend
        The legend (class names and colours of class maps).
    site, area, dates
        The site, its area (the footprint of products without their own) and the scene dates.
    """
    from habitatmap.io.atomic import sha256_file

    rel = product["path"]
    path = out / rel
    kind = product["kind"]
    item_id = f"{site.id}-{Path(rel).with_suffix('').as_posix().replace('/', '-')}".replace("_", "-")
    props: dict[str, Any] = {"title": product["title"], "start_datetime": dates[0], "end_datetime": dates[1],
                             "datetime": None, "created": rec.finished or None,
                             "processing:software": {"habitatmap": __version__},
                             "processing:lineage": _lineage(rec), "habitatmap:step": rec.step,
                             "habitatmap:cache_key": rec.key}
    overview = kind in ("report", "document", "html", "json")
    asset: dict[str, Any] = {"href": f"../../{rel}", "title": product["title"],
                             "roles": ["overview"] if overview else ["data"]}
    if _MEDIA.get(kind):
        asset["type"] = _MEDIA[kind]
    bounds = crs = None
    if kind in ("raster", "classes"):
        p, extra, bounds, crs = _raster_fields(path, legend, kind)
        props.update(p)
        asset.update(extra)
    elif kind == "vector":
        p, bounds, crs = _vector_fields(path)
        props.update(p)
    if path.is_file():
        entry = rec.outputs.get(rel)
        digest = entry["sha256"] if entry else sha256_file(path)
        asset["file:checksum"] = _multihash(digest)
        asset["file:size"] = path.stat().st_size
    if bounds is not None and crs is not None:
        geometry, bbox = _footprint(bounds, crs)
    else:
        from shapely.geometry import mapping

        geometry, bbox = mapping(area.lonlat), [round(v, 7) for v in area.lonlat.bounds]
    links = [{"rel": "root", "href": "../../catalog.json", "type": "application/json"},
             {"rel": "parent", "href": "../../catalog.json", "type": "application/json"}]
    for scene in product.get("scenes", []):
        links.append({"rel": "derived_from", "href": f"../scenes/{_safe(scene)}.json",
                      "type": "application/geo+json", "title": scene})
    used = [k for k in EXTENSIONS if any(str(x).startswith(f"{k}:") for x in (*props, *asset))]
    return {"type": "Feature", "stac_version": _STAC, "stac_extensions": [EXTENSIONS[k] for k in used],
            "id": item_id, "geometry": geometry, "bbox": bbox, "properties": props, "links": links,
            "assets": {"data": asset}}


def _lineage(rec: StepRecord) -> str:
    inputs = ", ".join(sorted(rec.inputs)) or "none"
    deps = ", ".join(rec.deps) or "none"
    return (f"habitatmap {rec.version} step '{rec.step}' ({rec.kind}); external inputs: {inputs}; "
            f"from the outputs of: {deps}; parameters in the run's .habitatmap/steps record.")


def _safe(name: str) -> str:
    from habitatmap.scenes.pull import safe_name

    return safe_name(name)


def write_catalog(site: Any, legend: Any, out: Path, records: list[StepRecord]) -> Path:
    """Write ``out/catalog.json``, one item per product under ``out/stac/items/`` and the input
    scenes under ``out/stac/scenes/`` (each written atomically); returns the catalog's path."""
    import json

    from habitatmap.area import read_area
    from habitatmap.io.atomic import write_json

    area = read_area(site.resolve(site.aoi))
    dates = (f"{min(r.start for r in site.scenes.dates)}T00:00:00Z",
             f"{max(r.end for r in site.scenes.dates)}T23:59:59Z")
    stac = out / "stac"
    (stac / "items").mkdir(parents=True, exist_ok=True)
    (stac / "scenes").mkdir(parents=True, exist_ok=True)
    links: list[dict[str, Any]] = [{"rel": "root", "href": "./catalog.json", "type": "application/json"},
                                   {"rel": "self", "href": "./catalog.json", "type": "application/json"}]
    scenes_catalog = {"type": "Catalog", "stac_version": _STAC, "id": f"{site.id}-scenes",
                      "title": "Input scenes", "description": "The Landsat scenes the products derive from.",
                      "links": [{"rel": "root", "href": "../../catalog.json", "type": "application/json"},
                                {"rel": "parent", "href": "../../catalog.json", "type": "application/json"}]}
    items_file = out / "items.json"
    if items_file.is_file():
        for feature in json.loads(items_file.read_text(encoding="utf-8")).get("features", []):
            name = _safe(feature["id"])
            doc = dict(feature)
            doc["links"] = [{"rel": "root", "href": "../../catalog.json", "type": "application/json"},
                            {"rel": "parent", "href": "./catalog.json", "type": "application/json"}]
            write_json(stac / "scenes" / f"{name}.json", doc)
            scenes_catalog["links"].append({"rel": "item", "href": f"./{name}.json",
                                            "type": "application/geo+json"})
        write_json(stac / "scenes" / "catalog.json", scenes_catalog)
        links.append({"rel": "child", "href": "./stac/scenes/catalog.json", "type": "application/json",
                      "title": "Input scenes"})
    written: set[str] = set()
    for rec in records:
        for product in rec.products:
            if not (out / product["path"]).exists():
                continue
            item = product_item(rec, product, out, legend, site=site, area=area, dates=dates)
            write_json(stac / "items" / f"{item['id']}.json", item)
            written.add(f"{item['id']}.json")
            links.append({"rel": "item", "href": f"./stac/items/{item['id']}.json",
                          "type": "application/geo+json", "title": product["title"]})
    for old in (stac / "items").glob("*.json"):  # items of products this site no longer makes
        if old.name not in written:
            old.unlink()
    catalog = {"type": "Catalog", "stac_version": _STAC, "id": f"{site.id}-products",
               "title": f"{site.name.en}: habitatmap products",
               "description": f"Products of 'habitatmap run' for site {site.id}, made "
                              f"{dt.datetime.now(dt.timezone.utc).date()} with habitatmap {__version__}.",
               "links": links}
    return write_json(out / "catalog.json", catalog)
