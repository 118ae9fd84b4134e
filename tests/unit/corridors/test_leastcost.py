"""``habitatmap corridors leastcost`` against scikit-image's MCP_Geometric and hand-worked cases."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.features
import shapely
from affine import Affine
from skimage.graph import MCP_Geometric

from habitatmap.errors import ConfigError

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


def test_compute_write_and_run(tmp_path):
    from habitatmap.corridors.focal import read_focal, read_resistance
    from habitatmap.corridors.leastcost import (
        LeastCostResult,
        LeastCostRun,
        least_cost_corridors,
        run_leastcost,
        write_leastcost,
    )

    res_arr = np.ones((20, 30))
    res_arr[5:15, 14:16] = 50.0
    tif = _raster(tmp_path / "r.tif", res_arr)
    gpd.GeoDataFrame({"name": ["a", "b", "c"]},
                     geometry=[shapely.Point(*_xy(10, 2)), shapely.Point(*_xy(10, 27)),
                               shapely.Point(*_xy(1, 1))],
                     crs="EPSG:32652").to_file(tmp_path / "c.gpkg")
    res, grid = read_resistance(tif)
    cores = read_focal(str(tmp_path / "c.gpkg"), grid, res, what="core")
    result = least_cost_corridors(res, grid, cores, scratch=tmp_path)
    assert isinstance(result, LeastCostResult) and len(result.table) == 3 and set(result.cwd) == {1, 2, 3}
    assert np.nanmin(result.mosaic) == pytest.approx(0.0, abs=1e-3)
    folder = tmp_path / "w"
    folder.mkdir()
    files = write_leastcost(result, folder)
    assert sorted(files) == sorted(["cwd_1.tif", "cwd_2.tif", "cwd_3.tif", "corridors.tif", "corridors.csv",
                                    "corridors.gpkg"])
    with pytest.raises(ConfigError, match="--width-cutoff nan"):
        least_cost_corridors(res, grid, cores, width_cutoff=float("nan"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    run = run_leastcost(tif, str(tmp_path / "c.gpkg"), out)
    assert isinstance(run, LeastCostRun) and (out / "notes.txt").read_text() == "mine"
    assert (out / "cwd_3.tif").exists()
    # A second run with two cores replaces this command's own products, cwd_3.tif included.
    gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[shapely.Point(*_xy(10, 2)), shapely.Point(*_xy(10, 27))],
                     crs="EPSG:32652").to_file(tmp_path / "c2.gpkg")
    run_leastcost(tif, str(tmp_path / "c2.gpkg"), out)
    assert not (out / "cwd_3.tif").exists() and (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
