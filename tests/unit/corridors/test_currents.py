"""``habitatmap corridors circuit`` on GeoTIFFs and vector focal files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from habitatmap.errors import ConfigError

T = Affine(30, 0, 600_000, 0, -30, 4_750_000)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _raster(path: Path, arr: np.ndarray) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                       dtype="float32", crs="EPSG:32652", transform=T, nodata=float("nan")) as ds:
        ds.write(arr.astype(np.float32), 1)
    return path


def _points(path: Path, cells: list[tuple[int, int]], crs: str = "EPSG:32652", **cols) -> Path:
    geoms = [shapely.Point(T.c + (c + 0.5) * 30, T.f - (r + 0.5) * 30) for r, c in cells]
    gdf = gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:32652").to_crs(crs)
    gdf.to_file(path)
    return path


@pytest.fixture()
def landscape(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(3)
    res = rng.uniform(1, 20, (40, 50))
    res[10:30, 24:26] = np.nan  # a wall with gaps above and below
    tif = _raster(tmp_path / "res.tif", res)
    pts = _points(tmp_path / "cores.gpkg", [(5, 5), (35, 45), (20, 10), (2, 48)],
                  name=["west", "east", "middle", "north-east"], crs="EPSG:4326")
    return tif, pts


def test_pairwise_matches_the_circuitscape_front_end(landscape, tmp_path, cli, monkeypatch):
    tif, pts = landscape
    result = cli("corridors", "circuit", "-r", tif, "--focal", pts, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    rows = _rows(out / "resistances.csv")
    assert len(rows) == 6 and {r["name_a"] for r in rows} >= {"west", "east"}
    ours = {(int(r["id_a"]), int(r["id_b"])): float(r["effective_resistance"]) for r in rows}

    # The same grid and points through a Circuitscape .ini.
    with rasterio.open(tif) as ds:
        arr = ds.read(1)
    asc = tmp_path / "res.asc"
    body = "\n".join(" ".join("-9999" if np.isnan(v) else repr(float(v)) for v in row) for row in arr)
    asc.write_text(f"ncols 50\nnrows 40\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value -9999\n{body}\n")
    (tmp_path / "pts.txt").write_text("1 5.5 34.5\n2 45.5 4.5\n3 10.5 19.5\n4 48.5 37.5\n")
    (tmp_path / "cs").mkdir()
    (tmp_path / "run.ini").write_text(
        "[x]\ndata_type = raster\nscenario = pairwise\nhabitat_file = res.asc\n"
        "habitat_map_is_resistances = True\npoint_file = pts.txt\noutput_file = cs/run.out\n")
    monkeypatch.chdir(tmp_path)
    assert cli("circuitscape", "run.ini").exit_code == 0
    mat = np.loadtxt(tmp_path / "cs" / "run_resistances.out")
    for (a, b), r in ours.items():
        assert r == pytest.approx(mat[a, b], rel=1e-7)

    with rasterio.open(out / "cum_current.tif") as ds:
        cum = ds.read(1)
        assert ds.crs.to_epsg() == 32652 and ds.transform == T
    assert np.isnan(cum[15, 24]) and np.nanmax(cum) > 0
    record = json.loads((out / "provenance.json").read_text())
    assert record["operations"][0]["source_crs"].endswith("4326")
    assert {o["path"] for o in record["outputs"]} >= {"cum_current.tif", "max_current.tif", "resistances.csv"}


def test_focal_outside_or_on_nodata_is_named(landscape, tmp_path, cli):
    tif, _ = landscape
    bad = _points(tmp_path / "bad.gpkg", [(5, 5), (15, 24), (80, 10)], name=["ok", "wall", "far"])
    result = cli("corridors", "circuit", "-r", tif, "--focal", bad, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert "3 (far)" in result.output and "outside the resistance grid" in result.output
    bad2 = _points(tmp_path / "bad2.gpkg", [(5, 5), (15, 24)], name=["ok", "wall"])
    result = cli("corridors", "circuit", "-r", tif, "--focal", bad2, "--out", tmp_path / "o")
    assert result.exit_code == 2 and "2 (wall)" in result.output and "nodata" in result.output
    assert not (tmp_path / "o").exists()


def test_resistance_not_positive_is_refused(tmp_path, cli):
    res = np.ones((10, 10))
    res[3, 4] = 0
    tif = _raster(tmp_path / "r.tif", res)
    pts = _points(tmp_path / "p.gpkg", [(1, 1), (8, 8)])
    result = cli("corridors", "circuit", "-r", tif, "--focal", pts, "--out", tmp_path / "o")
    assert result.exit_code == 2 and "resistance <= 0" in result.output and "row 3, column 4" in result.output


def test_disconnected_cores_get_minus_one(tmp_path, cli):
    res = np.ones((10, 10))
    res[:, 5] = np.nan
    tif = _raster(tmp_path / "r.tif", res)
    pts = _points(tmp_path / "p.gpkg", [(1, 1), (8, 8), (8, 1)])
    result = cli("corridors", "circuit", "-r", tif, "--focal", pts, "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    rows = {(r["id_a"], r["id_b"]): float(r["effective_resistance"])
            for r in _rows(tmp_path / "o" / "resistances.csv")}
    assert rows[("1", "2")] == -1 and rows[("1", "3")] > 0


def test_polygon_cores_are_short_circuit_regions_and_advanced_mode(tmp_path, cli):
    res = np.ones((20, 30))
    tif = _raster(tmp_path / "r.tif", res)
    # Two cores covering whole columns: the strip between them is 20 rows of parallel unit links.
    west = shapely.box(T.c, T.f - 20 * 30, T.c + 3 * 30, T.f)
    east = shapely.box(T.c + 27 * 30, T.f - 20 * 30, T.c + 30 * 30, T.f)
    cores = gpd.GeoDataFrame({"name": ["w", "e"]}, geometry=[west, east], crs="EPSG:32652")
    cores.to_file(tmp_path / "c.gpkg")
    result = cli("corridors", "circuit", "-r", tif, "--focal", tmp_path / "c.gpkg", "--four-neighbors",
                 "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    (row,) = _rows(tmp_path / "o" / "resistances.csv")
    # 25 steps (column 2 to 27), 20 rows in parallel.
    assert float(row["effective_resistance"]) == pytest.approx(25 / 20)
    # Advanced: 1 A into each west-core cell, every east-core cell tied directly to ground.
    gpd.GeoDataFrame({"current": [1.0]}, geometry=[west], crs="EPSG:32652").to_file(tmp_path / "s.gpkg")
    gpd.GeoDataFrame({"name": ["e"]}, geometry=[east], crs="EPSG:32652").to_file(tmp_path / "g.gpkg")
    result = cli("corridors", "circuit", "-r", tif, "--mode", "advanced", "--sources", tmp_path / "s.gpkg",
                 "--grounds", tmp_path / "g.gpkg", "--four-neighbors", "--out", tmp_path / "adv")
    assert result.exit_code == 0, result.output
    with rasterio.open(tmp_path / "adv" / "voltage.tif") as ds:
        volt = ds.read(1)
    assert (volt[:, 27:] == 0).all()
    # No current crosses rows, so every column holds one voltage; 60 A in all over 20 parallel rows
    # drop 3 V per step between the cores.
    np.testing.assert_allclose(volt, volt[:1].repeat(20, axis=0), rtol=1e-6)
    np.testing.assert_allclose(np.diff(volt[0, 2:28]), -3.0, rtol=1e-6)
    with rasterio.open(tmp_path / "adv" / "current.tif") as ds:
        cur = ds.read(1)
    assert cur[:, 10].sum() == pytest.approx(60.0, rel=1e-6)


def test_overlapping_focal_features_and_non_numeric_sources_are_refused(tmp_path, cli):
    tif = _raster(tmp_path / "r.tif", np.ones((20, 20)))
    core = shapely.box(T.c, T.f - 10 * 30, T.c + 10 * 30, T.f)
    inside = shapely.Point(T.c + 5.5 * 30, T.f - 5.5 * 30)
    gpd.GeoDataFrame({"name": ["core", "camp"]}, geometry=[core, inside],
                     crs="EPSG:32652").to_file(tmp_path / "f.gpkg")
    result = cli("corridors", "circuit", "-r", tif, "--focal", tmp_path / "f.gpkg", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "1 (core), 2 (camp) overlap" in result.output
    gpd.GeoDataFrame({"current": ["lots"]}, geometry=[inside], crs="EPSG:32652").to_file(tmp_path / "s.gpkg")
    gpd.GeoDataFrame(geometry=[shapely.Point(T.c + 15.5 * 30, T.f - 15.5 * 30)],
                     crs="EPSG:32652").to_file(tmp_path / "g.gpkg")
    result = cli("corridors", "circuit", "-r", tif, "--mode", "advanced", "--sources", tmp_path / "s.gpkg",
                 "--grounds", tmp_path / "g.gpkg", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "'current' must hold finite numbers" in result.output
    assert not (tmp_path / "o").exists()


def test_circuit_flow_result_writer_and_runner(landscape, tmp_path):
    from habitatmap.corridors.currents import (
        MODES,
        CircuitResult,
        CircuitRun,
        SolveWriter,
        circuit_flow,
        run_circuit,
        write_circuit,
    )
    from habitatmap.corridors.focal import read_focal, read_resistance

    tif, pts = landscape
    res, grid = read_resistance(tif)
    focal = read_focal(str(pts), grid, res)
    maps = tmp_path / "maps"
    maps.mkdir()
    writer = SolveWriter(maps, grid, ~np.isfinite(res))
    result = circuit_flow(res, grid, mode="pairwise", focal=focal, pair_maps=True, on_solve=writer)
    assert isinstance(result, CircuitResult) and result.resistances.shape == (4, 4) and MODES[0] == "pairwise"
    assert len(writer.files) == 12 and all((maps / f).is_file() for f in writer.files)  # 6 pairs x 2
    files = write_circuit(result, maps)
    assert {"resistances.csv", "resistance_matrix.csv", "cum_current.tif", "max_current.tif"} == set(files)
    with pytest.raises(ConfigError, match="--focal is required"):
        circuit_flow(res, grid, mode="one-to-all")
    with pytest.raises(ConfigError, match="--mode 'sideways'"):
        circuit_flow(res, grid, mode="sideways")
    out = tmp_path / "run"
    out.mkdir()
    (out / "README.txt").write_text("my notes")
    run = run_circuit(tif, out, focal=str(pts))
    assert isinstance(run, CircuitRun) and "provenance.json" in run.files
    assert (out / "README.txt").read_text() == "my notes"  # the folder writer used to delete it
    record = json.loads((out / "provenance.json").read_text())
    assert record["product"] == "corridors.circuit" and record["inputs"][0]["sha256"]
    assert {o["path"] for o in record["outputs"]} == set(run.files) - {"provenance.json"}

