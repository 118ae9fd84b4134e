"""The sample's STAC JSON, shaped like the public landsat-c2-l2 collections."""

from __future__ import annotations

from habitatmap.sampledata import SCENES
from habitatmap.sampledata.catalog import (
    asset_filename,
    item_id,
    make_catalog,
    make_collection,
    make_item,
    product_id,
    sensor_code,
)


def test_ids_and_names():
    spec = SCENES[0]
    assert sensor_code(spec) == "LE07" and item_id(spec) == "LE07_L2SP_115030_20210614_02_T1"
    assert product_id(spec).startswith("LE07_L2SP_115030_20210614_20210710")
    assert asset_filename(spec, "red").endswith("_SR_B3.TIF")  # red is band 3 on ETM+
    assert asset_filename(SCENES[1], "red").endswith("_SR_B4.TIF")


def test_item_collection_catalog():
    spec = SCENES[1]
    files = {k: (100, "1220" + "0" * 64) for k in ("blue", "green", "red", "nir08", "swir16", "swir22",
                                                   "qa_pixel")}
    item = make_item(spec, geometry={"type": "Point", "coordinates": [130.7, 42.9]}, bbox=[130, 42, 131, 43],
                     proj_bbox=[0, 0, 1, 1], shape=(10, 10), transform=[30, 0, 0, 0, -30, 0], cloud_cover=5.0,
                     files=files)
    assert item["id"] == item_id(spec) and item["properties"]["platform"] == "landsat-8"
    assert item["assets"]["red"]["raster:bands"][0]["scale"] == 2.75e-05
    coll = make_collection([item])
    assert coll["type"] == "Collection" and coll["id"] == "landsat-c2-l2"
    assert make_catalog()["type"] == "Catalog"
