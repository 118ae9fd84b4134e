"""Circuitscape's file formats: grids, point and pair lists, strengths, outputs."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from habitatmap.corridors.circuitscape.files import (
    AsciiGrid,
    format_value,
    read_cell_values,
    read_grid,
    read_pairs,
    read_points,
    read_strengths,
    read_text_rows,
    write_ascii_grid,
    write_resistances,
)
from habitatmap.errors import InputDataError

HEADER = "ncols 3\nnrows 2\nxllcorner 10\nyllcorner 20\ncellsize 2\nNODATA_value -9999\n"


def _grid(tmp_path, body="1 2 3\n4 -9999 6\n", name="g.asc"):
    p = tmp_path / name
    p.write_text(HEADER + body)
    return p


def test_grids_round_trip(tmp_path):
    g = read_grid(_grid(tmp_path))
    assert isinstance(g, AsciiGrid) and g.grid.crs == "" and g.nodata == -9999
    assert np.isnan(g.data[1, 1]) and g.data[0, 2] == 3 and g.grid.bounds == (10.0, 20.0, 16.0, 24.0)
    gz = tmp_path / "g.asc.gz"
    gz.write_bytes(gzip.compress((HEADER + "1 2 3\n4 -9999 6\n").encode()))
    assert np.array_equal(read_grid(gz).data, g.data, equal_nan=True)
    out = write_ascii_grid(tmp_path / "o.asc", np.nan_to_num(g.data, nan=-9999), g.grid, g.nodata)
    assert out.read_text().splitlines()[:3] == ["ncols         3", "nrows         2", "xllcorner     10.0"]
    assert np.array_equal(read_grid(out).data, g.data, equal_nan=True)
    assert format_value(2.0) == "2" and format_value(0.123456789012) == "0.123456789"
    (tmp_path / "bad.asc").write_text("not a grid")
    with pytest.raises(InputDataError, match="cannot read it as a ASCII grid"):
        read_grid(tmp_path / "bad.asc")


def test_points_and_cell_values_follow_circuitscape_placement(tmp_path):
    habitat = read_grid(_grid(tmp_path))
    (tmp_path / "p.txt").write_text("1 11 23\n2 16 20\n")  # (16, 20): on the far edges, inside
    pts = read_points(tmp_path / "p.txt", habitat, tmp_path / "x.ini")
    cells = list(zip(pts.rows.tolist(), pts.cols.tolist(), pts.ids.tolist(), strict=True))
    assert cells == [(0, 0, 1), (1, 2, 2)]
    vals = read_cell_values(tmp_path / "p.txt", habitat, tmp_path / "x.ini")
    assert vals[0, 0] == 1 and vals[1, 2] == 2 and np.isnan(vals[0, 1])
    (tmp_path / "out.txt").write_text("1 11 23\n2 100 20\n")
    with pytest.raises(InputDataError, match="fall outside the habitat grid"):
        read_points(tmp_path / "out.txt", habitat, tmp_path / "x.ini")
    (tmp_path / "one.txt").write_text("1 11 23\n")
    with pytest.raises(InputDataError, match="fewer than two focal points"):
        read_points(tmp_path / "one.txt", habitat, tmp_path / "x.ini")
    (tmp_path / "nan.txt").write_text("1 nan 23\n")
    with pytest.raises(InputDataError, match="finite numbers"):
        read_text_rows(tmp_path / "nan.txt")
    other = _grid(tmp_path, "1 2 3 4\n5 6 7 8\n", "wide.asc")
    (tmp_path / "wide.asc").write_text(HEADER.replace("ncols 3", "ncols 4") + "1 2 3 4\n5 6 7 8\n")
    with pytest.raises(InputDataError, match="4 x 2 cells, but the habitat grid has 3 x 2"):
        read_cell_values(other, habitat, tmp_path / "x.ini")


def test_pairs_and_strengths(tmp_path):
    (tmp_path / "inc.txt").write_text("mode include\n1 2\n")
    mode, excluded, ids = read_pairs(tmp_path / "inc.txt")
    assert mode == "include" and excluded == set() and ids.tolist() == [1, 2]
    (tmp_path / "mat.txt").write_text("min 1\nmax 1\n0 1 2 3\n1 0 1 0\n2 1 0 0\n3 0 0 0\n")
    mode, excluded, ids = read_pairs(tmp_path / "mat.txt")
    assert mode == "include" and (1, 3) in excluded and (1, 2) not in excluded
    (tmp_path / "bad.txt").write_text("hello\n")
    with pytest.raises(InputDataError, match="not an included-pairs file"):
        read_pairs(tmp_path / "bad.txt")
    (tmp_path / "s.txt").write_text("1 2.5\n2 1\n")
    assert read_strengths(tmp_path / "s.txt") == {1: 2.5, 2: 1.0}
    (tmp_path / "s2.txt").write_text("1 inf\n")
    with pytest.raises(InputDataError, match="finite numbers"):
        read_strengths(tmp_path / "s2.txt")


def test_write_resistances(tmp_path):
    files = write_resistances(str(tmp_path / "r"), np.array([1, 2]), np.array([[0, 3.5], [3.5, 0]]))
    assert [f.name for f in files] == ["r_resistances.out", "r_resistances_3columns.out"]
    assert files[0].read_text() == "0 1 2\n1 0 3.5\n2 3.5 0\n" and files[1].read_text() == "1 2 3.5\n"
