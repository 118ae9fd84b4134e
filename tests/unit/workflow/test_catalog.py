"""The run's products as a STAC catalog, read back the way the other side reads it: pystac and
odc-stac, offline."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from habitatmap.legend.model import load_legend
from habitatmap.workflow.cache import StepRecord
from habitatmap.workflow.catalog import EXTENSIONS, product_item, write_catalog


@pytest.fixture(scope="module")
def catalog(demo_run):
    import pystac

    out, _ = demo_run
    cat = pystac.Catalog.from_file(str(out / "catalog.json"))
    return out, cat, {i.id: i for i in cat.get_items(recursive=False)}


def test_one_item_per_product(catalog):
    _, cat, items = catalog
    assert cat.id == "tumen-products"
    assert {"tumen-habitat", "tumen-composite-summer", "tumen-composite-autumn", "tumen-basemap",
            "tumen-circuit-cum-current", "tumen-leastcost-corridors", "tumen-map",
            "tumen-resistance-amur-leopard", "tumen-accuracy-report",
            "tumen-legend-habitat-legend-en"} <= set(items)
    assert items["tumen-legend-habitat-legend-en"].assets["data"].media_type == "application/json"
    scenes = list(next(c for c in cat.get_children() if c.id == "tumen-scenes").get_items())
    assert len(scenes) == 6


def test_items_carry_projection_raster_file_processing(catalog):
    out, _, items = catalog
    habitat = items["tumen-habitat"]
    assert set(habitat.stac_extensions) == set(EXTENSIONS.values())
    assert habitat.properties["proj:code"] == "EPSG:32652"
    assert habitat.properties["proj:shape"][0] > 0 and len(habitat.properties["proj:transform"]) == 6
    asset = habitat.assets["data"]
    band = asset.extra_fields["raster:bands"][0]
    assert band["data_type"] == "uint8" and band["nodata"] == 0 and band["scale"] == 1.0
    legend = load_legend()
    classes = {c["value"]: c for c in asset.extra_fields["classification:classes"]}
    assert set(classes) == {c.code for c in legend.classes} | {legend.nodata}
    first = legend.classes[0]
    assert classes[first.code]["name"] == first.key
    assert classes[first.code]["color_hint"] == first.colour[1:].upper()
    path = out / "habitat.tif"
    assert asset.extra_fields["file:checksum"] == "1220" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert asset.extra_fields["file:size"] == path.stat().st_size
    assert habitat.properties["processing:software"]["habitatmap"]
    assert "classify" in habitat.properties["processing:lineage"]
    assert asset.get_absolute_href() == str(path.resolve())
    # Lineage down to the scenes: every derived_from link is a scene item of the catalog.
    links = [ln for ln in habitat.links if ln.rel == "derived_from"]
    assert len(links) == 6
    for ln in links:
        with open(ln.get_absolute_href(), encoding="utf-8") as f:
            scene = json.load(f)
        assert scene["id"] == ln.title
    composite = items["tumen-composite-summer"].assets["data"].extra_fields["raster:bands"]
    assert [b["name"] for b in composite][-1] == "clear_count" and composite[0]["data_type"] == "float32"
    # Footprints are in WGS 84 and hold the area.
    w, s, e, n = habitat.bbox
    assert 130.5 < w < e < 131.0 and 42.8 < s < n < 43.1


def test_odc_stac_loads_the_habitat_map(catalog):
    import odc.stac
    import rasterio

    out, _, items = catalog
    ds = odc.stac.load([items["tumen-habitat"]], bands=["data"], chunks=None)
    with rasterio.open(out / "habitat.tif") as src:
        expected = src.read(1)
    got = ds["data"].isel(time=0).values
    assert got.shape == expected.shape and np.array_equal(got, expected)


def test_a_national_grid_without_epsg_code_gets_wkt2(tmp_path, root):
    """A local MSK-style Gauss-Kruger grid: proj:code null and the CRS as WKT2."""
    import rasterio
    from rasterio.transform import from_origin

    from habitatmap.workflow.site import load_site

    crs = ("+proj=tmerc +lat_0=0 +lon_0=131.0 +k=1 +x_0=2300000 +y_0=-4700000 +ellps=krass "
           "+towgs84=23.57,-140.95,-79.8,0,0.35,0.79,-0.22 +units=m +no_defs")
    path = tmp_path / "msk.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=3, count=1, dtype="uint8", crs=crs,
                       transform=from_origin(2290000, 65000, 30, 30), nodata=0) as dst:
        dst.write(np.ones((1, 3, 4), dtype="uint8"))
    rec = StepRecord(step="x", kind="x", key="k", params={}, inputs={}, deps={}, version="0",
                     outputs={}, finished="2026-01-01T00:00:00+00:00")
    site = load_site(root / "workflows" / "tumen.yaml")
    from habitatmap.area import read_area

    item = product_item(rec, {"path": "msk.tif", "title": "t", "kind": "raster"}, tmp_path, load_legend(),
                        site=site, area=read_area(site.resolve(site.aoi)), dates=("a", "b"))
    assert item["properties"]["proj:code"] is None and "TRANSVERSEMERCATOR" in \
        item["properties"]["proj:wkt2"].replace(" ", "").upper().replace("_", "")
    assert item["assets"]["data"]["href"] == "../../msk.tif"


def test_write_catalog_drops_items_of_products_no_longer_made(demo_run, tmp_path):
    import shutil

    from habitatmap.workflow.cache import read_record
    from habitatmap.workflow.site import load_site

    out, _ = demo_run
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    stale = copy / "stac" / "items" / "tumen-old-product.json"
    stale.write_text("{}")
    from tests.conftest import ROOT

    site = load_site(ROOT / "workflows" / "tumen.yaml")
    records = [read_record(copy, "classify")]
    write_catalog(site, load_legend(), copy, records)
    assert not stale.exists()
    assert (copy / "stac" / "items" / "tumen-habitat.json").is_file()
    assert not (copy / "stac" / "items" / "tumen-basemap.json").exists()
