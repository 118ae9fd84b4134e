"""``habitatmap corridors leastcost`` against scikit-image's MCP_Geometric and hand-worked cases."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.features
import shapely
from affine import Affine
from skimage.graph import MCP_Geometric

from habitatmap.corridors.costdist import cost_distance, least_cost_path

T = Affine(30, 0, 600_000, 0, -30, 4_750_000)


def _raster(path: Path, arr: np.ndarray) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                       dtype="float64", crs="EPSG:32652", transform=T, nodata=float("nan")) as ds:
        ds.write(arr, 1)
    return path


def _xy(r: float, c: float) -> tuple[float, float]:
    return T.c + (c + 0.5) * 30, T.f - (r + 0.5) * 30


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_cost_distance_equals_mcp_geometric():
    rng = np.random.default_rng(5)
    res = rng.uniform(1, 80, (120, 150))
    res[20:100, 70] = np.nan
    src = np.zeros(res.shape, bool)
    src[5, 5] = src[110, 140] = True
    ours = cost_distance(res, src, cellsize=30.0)
    mcp = MCP_Geometric(np.where(np.isnan(res), np.inf, res), sampling=(30.0, 30.0))
    theirs, _ = mcp.find_costs([(5, 5), (110, 140)])
    ok = ~np.isnan(res)
    np.testing.assert_allclose(ours[ok], theirs[ok], rtol=1e-12)
    assert np.isnan(ours[~ok]).all()


def test_uniform_resistance_gives_the_octile_distance():
    res = np.full((61, 61), 2.0)
    src = np.zeros(res.shape, bool)
    src[30, 30] = True
    d = cost_distance(res, src, cellsize=10.0)
    rr, cc = np.mgrid[0:61, 0:61]
    dy, dx = np.abs(rr - 30), np.abs(cc - 30)
    octile = (np.maximum(dx, dy) - np.minimum(dx, dy) + math.sqrt(2) * np.minimum(dx, dy)) * 10.0 * 2.0
    np.testing.assert_allclose(d, octile, rtol=1e-12)


def test_max_distance_stops_the_search():
    res = np.ones((50, 50))
    src = np.zeros(res.shape, bool)
    src[0, 0] = True
    d = cost_distance(res, src, max_distance=10.0)
    assert np.isinf(d[40, 40]) and d[0, 9] == pytest.approx(9.0)


def test_path_follows_the_cheap_valley():
    res = np.full((30, 30), 100.0)
    res[:, 15] = 1.0  # a cheap column
    src = np.zeros(res.shape, bool)
    src[0, 15] = True
    d = cost_distance(res, src)
    path = least_cost_path(d, res, (29, 15))
    assert (path[:, 1] == 15).all() and len(path) == 30


def test_leastcost_cli_table_paths_corridor_and_border(tmp_path, cli):
    rng = np.random.default_rng(8)
    res = rng.uniform(5, 50, (60, 80))
    res[:, 38:42] = 500.0  # a costly strip (a river) ...
    res[28:32, 38:42] = 2.0  # ... with one cheap bridge
    tif = _raster(tmp_path / "res.tif", res)
    cores = [shapely.Point(*_xy(10, 10)).buffer(60), shapely.Point(*_xy(50, 70)).buffer(60),
             shapely.Point(*_xy(55, 5))]
    gpd.GeoDataFrame({"name": ["Земля леопарда", "东北虎豹", "point"]}, geometry=cores,
                     crs="EPSG:32652").to_file(tmp_path / "cores.gpkg")
    border = shapely.LineString([_xy(-1, 40), _xy(61, 40)])
    line = gpd.GeoDataFrame({"name": ["border"]}, geometry=[border], crs="EPSG:32652")
    line.to_crs("EPSG:4326").to_file(tmp_path / "border.geojson")
    out = tmp_path / "lc"
    result = cli("corridors", "leastcost", "-r", tif, "--cores", tmp_path / "cores.gpkg", "--border",
                 tmp_path / "border.geojson", "--out", out)
    assert result.exit_code == 0, result.output
    rows = {(r["core_a"], r["core_b"]): r for r in _rows(out / "corridors.csv")}
    assert set(rows) == {("1", "2"), ("1", "3"), ("2", "3")}
    r12 = rows[("1", "2")]
    assert r12["name_a"] == "Земля леопарда" and r12["border_crossings"] == "1"

    # The least-cost distance equals MCP_Geometric's from core 1's cells to core 2's nearest cell.
    with rasterio.open(out / "cwd_1.tif") as ds:
        cwd1 = ds.read(1)
    def core_cells(geom):
        return np.argwhere(rasterio.features.rasterize([(geom, 1)], out_shape=res.shape, transform=T) > 0)

    starts = [tuple(c) for c in core_cells(cores[0])]
    mcp = MCP_Geometric(res, sampling=(30.0, 30.0))
    cum, _ = mcp.find_costs(starts)
    ends = core_cells(cores[1])
    lcd = cum[ends[:, 0], ends[:, 1]].min()
    assert float(r12["lcd"]) == pytest.approx(lcd, rel=1e-6)
    np.testing.assert_allclose(cwd1, cum, rtol=1e-6)

    layers = gpd.read_file(out / "corridors.gpkg", layer="paths")
    path12 = layers[(layers.core_a == 1) & (layers.core_b == 2)].geometry.iloc[0]
    assert path12.intersects(shapely.box(*_xy(32, 38), *_xy(28, 42)))  # over the bridge
    assert float(r12["path_length_m"]) == pytest.approx(path12.length, abs=0.2)
    assert float(r12["cost_to_euclidean"]) > 1
    with rasterio.open(out / "corridors.tif") as ds:
        mosaic = ds.read(1)
    assert np.nanmin(mosaic) == pytest.approx(0.0, abs=1e-3 * lcd)
    crossings = gpd.read_file(out / "corridors.gpkg", layer="crossings")
    assert len(crossings[(crossings.core_a == 1) & (crossings.core_b == 2)]) == 1
    polys = gpd.read_file(out / "corridors.gpkg", layer="corridors")
    assert polys.geometry.is_valid.all() and (polys.area_ha > 0).all()


def test_leastcost_bad_input(tmp_path, cli):
    tif = _raster(tmp_path / "r.tif", np.ones((10, 10)))
    gpd.GeoDataFrame(geometry=[shapely.Point(*_xy(2, 2)), shapely.Point(*_xy(40, 2))],
                     crs="EPSG:32652").to_file(tmp_path / "c.gpkg")
    result = cli("corridors", "leastcost", "-r", tif, "--cores", tmp_path / "c.gpkg", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "outside the resistance grid" in result.output
    result = cli("corridors", "leastcost", "-r", tif, "--cores", tmp_path / "c.gpkg",
                 "--out", tmp_path / "o", "--max-distance", "-5")
    assert result.exit_code == 2 and "--max-distance" in result.output


def test_a_path_longer_than_the_first_buffer_is_traced_whole():
    res = np.ones((3000, 3))
    src = np.zeros(res.shape, bool)
    src[0, 1] = True
    path = least_cost_path(cost_distance(res, src), res, (2999, 1))
    assert len(path) == 3000 and tuple(path[-1]) == (0, 1) and (np.diff(path[:, 0]) == -1).all()


def test_cores_with_no_route_are_not_linked_and_layers_stay_valid(tmp_path, cli):
    res = np.ones((10, 10))
    res[:, 5] = np.nan
    tif = _raster(tmp_path / "r.tif", res)
    gpd.GeoDataFrame(geometry=[shapely.Point(*_xy(1, 1)), shapely.Point(*_xy(1, 8))],
                     crs="EPSG:32652").to_file(tmp_path / "c.gpkg")
    result = cli("corridors", "leastcost", "-r", tif, "--cores", tmp_path / "c.gpkg", "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert "not linked" in result.output
    (row,) = _rows(tmp_path / "o" / "corridors.csv")
    assert row["linked"] == "False" and row["lcd"] == ""
    assert gpd.read_file(tmp_path / "o" / "corridors.gpkg", layer="paths").empty
