"""``habitatmap corridors border``: ranked border segments and pinch points on a known current map."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

T = Affine(100, 0, 500_000, 0, -100, 4_800_000)  # 100 m cells


def _current(path: Path) -> Path:
    cur = np.full((60, 100), 0.01)
    cur[:, 20:23] = 0.3  # a broad corridor crossing the border (a horizontal line at row 30)
    cur[:, 70] = 1.0  # a one-cell pinch carrying more
    cur[45:, :] = np.nan
    with rasterio.open(path, "w", driver="GTiff", width=100, height=60, count=1, dtype="float32",
                       crs="EPSG:32652", transform=T, nodata=float("nan")) as ds:
        ds.write(cur.astype(np.float32), 1)
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_segments_ranked_and_pinch_point_found(tmp_path, cli):
    cur = _current(tmp_path / "cum.tif")
    y = T.f - 30.5 * 100
    line = shapely.LineString([(T.c, y), (T.c + 100 * 100, y)])  # 10 km along row 30
    gpd.GeoDataFrame({"name": ["border"]}, geometry=[line], crs="EPSG:32652").to_crs("EPSG:4326").to_file(
        tmp_path / "border.geojson")
    result = cli("corridors", "border", "--current", cur, "--border", tmp_path / "border.geojson",
                 "--out", tmp_path / "b", "--segment-km", "1")
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "b" / "border_segments.csv")
    assert len(rows) == 10
    by_seg = {int(r["segment"]): r for r in rows}
    # Segment 8 (km 7-8) holds the 1.0 pinch column: 1.0 + 9 x 0.01; segment 3 (km 2-3) holds three
    # 0.3 columns: 0.9 + 7 x 0.01.
    assert float(by_seg[8]["crossing_current"]) == pytest.approx(1.09, rel=1e-4)
    assert float(by_seg[3]["crossing_current"]) == pytest.approx(0.97, rel=1e-4)
    assert by_seg[8]["rank"] == "1" and by_seg[3]["rank"] == "2"
    shares = sum(float(r["share_pct"]) for r in rows)
    assert shares == pytest.approx(100, abs=0.1)
    pins = gpd.read_file(tmp_path / "b" / "border.gpkg", layer="pinch_points")
    assert len(pins) >= 1
    top = pins.sort_values("rank").iloc[0]
    assert top.current == pytest.approx(1.0) and int(top.segment) == 8
    assert abs(top.geometry.x - (T.c + 70.5 * 100)) < 100


def test_border_off_the_map_is_refused(tmp_path, cli):
    cur = _current(tmp_path / "cum.tif")
    far = shapely.LineString([(0, 0), (1000, 0)])
    gpd.GeoDataFrame(geometry=[far], crs="EPSG:32652").to_file(tmp_path / "far.gpkg")
    result = cli("corridors", "border", "--current", cur, "--border", tmp_path / "far.gpkg", "--out",
                 tmp_path / "b")
    assert result.exit_code == 2 and "does not cross the current map" in result.output


def test_excluded_areas_drop_out_of_the_sums(tmp_path, cli):
    cur = _current(tmp_path / "cum.tif")
    y = T.f - 30.5 * 100
    line = shapely.LineString([(T.c, y), (T.c + 100 * 100, y)])
    gpd.GeoDataFrame(geometry=[line], crs="EPSG:32652").to_file(tmp_path / "border.gpkg")
    core = shapely.box(T.c + 69 * 100, y - 500, T.c + 72 * 100, y + 500)  # over the pinch column
    cores = gpd.GeoDataFrame({"zone_class": ["core"]}, geometry=[core], crs="EPSG:32652")
    cores.to_file(tmp_path / "core.gpkg")
    result = cli("corridors", "border", "--current", cur, "--border", tmp_path / "border.gpkg", "--out",
                 tmp_path / "b", "--exclude", tmp_path / "core.gpkg", "--exclude-select", "zone_class=core")
    assert result.exit_code == 0, result.output
    by_seg = {int(r["segment"]): r for r in _rows(tmp_path / "b" / "border_segments.csv")}
    assert by_seg[3]["rank"] == "1"
    assert float(by_seg[8]["peak_current"]) == pytest.approx(0.01)


def test_compute_write_and_run_directly(tmp_path):
    from habitatmap.corridors.border import (
        BorderResult,
        BorderRun,
        border_crossings,
        run_border,
        write_border,
    )
    from habitatmap.errors import ConfigError
    from habitatmap.grid import Grid
    from habitatmap.io.raster import read_raster

    raster = read_raster(_current(tmp_path / "cum.tif"), dtype=np.float64)
    y = T.f - 30.5 * 100
    line = shapely.LineString([(T.c, y), (T.c + 100 * 100, y)])
    result = border_crossings(raster.data, raster.grid, line, segment_km=1.0)
    assert isinstance(result, BorderResult) and len(result.segments) == 10
    assert result.pinch_points[0]["segment"] == 8
    folder = tmp_path / "w"
    folder.mkdir()
    assert write_border(result, folder) == ["border_segments.csv", "border.gpkg"]
    # Size-like options are bounded by the data (1e-6 km used to run without end) and must be numbers.
    for bad in (float("nan"), float("inf"), 1e-6, -1.0):
        with pytest.raises(ConfigError, match="--segment-km"):
            border_crossings(raster.data, raster.grid, line, segment_km=bad)
    with pytest.raises(ConfigError, match="--pinch-share"):
        border_crossings(raster.data, raster.grid, line, pinch_share=float("nan"))
    with pytest.raises(Exception, match="geographic CRS"):
        border_crossings(raster.data, Grid("EPSG:4326", raster.grid.transform, 100, 60), line)
    gpd.GeoDataFrame(geometry=[line], crs="EPSG:32652").to_file(tmp_path / "border.gpkg")
    run = run_border(tmp_path / "cum.tif", str(tmp_path / "border.gpkg"), tmp_path / "b")
    assert isinstance(run, BorderRun) and "provenance.json" in run.files and run.segments[0]["segment"] == 1


def test_border_parts_and_cut_line():
    from habitatmap.corridors.border import border_parts, cut_line
    from habitatmap.errors import InputDataError

    parts = border_parts([shapely.LineString([(0, 0), (0, 1000)]),
                          shapely.LineString([(0, 1000), (0, 2500)])])
    assert len(parts) == 1 and parts[0].length == 2500  # merged into one line
    pieces = cut_line(parts[0], 1000, 15)
    assert [(a, b) for a, b, _ in pieces] == [(0, 1000), (1000, 2000), (2000, 2500)]
    assert cut_line(shapely.LineString([(0, 0), (1010, 0)]), 1000, 15)[-1][1] == 1010  # 10 m joins
    with pytest.raises(InputDataError, match="no lines"):
        border_parts([])
