"""Hostile vector layers: empty, invalid, non-overlapping, lat/lon swapped, CRS-less, garbled
encodings, folders and archives where a layer is expected, for every command that reads one."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest
import shapely

from tests.hostile.conftest import ROOT, SAMPLE, Tree, refused

AOI = ROOT / "workflows" / "tumen_aoi.geojson"
TRAINING = SAMPLE / "samples" / "training_points.gpkg"
BOUNDARIES = SAMPLE / "boundaries"


def _layer(tmp_path, name, geoms, crs="EPSG:4326", **columns):
    path = tmp_path / name
    gpd.GeoDataFrame(columns or {"id": list(range(1, len(geoms) + 1))}, geometry=geoms,
                     crs=crs).to_file(path)
    return path


def _empty(tmp_path, name="empty.gpkg", crs="EPSG:4326"):
    path = tmp_path / name
    gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs).to_file(path)
    return path


BOWTIE = shapely.Polygon([(130.70, 42.90), (130.75, 42.95), (130.75, 42.90), (130.70, 42.95)])
FAR = shapely.box(10.0, 50.0, 10.1, 50.1)  # Germany: overlaps nothing of the Tumen
SWAPPED = shapely.box(42.90, 130.70, 42.95, 130.75)  # latitude and longitude exchanged


# --- areas of interest ----------------------------------------------------------------------------

def _file(path, content: bytes | None):
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize(("make", "expect"), [
    (lambda t: _empty(t), "holds no polygons"),
    (lambda t: _layer(t, "far.gpkg", [FAR]), "no scene"),
    (lambda t: _layer(t, "swapped.geojson", [SWAPPED]), "longitude and latitude look swapped"),
    (lambda t: _file(t / "zero.geojson", b""), "zero.geojson"),
    (lambda t: _file(t / "bad.geojson", b'{"type": "FeatureCollection", "features": ['), "bad.geojson"),
    (lambda t: _file(t / "folder.gpkg", None), "folder.gpkg"),
], ids=["empty", "far-away", "lat-lon-swapped", "zero-byte", "truncated-json", "folder"])
def test_hostile_areas_of_interest(cli, tmp_path, make, expect):
    aoi = make(tmp_path)
    out = tmp_path / "items.json"
    refused(cli("scenes", "search", "--stac", SAMPLE / "stac" / "catalog.json", "--aoi", aoi, "--out", out),
            expect)
    assert not out.exists()


def test_invalid_aoi_geometry_is_repaired_or_refused_in_one_sentence(cli, tmp_path):
    aoi = _layer(tmp_path, "bowtie.gpkg", [BOWTIE])
    r = cli("scenes", "search", "--stac", SAMPLE / "stac" / "catalog.json", "--aoi", aoi,
            "--out", tmp_path / "items.json")
    assert r.exit_code in (0, 2) and "Traceback" not in r.stderr
    if r.exit_code == 2:
        refused(r, "bowtie.gpkg")


@pytest.mark.parametrize("bbox", ["nan,42,131,43", "130,42,inf,43", "131,42,130,43",
                                  "42.9,130.7,42.95,130.75", "1e400,0,1,1", "130,42,131", "a,b,c,d"])
def test_hostile_bounding_boxes(cli, tmp_path, bbox):
    refused(cli("scenes", "search", "--stac", SAMPLE / "stac" / "catalog.json", "--bbox", bbox,
                "--out", tmp_path / "items.json"), "bbox")
    assert not (tmp_path / "items.json").exists()


# --- national layers for the base map --------------------------------------------------------------

def _shapefile_cp1251(tmp_path, folder_name="ru"):
    folder = tmp_path / folder_name
    folder.mkdir()
    gdf = gpd.read_file(BOUNDARIES / "ru_leopard_np.shp")
    gdf.to_file(folder / "ru_leopard_np.shp", encoding="cp1251")
    (folder / "ru_leopard_np.cpg").unlink(missing_ok=True)
    return folder


@pytest.mark.parametrize("how", ["folder", "zip"])
def test_cp1251_shapefile_without_cpg_in_a_folder_or_zip_needs_an_encoding(cli, tmp_path, how):
    folder = _shapefile_cp1251(tmp_path)
    if how == "zip":
        spec = tmp_path / "ru_leopard_np.shp.zip"
        with zipfile.ZipFile(spec, "w") as z:
            for p in folder.iterdir():
                z.write(p, p.name)
    else:
        spec = folder
    out = tmp_path / "basemap.gpkg"
    refused(cli("basemap", "--layer", spec, "--out", out), "encoding")
    assert not out.exists()


def test_empty_park_layer(cli, tmp_path):
    empty = tmp_path / "ru_leopard_np.shp"
    gpd.GeoDataFrame({"NAME": []}, geometry=gpd.GeoSeries([], crs="EPSG:28422"),
                     crs="EPSG:28422").to_file(empty, encoding="utf-8")
    out = tmp_path / "basemap.gpkg"
    refused(cli("basemap", "--layer", empty, "--out", out), "ru_leopard_np.shp")
    assert not out.exists()


def test_crs_less_layer_without_assume_crs(cli, tmp_path):
    gdf = gpd.read_file(BOUNDARIES / "ru_leopard_np.shp")
    folder = tmp_path / "nocrs"
    folder.mkdir()
    gdf.to_file(folder / "ru_leopard_np.shp", encoding="utf-8")
    (folder / "ru_leopard_np.prj").unlink()
    out = tmp_path / "basemap.gpkg"
    refused(cli("basemap", "--layer", folder / "ru_leopard_np.shp", "--out", out), "--assume-crs")
    assert not out.exists()


@pytest.mark.parametrize("crs", ["EPSG:999999", "+proj=nonsense", "<script>", "EPSG:4326" * 2000])
def test_hostile_project_crs(cli, tmp_path, crs):
    out = tmp_path / "basemap.gpkg"
    msg = refused(cli("basemap", "--layer", BOUNDARIES / "ru_leopard_np.shp", "--crs", crs, "--out", out),
                  "--crs")
    assert len(msg) < 400 and not out.exists()


def test_a_layer_of_points_where_parks_are_expected(cli, tmp_path):
    pts = _layer(tmp_path, "ru_leopard_np.gpkg", [shapely.Point(131.0, 43.0)], crs="EPSG:4326",
                 NAME=["x"])
    mapping = tmp_path / "m.yaml"
    mapping.write_text("layers:\n  ru_leopard_np.gpkg:\n    target: parks\n    country: RUS\n"
                       "    fields: {name_ru: NAME}\n", encoding="utf-8")
    out = tmp_path / "basemap.gpkg"
    refused(cli("basemap", "--layer", pts, "--mapping", mapping, "--out", out), "ru_leopard_np.gpkg",
            "Polygon")
    assert not out.exists()


# --- training and reference samples, cores, borders, barriers -------------------------------------

def test_training_samples_that_do_not_overlap_the_composite(cli, tmp_path, products, out):
    far = gpd.read_file(TRAINING).to_crs(4326)
    far["geometry"] = far.geometry.translate(20.0, 0.0)
    far.to_file(tmp_path / "far.gpkg")
    tree = Tree(out)
    refused(cli("classify", products / "composite_summer.tif", "--training", tmp_path / "far.gpkg",
                "--out", out / "h.tif"), "far.gpkg")
    tree.unchanged()


def test_training_file_is_empty_or_has_no_label(cli, tmp_path, products, out):
    tree = Tree(out)
    refused(cli("classify", products / "composite_summer.tif", "--training", _empty(tmp_path),
                "--out", out / "h.tif"), "empty.gpkg")
    nolabel = _layer(tmp_path, "nolabel.gpkg", [shapely.Point(130.8, 42.95)], colour=["red"])
    refused(cli("classify", products / "composite_summer.tif", "--training", nolabel,
                "--out", out / "h.tif"), "nolabel.gpkg")
    tree.unchanged()


def test_accuracy_reference_far_away(cli, tmp_path, products, out):
    far = gpd.read_file(SAMPLE / "samples" / "validation_points.gpkg")
    far["geometry"] = far.to_crs(4326).geometry.translate(20.0, 0.0)
    far = far.set_crs(4326, allow_override=True)
    far.to_file(tmp_path / "far.gpkg")
    tree = Tree(out)
    refused(cli("accuracy", products / "habitat.tif", "--reference", tmp_path / "far.gpkg",
                "--out", out / "rep"), "far.gpkg")
    tree.unchanged()


@pytest.mark.parametrize(("make", "expect"), [
    (lambda t: _empty(t, "cores.gpkg"), "cores.gpkg"),
    (lambda t: _layer(t, "cores.gpkg", [FAR, FAR.buffer(0.1)]), "outside"),
    (lambda t: _layer(t, "cores.gpkg", [shapely.Point(130.8, 42.95)]), "cores.gpkg"),
], ids=["empty", "outside-grid", "one-core"])
def test_hostile_cores(cli, tmp_path, products, out, make, expect):
    cores = make(tmp_path)
    tree = Tree(out)
    refused(cli("corridors", "leastcost", "-r", products / "resistance_amur_leopard.tif", "--cores", cores,
                "--out", out), expect)
    refused(cli("corridors", "circuit", "-r", products / "resistance_amur_leopard.tif", "--focal", cores,
                "--out", out), "cores.gpkg")
    tree.unchanged()


@pytest.mark.parametrize("select", ["zone_class", "nope=core", "=", "zone_class=" + "x" * 10_000])
def test_hostile_feature_selection(cli, products, out, select):
    tree = Tree(out)
    msg = refused(cli("corridors", "leastcost", "-r", products / "resistance_amur_leopard.tif",
                      "--cores", f"{products / 'basemap.gpkg'}:zones", "--select", select, "--out", out),
                  "basemap.gpkg")
    assert len(msg) < 500
    tree.unchanged()


def test_border_layer_far_away_or_empty(cli, tmp_path, products, out):
    tree = Tree(out)
    far = _layer(tmp_path, "border.gpkg", [shapely.LineString([(10, 50), (10.1, 50.1)])])
    refused(cli("corridors", "border", "--current", products / "circuit" / "cum_current.tif",
                "--border", far, "--out", out), "border.gpkg")
    refused(cli("corridors", "border", "--current", products / "circuit" / "cum_current.tif",
                "--border", _empty(tmp_path, "nob.gpkg"), "--out", out), "nob.gpkg")
    tree.unchanged()


@pytest.mark.parametrize("spec", ["roads.gpkg:nan", "roads.gpkg:inf", "roads.gpkg:-5", "roads.gpkg:1e9",
                                  "roads.gpkg", "roads.gpkg:nolayer:500"])
def test_hostile_barriers(cli, tmp_path, products, out, spec):
    _layer(tmp_path, "roads.gpkg", [shapely.LineString([(130.75, 42.9), (130.8, 42.95)])])
    tree = Tree(out)
    refused(cli("corridors", "resistance", products / "habitat.tif", "--species", "amur_leopard",
                "--barrier", str(tmp_path / spec), "--out", out / "r.tif"),
            "has no layer 'nolayer'" if "nolayer" in spec else "--barrier")
    tree.unchanged()


def test_sheet_grid_of_an_area_far_from_both_nomenclatures(cli, tmp_path):
    aoi = _layer(tmp_path, "south.gpkg", [shapely.box(130.0, -43.0, 130.1, -42.9)])
    out = tmp_path / "sheets.gpkg"
    refused(cli("sheets", "grid", "--aoi", aoi, "--out", out), "south.gpkg")
    assert not out.exists()
