"""Resistance surfaces from the legend, barriers burned in, window independence, bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import LineString

from habitatmap.corridors.resistance import (
    Barrier,
    ResistanceResult,
    barrier_shapes,
    parse_barrier,
    resistance_surface,
)
from habitatmap.errors import ConfigError, InputDataError, LegendError
from habitatmap.legend import load_legend

T = Affine(30, 0, 600_000, 0, -30, 4_760_000)


@pytest.fixture(scope="module")
def legend():
    return load_legend()


@pytest.fixture()
def habitat(tmp_path, legend):
    rng = np.random.default_rng(0)
    codes = np.array([legend.nodata, *legend.codes], dtype=np.uint8)
    data = rng.choice(codes, size=(50, 70)).astype(np.uint8)
    path = tmp_path / "habitat.tif"
    with rasterio.open(path, "w", driver="GTiff", width=70, height=50, count=1, dtype="uint8",
                       crs="EPSG:32652", transform=T, nodata=0) as ds:
        ds.write(data, 1)
    return path, data


def test_values_come_from_the_legend(habitat, legend, tmp_path):
    path, data = habitat
    resistance_surface(path, "snow_leopard", tmp_path / "r.tif", legend)
    with rasterio.open(tmp_path / "r.tif") as ds:
        r = ds.read(1)
        assert ds.tags()["SPECIES"] == "snow_leopard" and np.isnan(ds.nodata)
    table = legend.resistance("snow_leopard")
    for code in legend.codes:
        assert np.all(r[data == code] == np.float32(table[code]))
    assert np.isnan(r[data == 0]).all()


def test_barriers_burn_every_touched_pixel_and_windows_do_not_matter(habitat, legend, tmp_path):
    path, data = habitat
    x = 600_000 + 30 * 20.5  # down the middle of column 20
    road = gpd.GeoDataFrame(geometry=[LineString([(x, 4_760_000), (x, 4_760_000 - 30 * 50)])],
                            crs="EPSG:32652").to_crs(4326)  # stored in WGS 84: moved back onto the grid
    road.to_file(tmp_path / "road.gpkg")
    b = [Barrier(str(tmp_path / "road.gpkg"), 700.0)]
    res = resistance_surface(path, "amur_leopard", tmp_path / "a.tif", legend, barriers=b, block=16)
    resistance_surface(path, "amur_leopard", tmp_path / "b.tif", legend, barriers=b, block=1024)
    with rasterio.open(tmp_path / "a.tif") as a, rasterio.open(tmp_path / "b.tif") as c:
        ra, rb = a.read(1), c.read(1)
    np.testing.assert_array_equal(ra, rb)
    valid = data[:, 20] != 0
    assert np.all(ra[valid, 20] == 700.0) and np.isnan(ra[~valid, 20]).all()
    assert res.barrier_pixels[str(tmp_path / "road.gpkg")] == int(valid.sum())
    # Everywhere else the legend's value is untouched.
    table = legend.resistance("amur_leopard")
    others = np.ones(data.shape, bool)
    others[:, 20] = False
    others &= data != 0
    expected = np.vectorize(lambda c: np.float32(table[int(c)]))(data[others])
    np.testing.assert_array_equal(ra[others], expected)


def test_bad_input(habitat, legend, tmp_path):
    path, _ = habitat
    with pytest.raises(LegendError, match="no resistances for species 'lynx'"):
        resistance_surface(path, "lynx", tmp_path / "r.tif", legend)
    with pytest.raises(ConfigError, match="FILE:VALUE"):
        parse_barrier("roads.gpkg")
    with pytest.raises(ConfigError, match=r"outside the legend.s scale; give a value from 1 to 1000"):
        parse_barrier("roads.gpkg:5000")
    assert parse_barrier("x.gpkg:roads:500") == Barrier("x.gpkg:roads", 500.0)
    bad = tmp_path / "bad.tif"
    with rasterio.open(bad, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
                       crs="EPSG:32652", transform=T, nodata=0) as ds:
        ds.write(np.full((4, 4), 99, np.uint8), 1)
    with pytest.raises(InputDataError, match=r"values 99 that are not codes"):
        resistance_surface(bad, "amur_leopard", tmp_path / "r.tif", legend)
    assert not (tmp_path / "r.tif").exists()


def test_cli(cli, habitat, tmp_path):
    path, _ = habitat
    r = cli("corridors", "resistance", path, "--species", "amur_tiger", "--out", tmp_path / "r.tif")
    assert r.exit_code == 0, r.stderr
    r = cli("corridors", "resistance", path, "--species", "lynx", "--out", tmp_path / "x.tif")
    assert r.exit_code == 2 and "lynx" in r.stderr


def test_barrier_shapes_and_result(habitat, legend, tmp_path):
    import json

    from habitatmap.io.raster import raster_grid

    line = LineString([(600_100, 4_759_900), (600_900, 4_759_100)])
    gpd.GeoDataFrame(geometry=[line], crs="EPSG:32652").to_crs(4326).to_file(tmp_path / "road.gpkg")
    path, _ = habitat
    grid = raster_grid(path)
    shapes, op = barrier_shapes(Barrier(str(tmp_path / "road.gpkg"), 500.0), grid)
    assert len(shapes) == 1 and op is not None and shapes[0].length == pytest.approx(line.length, rel=1e-3)
    result = resistance_surface(path, "amur_tiger", tmp_path / "r.tif", legend,
                                barriers=[Barrier(str(tmp_path / "road.gpkg"), 500.0)])
    assert isinstance(result, ResistanceResult) and result.species == "amur_tiger"
    with rasterio.open(result.path) as ds:
        record = json.loads(ds.tags()["HABITATMAP_PROVENANCE"])
    assert record["product"] == "corridors.resistance" and record["parameters"]["species"] == "amur_tiger"
    assert [i["role"] for i in record["inputs"]] == ["habitat map", "barrier"]
