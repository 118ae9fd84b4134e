"""STAC JSON for the sample scenes, shaped like the public ``landsat-c2-l2`` collections."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from habitatmap.sampledata.grid import UTM_EPSG
from habitatmap.sampledata.spectra import OFFSET, SCALE, SceneSpec

__all__ = [
    "asset_filename",
    "item_id",
    "make_catalog",
    "make_collection",
    "make_item",
    "product_id",
    "sensor_code",
]


STAC_VERSION = "1.0.0"
EXT = {
    "eo": "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
    "raster": "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
    "proj": "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
    "view": "https://stac-extensions.github.io/view/v1.0.0/schema.json",
    "file": "https://stac-extensions.github.io/file/v2.1.0/schema.json",
    "classification": "https://stac-extensions.github.io/classification/v1.1.0/schema.json",
    "landsat": "https://landsat.usgs.gov/stac/landsat-extension/v1.1.1/schema.json",
    "item_assets": "https://stac-extensions.github.io/item-assets/v1.0.0/schema.json",
}
SYNTHETIC_NOTE = (
    "SYNTHETIC sample data made by habitatmap's seeded generator for tests and the demo; not real "
    "Landsat observations. Shaped like USGS Landsat Collection 2 Level-2 items; WRS path/row values "
    "are illustrative."
)

# name, common name, description, centre wavelength, FWHM (micrometres)
OLI_BANDS = {
    "blue": ("SR_B2", "Visible blue (Band 2)", 0.48, 0.06),
    "green": ("SR_B3", "Visible green (Band 3)", 0.56, 0.06),
    "red": ("SR_B4", "Visible red (Band 4)", 0.65, 0.04),
    "nir08": ("SR_B5", "Near infrared (Band 5)", 0.86, 0.03),
    "swir16": ("SR_B6", "Short-wave infrared (Band 6)", 1.6, 0.08),
    "swir22": ("SR_B7", "Short-wave infrared (Band 7)", 2.2, 0.2),
}
ETM_BANDS = {
    "blue": ("SR_B1", "Visible blue (Band 1)", 0.48, 0.07),
    "green": ("SR_B2", "Visible green (Band 2)", 0.56, 0.08),
    "red": ("SR_B3", "Visible red (Band 3)", 0.66, 0.06),
    "nir08": ("SR_B4", "Near infrared (Band 4)", 0.84, 0.13),
    "swir16": ("SR_B5", "Short-wave infrared (Band 5)", 1.65, 0.2),
    "swir22": ("SR_B7", "Short-wave infrared (Band 7)", 2.22, 0.26),
}
COMMON_NAMES = {"blue": "blue", "green": "green", "red": "red", "nir08": "nir08",
                "swir16": "swir16", "swir22": "swir22"}
COG_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"

QA_BITFIELDS: list[dict[str, Any]] = [
    {"name": "fill", "offset": 0, "length": 1, "description": "Image or fill data",
     "classes": [{"name": "not_fill", "value": 0}, {"name": "fill", "value": 1}]},
    {"name": "dilated_cloud", "offset": 1, "length": 1, "description": "Dilated cloud",
     "classes": [{"name": "not_dilated", "value": 0}, {"name": "dilated", "value": 1}]},
    {"name": "cirrus", "offset": 2, "length": 1, "description": "Cirrus mask (OLI only)",
     "classes": [{"name": "not_cirrus", "value": 0}, {"name": "cirrus", "value": 1}]},
    {"name": "cloud", "offset": 3, "length": 1, "description": "Cloud mask",
     "classes": [{"name": "not_cloud", "value": 0}, {"name": "cloud", "value": 1}]},
    {"name": "cloud_shadow", "offset": 4, "length": 1, "description": "Cloud shadow mask",
     "classes": [{"name": "not_shadow", "value": 0}, {"name": "shadow", "value": 1}]},
    {"name": "snow", "offset": 5, "length": 1, "description": "Snow/Ice mask",
     "classes": [{"name": "not_snow", "value": 0}, {"name": "snow", "value": 1}]},
    {"name": "clear", "offset": 6, "length": 1,
     "description": "Cloud and dilated cloud bits are not set",
     "classes": [{"name": "not_clear", "value": 0}, {"name": "clear", "value": 1}]},
    {"name": "water", "offset": 7, "length": 1, "description": "Water mask",
     "classes": [{"name": "not_water", "value": 0}, {"name": "water", "value": 1}]},
] + [
    {"name": f"{n}_confidence", "offset": o, "length": 2, "description": f"{d} confidence",
     "classes": [{"name": "not_set", "value": 0}, {"name": "low", "value": 1},
                 {"name": "medium", "value": 2}, {"name": "high", "value": 3}]}
    for n, o, d in (("cloud", 8, "Cloud"), ("cloud_shadow", 10, "Cloud shadow"),
                    ("snow_ice", 12, "Snow/Ice"), ("cirrus", 14, "Cirrus"))
]


def sensor_code(spec: SceneSpec) -> str:
    """LT04 / LT05 / LE07 / LC08 / LC09."""
    return {"landsat-4": "LT04", "landsat-5": "LT05", "landsat-7": "LE07", "landsat-8": "LC08",
            "landsat-9": "LC09"}[spec.platform]


def item_id(spec: SceneSpec) -> str:
    """Item id in the style of the public catalogs, e.g. ``LC08_L2SP_115030_20210622_02_T1``."""
    return (f"{sensor_code(spec)}_L2SP_{spec.wrs_path:03d}{spec.wrs_row:03d}_"
            f"{spec.date.replace('-', '')}_02_T1")


def product_id(spec: SceneSpec) -> str:
    """Full Landsat product id including the processing date (used in asset file names)."""
    return (f"{sensor_code(spec)}_L2SP_{spec.wrs_path:03d}{spec.wrs_row:03d}_"
            f"{spec.date.replace('-', '')}_{spec.processed}_02_T1")


def asset_filename(spec: SceneSpec, key: str) -> str:
    """File name of an asset, e.g. ``..._SR_B4.TIF`` or ``..._QA_PIXEL.TIF``."""
    if key == "qa_pixel":
        return f"{product_id(spec)}_QA_PIXEL.TIF"
    bands = OLI_BANDS if spec.oli else ETM_BANDS
    return f"{product_id(spec)}_{bands[key][0]}.TIF"


def _scene_id(spec: SceneSpec) -> str:
    d = date.fromisoformat(spec.date)
    letters = {"landsat-4": "T4", "landsat-5": "T5", "landsat-7": "E7", "landsat-8": "C8"}
    letter = letters.get(spec.platform, "C9")
    return f"L{letter}{spec.wrs_path:03d}{spec.wrs_row:03d}{d.year}{d.timetuple().tm_yday:03d}LGN00"


def make_item(
    spec: SceneSpec, *, geometry: dict[str, Any], bbox: list[float], proj_bbox: list[float],
    shape: tuple[int, int], transform: list[float], cloud_cover: float,
    files: dict[str, tuple[int, str]],
) -> dict[str, Any]:
    """Return one STAC item dict; ``files`` maps asset key -> (size, sha256 hex)."""
    bands = OLI_BANDS if spec.oli else ETM_BANDS
    dt = datetime.fromisoformat(spec.date).replace(hour=2, minute=8, second=31, tzinfo=timezone.utc)
    assets: dict[str, Any] = {}
    for key, (name, desc, cw, fwhm) in bands.items():
        size, sha = files[key]
        assets[key] = {
            "href": f"./{asset_filename(spec, key)}", "type": COG_TYPE,
            "title": f"{desc.split(' (')[0]} Band", "roles": ["data", "reflectance"],
            "eo:bands": [{"name": name, "common_name": COMMON_NAMES[key], "description": desc,
                          "center_wavelength": cw, "full_width_half_max": fwhm}],
            "raster:bands": [{"data_type": "uint16", "nodata": 0, "scale": SCALE, "offset": OFFSET,
                              "unit": "reflectance", "spatial_resolution": 30}],
            "file:size": size, "file:checksum": "1220" + sha,
        }
    size, sha = files["qa_pixel"]
    assets["qa_pixel"] = {
        "href": f"./{asset_filename(spec, 'qa_pixel')}", "type": COG_TYPE,
        "title": "Pixel Quality Assessment Band", "roles": ["cloud", "cloud-shadow", "snow-ice",
                                                            "water-mask"],
        "description": "Collection 2 Level-1 Pixel Quality Assessment Band (QA_PIXEL)",
        "raster:bands": [{"data_type": "uint16", "nodata": 1, "unit": "bit index",
                          "spatial_resolution": 30}],
        "classification:bitfields": QA_BITFIELDS,
        "file:size": size, "file:checksum": "1220" + sha,
    }
    return {
        "type": "Feature",
        "stac_version": STAC_VERSION,
        "stac_extensions": [EXT[k] for k in ("eo", "raster", "proj", "view", "file",
                                             "classification", "landsat")],
        "id": item_id(spec),
        "description": SYNTHETIC_NOTE,
        "bbox": bbox,
        "geometry": geometry,
        "properties": {
            "datetime": dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "platform": spec.platform,
            "instruments": (["oli", "tirs"] if spec.oli
                            else ["etm"] if spec.platform == "landsat-7" else ["tm"]),
            "eo:cloud_cover": cloud_cover,
            "view:off_nadir": 0,
            "view:sun_azimuth": spec.sun_azimuth,
            "view:sun_elevation": spec.sun_elevation,
            "landsat:cloud_cover_land": cloud_cover,
            "landsat:wrs_type": "2",
            "landsat:wrs_path": f"{spec.wrs_path:03d}",
            "landsat:wrs_row": f"{spec.wrs_row:03d}",
            "landsat:scene_id": _scene_id(spec),
            "landsat:collection_category": "T1",
            "landsat:collection_number": "02",
            "landsat:correction": "L2SP",
            "proj:epsg": UTM_EPSG,
            "proj:shape": list(shape),
            "proj:transform": transform,
            "proj:bbox": proj_bbox,
            "habitatmap:synthetic": True,
        },
        "links": [
            {"rel": "root", "href": "../../catalog.json", "type": "application/json"},
            {"rel": "parent", "href": "../collection.json", "type": "application/json"},
            {"rel": "collection", "href": "../collection.json", "type": "application/json"},
        ],
        "assets": assets,
        "collection": "landsat-c2-l2",
    }


def make_collection(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``landsat-c2-l2`` collection of the sample, linking every item."""
    xs = [i["bbox"] for i in items]
    bbox = [min(b[0] for b in xs), min(b[1] for b in xs), max(b[2] for b in xs),
            max(b[3] for b in xs)]
    times = sorted(i["properties"]["datetime"] for i in items)
    item_assets = {k: {"type": COG_TYPE, "roles": ["data", "reflectance"],
                       "eo:bands": [{"common_name": COMMON_NAMES[k]}]} for k in COMMON_NAMES}
    item_assets["qa_pixel"] = {"type": COG_TYPE, "roles": ["cloud", "cloud-shadow", "snow-ice",
                                                           "water-mask"]}
    return {
        "type": "Collection",
        "stac_version": STAC_VERSION,
        "stac_extensions": [EXT["item_assets"], EXT["eo"], EXT["raster"], EXT["view"]],
        "id": "landsat-c2-l2",
        "title": "Landsat Collection 2 Level-2 (synthetic Tumen sample)",
        "description": SYNTHETIC_NOTE,
        "license": "CC0-1.0",
        "keywords": ["landsat", "synthetic", "sample", "habitatmap"],
        "providers": [{"name": "habitatmap sample-data generator", "roles": ["producer"]}],
        "extent": {"spatial": {"bbox": [bbox]}, "temporal": {"interval": [[times[0], times[-1]]]}},
        "summaries": {
            "platform": sorted({i["properties"]["platform"] for i in items}),
            "instruments": sorted({x for i in items for x in i["properties"]["instruments"]}),
            "gsd": [30],
        },
        "item_assets": item_assets,
        "links": [
            {"rel": "root", "href": "../catalog.json", "type": "application/json"},
            {"rel": "parent", "href": "../catalog.json", "type": "application/json"},
        ] + [
            {"rel": "item", "href": f"./{i['id']}/{i['id']}.json", "type": "application/geo+json"}
            for i in items
        ],
    }


def make_catalog() -> dict[str, Any]:
    """The root catalog of the sample."""
    return {
        "type": "Catalog",
        "stac_version": STAC_VERSION,
        "id": "habitatmap-tumen-sample",
        "title": "habitatmap Tumen sample (synthetic)",
        "description": SYNTHETIC_NOTE,
        "links": [
            {"rel": "root", "href": "./catalog.json", "type": "application/json"},
            {"rel": "child", "href": "./landsat-c2-l2/collection.json", "type": "application/json"},
        ],
    }
