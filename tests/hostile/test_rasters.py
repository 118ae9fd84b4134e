"""Hostile rasters for every command that reads one: zero-byte, truncated, wrong driver, CRS-less,
a folder where a file is expected, values outside the legend, scene folders whose manifest lies."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import rasterio
from affine import Affine

from tests.hostile.conftest import SAMPLE, Tree, copy, no_staging, refused, truncated

TRAINING = SAMPLE / "samples" / "training_points.gpkg"
VALIDATION = SAMPLE / "samples" / "validation_points.gpkg"


def _broken(kind: str, src, folder):
    """A hostile stand-in for the raster ``src``."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / src.name
    if kind == "zero-byte":
        dest.write_bytes(b"")
    elif kind == "truncated":
        truncated(src, dest, 0.3)
    elif kind == "png-renamed":
        dest.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000)
    elif kind == "text":
        dest.write_text("this is not a raster\n")
    elif kind == "folder":
        dest.mkdir()
    elif kind == "crs-less":
        with rasterio.open(src) as ds:
            profile = ds.profile
            data = ds.read()
        profile.update(crs=None, driver="GTiff")
        with rasterio.open(dest, "w", **profile) as out:
            out.write(data)
    elif kind == "vrt":
        dest.write_text('<VRTDataset rasterXSize="10" rasterYSize="10"><VRTRasterBand dataType="Byte" '
                        'band="1"><SimpleSource><SourceFilename>/etc/passwd</SourceFilename>'
                        '</SimpleSource></VRTRasterBand></VRTDataset>')
    return dest


KINDS = ["zero-byte", "truncated", "png-renamed", "text", "folder", "crs-less", "vrt"]


@pytest.mark.parametrize("kind", KINDS)
def test_classify_with_a_hostile_composite(cli, tmp_path, products, out, kind):
    bad = _broken(kind, products / "composite_summer.tif", tmp_path / "in")
    tree = Tree(out)
    refused(cli("classify", bad, "--training", TRAINING, "--out", out / "habitat.tif"), str(bad))
    tree.unchanged()


@pytest.mark.parametrize("kind", KINDS)
def test_polygonize_a_hostile_habitat_map(cli, tmp_path, products, out, kind):
    bad = _broken(kind, products / "habitat.tif", tmp_path / "in")
    tree = Tree(out)
    refused(cli("habitats", "polygonize", bad, "--out", out / "habitats.gpkg"), str(bad))
    tree.unchanged()


@pytest.mark.parametrize("kind", ["zero-byte", "truncated", "crs-less", "folder"])
def test_resistance_from_a_hostile_habitat_map(cli, tmp_path, products, out, kind):
    bad = _broken(kind, products / "habitat.tif", tmp_path / "in")
    tree = Tree(out)
    refused(cli("corridors", "resistance", bad, "--species", "amur_leopard", "--out", out / "r.tif"),
            str(bad))
    tree.unchanged()


@pytest.mark.parametrize("kind", ["zero-byte", "truncated", "crs-less", "text"])
def test_accuracy_of_a_hostile_map(cli, tmp_path, products, out, kind):
    bad = _broken(kind, products / "habitat.tif", tmp_path / "in")
    tree = Tree(out)
    refused(cli("accuracy", bad, "--reference", VALIDATION, "--out", out / "report"), str(bad))
    tree.unchanged()


def _habitat_with_codes(products, dest, codes):
    with rasterio.open(products / "habitat.tif") as ds:
        profile = ds.profile
        data = ds.read(1)
    data[: len(codes), 0] = codes
    profile.update(driver="GTiff")
    profile.pop("tiled", None)
    with rasterio.open(dest, "w", **profile) as out:
        out.write(data, 1)
    return dest


def test_values_outside_the_legend_name_the_file(cli, tmp_path, products, out):
    bad = _habitat_with_codes(products, tmp_path / "odd.tif", [200, 201, 250])
    tree = Tree(out)
    refused(cli("corridors", "resistance", bad, "--species", "amur_leopard", "--out", out / "r.tif"),
            str(bad), "200")
    refused(cli("habitats", "polygonize", bad, "--out", out / "h.gpkg"), str(bad), "200")
    tree.unchanged()


def test_accuracy_of_a_float_or_multiband_map(cli, tmp_path, products, out):
    with rasterio.open(products / "composite_summer.tif") as ds:
        profile = ds.profile
    refused(cli("accuracy", products / "composite_summer.tif", "--reference", VALIDATION, "--out",
                out / "rep"), "composite_summer.tif")
    assert profile["count"] > 1


# --- resistance surfaces for corridors ---------------------------------------------------------------

def _resistance(products, dest, change):
    with rasterio.open(products / "resistance_amur_leopard.tif") as ds:
        profile = ds.profile
        data = ds.read(1)
    data, profile = change(data, profile)
    profile.update(driver="GTiff")
    with rasterio.open(dest, "w", **profile) as out:
        out.write(data, 1)
    return dest


@pytest.mark.parametrize(("change", "expect"), [
    (lambda d, p: (np.where(np.arange(d.size).reshape(d.shape) == 5000, -1.0, d).astype(d.dtype), p),
     "resistance <= 0"),
    (lambda d, p: (np.zeros_like(d), p), "resistance <= 0"),
    (lambda d, p: (d, {**p, "crs": "EPSG:4326", "transform": Affine(0.0003, 0, 130.5, 0, -0.0003, 43.0)}),
     "projected"),
], ids=["negative-cell", "all-zero", "geographic"])
def test_leastcost_and_circuit_with_a_hostile_resistance(cli, tmp_path, products, out, change, expect):
    bad = _resistance(products, tmp_path / "r.tif", change)
    tree = Tree(out)
    cores = f"{products / 'basemap.gpkg'}:zones"
    refused(cli("corridors", "leastcost", "-r", bad, "--cores", cores, "--select", "zone_class=core",
                "--out", out), str(bad), expect)
    refused(cli("corridors", "circuit", "-r", bad, "--focal", cores, "--select", "zone_class=core",
                "--out", out), str(bad))
    tree.unchanged()


def test_border_on_a_crs_less_current_map(cli, tmp_path, products, out):
    bad = _broken("crs-less", products / "circuit" / "cum_current.tif", tmp_path / "in")
    tree = Tree(out)
    refused(cli("corridors", "border", "--current", bad, "--border", f"{products / 'basemap.gpkg'}:border",
                "--out", out), str(bad), "coordinate reference system")
    tree.unchanged()


# --- pulled scene folders read by composite ---------------------------------------------------------

@pytest.fixture()
def scenes(tmp_path, products):
    return copy(products / "scenes", tmp_path / "pulled")


def _manifest(scenes, change):
    m = json.loads((scenes / "manifest.json").read_text())
    change(m)
    (scenes / "manifest.json").write_text(json.dumps(m))


def _vrt_scene(scenes):
    """A VRT in the folder, named by the manifest, pointing at /etc/passwd."""
    (scenes / "evil.vrt").write_text('<VRTDataset rasterXSize="625" rasterYSize="606"><VRTRasterBand '
                                     'dataType="Byte" band="1"><SimpleSource><SourceFilename>/etc/passwd'
                                     '</SourceFilename></SimpleSource></VRTRasterBand></VRTDataset>')
    _manifest(scenes, lambda m: m["scenes"][0].update(file="evil.vrt"))


@pytest.mark.parametrize(("damage", "expect"), [
    (lambda s: truncated(s / "LE07_L2SP_115030_20210614_02_T1.tif",
                         s / "LE07_L2SP_115030_20210614_02_T1.tif", 0.5),
     "LE07_L2SP_115030_20210614_02_T1.tif"),
    (lambda s: (s / "LE07_L2SP_115030_20210614_02_T1.tif").write_bytes(b""), "empty"),
    (lambda s: _manifest(s, lambda m: m["scenes"][0].update(file="/etc/passwd")), "/etc/passwd"),
    (lambda s: _manifest(s, lambda m: m["scenes"][0].update(file="../../x.tif")), "../../x.tif"),
    (lambda s: _vrt_scene(s), "evil.vrt"),
    (lambda s: (s / "manifest.json").write_text("{not json"), "manifest.json"),
    (lambda s: (s / "manifest.json").unlink(), "manifest.json"),
    (lambda s: _manifest(s, lambda m: m.update(scenes="all of them")), "manifest.json"),
    (lambda s: _manifest(s, lambda m: m["scenes"][0].update(file=["a", "b"])), "manifest.json"),
], ids=["truncated-scene", "zero-byte-scene", "absolute-path", "dotdot", "vrt", "bad-json", "no-manifest",
        "scenes-not-list", "file-not-text"])
def test_composite_of_a_damaged_pull(cli, scenes, out, damage, expect):
    damage(scenes)
    tree = Tree(out)
    refused(cli("composite", scenes, "--out", out / "summer.tif", "--months", "6-9"), expect)
    tree.unchanged()
    no_staging(out)


# --- models, base maps ----------------------------------------------------------------------------

def test_a_skops_file_without_an_estimator(cli, tmp_path, products, out):
    skops_io = pytest.importorskip("skops.io")
    fake = tmp_path / "model.skops"
    skops_io.dump({"not": "a model", "numbers": [1, 2, 3]}, fake)
    tree = Tree(out)
    refused(cli("classify", products / "composite_summer.tif", products / "composite_autumn.tif",
                "--model", fake, "--out", out / "h.tif"), str(fake))
    tree.unchanged()


def test_a_truncated_base_map_for_a_sheet_map(cli, tmp_path, products, out):
    bad = truncated(products / "basemap.gpkg", tmp_path / "basemap.gpkg", 0.3)
    tree = Tree(out)
    refused(cli("sheet-map", "K-52-46", "--basemap", bad, "--out", out / "sheet.pdf"), str(bad))
    tree.unchanged()


@pytest.mark.parametrize("kind", ["zero-byte", "truncated", "text"])
def test_webmap_with_a_hostile_base_map_or_habitat(cli, tmp_path, products, out, kind):
    tree = Tree(out)
    bad = _broken(kind, products / "basemap.gpkg", tmp_path / "in")
    refused(cli("webmap", "--basemap", bad, "--out", out / "map.html"), str(bad))
    bad = _broken(kind, products / "habitat.tif", tmp_path / "in2")
    refused(cli("webmap", "--basemap", products / "basemap.gpkg", "--habitat", bad,
                "--out", out / "map.html"), str(bad))
    tree.unchanged()


def test_webmap_corridor_folder_with_a_bogus_current_map(cli, tmp_path, products, out):
    folder = tmp_path / "corr"
    shutil.copytree(products / "circuit", folder)
    (folder / "cum_current.tif").write_text("not a raster")
    tree = Tree(out)
    refused(cli("webmap", "--basemap", products / "basemap.gpkg", "--corridors", folder,
                "--out", out / "map.html"), "cum_current.tif")
    tree.unchanged()
