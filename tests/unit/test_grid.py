"""The one grid: construction, coordinates, windows and sub-grids."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from affine import Affine
from rasterio.windows import Window

from habitatmap.errors import InputDataError
from habitatmap.grid import Grid, crs_label, utm_epsg


def test_utm_epsg_and_crs_label():
    assert utm_epsg(130.7, 42.9) == 32652 and utm_epsg(-70, -33) == 32719
    assert utm_epsg(180.0, 0) == 32660
    assert crs_label(4326) == "EPSG:4326"
    assert crs_label("+proj=tmerc +lon_0=129 +ellps=krass").startswith(("PROJCRS", "BOUNDCRS"))


def test_from_bounds_snaps_to_the_anchor_lattice():
    g = Grid.from_bounds("EPSG:32652", (100.0, 200.0, 161.0, 259.0), 30.0, anchor=(15.0, 15.0))
    assert g.bounds == (75.0, 195.0, 165.0, 285.0) and g.shape == (3, 3)
    assert g.resolution == 30.0 and g.square and g.pixel_area == 900.0
    with pytest.raises(ValueError):
        Grid.from_bounds("EPSG:32652", (0, 0, 1, 1), 0.0)
    with pytest.raises(ValueError):
        Grid.from_bounds("EPSG:32652", (0, 0, 1, 1), float("nan"))


def test_xy_and_rowcol_are_inverse():
    g = Grid.from_origin("EPSG:32652", 600_000.0, 4_760_000.0, 30.0, 100, 80)
    x, y = g.xy([0, 79], [0, 99])
    assert list(x) == [600_015.0, 602_985.0] and list(y) == [4_759_985.0, 4_757_615.0]
    r, c = g.rowcol(x, y)
    assert list(r) == [0, 79] and list(c) == [0, 99]
    ux, uy = g.xy(0, 0, offset="ul")
    assert (float(ux), float(uy)) == (600_000.0, 4_760_000.0)
    # On an edge: the pixel it starts (next) or, by Circuitscape's rule, the one it ends (previous).
    r, c = g.rowcol(600_030.0, 4_759_970.0)
    assert (int(r), int(c)) == (1, 1)
    r, c = g.rowcol(600_030.0, 4_759_970.0, on_edge="previous")
    assert (int(r), int(c)) == (0, 0)
    assert list(g.contains(np.array([-1, 0, 79, 80]), np.array([0, 0, 99, 0]))) == [False, True, True, False]


def test_windows_subgrids_and_offsets():
    g = Grid.from_origin("EPSG:32652", 0.0, 300.0, 30.0, 10, 10)
    blocks = list(g.blocks(4))
    assert len(blocks) == 9 and blocks[-1] == Window(8, 8, 2, 2)
    sub = g.subgrid(Window(2, 3, 4, 5))
    assert sub.bounds == (60.0, 60.0, 180.0, 210.0) == g.window_bounds(Window(2, 3, 4, 5))
    assert sub.offset_in(g) == (3, 2)
    assert g.window_transform(Window(2, 3, 4, 5)) == sub.transform
    assert g.window_for((65.0, 65.0, 175.0, 205.0)) == Window(2, 3, 4, 5)
    assert g.window_for((1000.0, 1000.0, 2000.0, 2000.0)) is None
    shifted = Grid.from_origin("EPSG:32652", 15.0, 300.0, 30.0, 10, 10)
    assert shifted.offset_in(g) is None
    assert Grid.from_origin("EPSG:32653", 0.0, 300.0, 30.0, 10, 10).offset_in(g) is None


def test_same_as_and_dict_round_trip():
    g = Grid.from_origin("EPSG:32652", 0.0, 300.0, 30.0, 10, 10)
    assert Grid.from_dict(g.to_dict()) == g and g.same_as(Grid.from_dict(g.to_dict()))
    assert not g.same_as(Grid.from_origin("EPSG:32652", 0.0, 300.0, 30.0, 10, 11))
    assert Grid("", g.transform, 10, 10).same_as(Grid("", g.transform, 10, 10))


def test_projected_checks_and_pixel_area():
    g = Grid.from_origin("EPSG:32652", 0.0, 300.0, 30.0, 10, 10)
    assert g.pixel_area_m2() == 900.0 and g.require_projected("x").is_projected
    geo = Grid.from_origin("EPSG:4326", 130.0, 43.0, 0.001, 10, 10)
    with pytest.raises(InputDataError, match=r"habitat\.tif: the grid is in a geographic CRS"):
        geo.pixel_area_m2("habitat.tif")
    with pytest.raises(InputDataError, match="geographic CRS"):
        geo.require_projected("map")


def test_from_dataset_checks(tmp_path):
    import rasterio

    p = tmp_path / "r.tif"
    with rasterio.open(p, "w", driver="GTiff", width=2, height=2, count=1, dtype="uint8",
                       transform=Affine(1, 0, 0, 0, -1, 2)) as ds:
        ds.write(np.zeros((1, 2, 2), np.uint8))
    with rasterio.open(p) as ds:
        with pytest.raises(InputDataError, match="no coordinate reference system"):
            Grid.from_dataset(ds)
        assert Grid.from_dataset(ds, require_crs=False).crs == ""
    asc = tmp_path / "nan.asc"
    asc.write_text("ncols 2\nnrows 2\nxllcorner nan\nyllcorner 0\ncellsize 1\n1 1\n1 1\n")
    with rasterio.open(asc) as ds, pytest.raises(InputDataError, match="not a finite, non-zero number"):
        Grid.from_dataset(ds, require_crs=False)


def test_inside_marks_pixel_centres():
    g = Grid.from_origin("EPSG:32652", 0.0, 90.0, 30.0, 3, 3)
    m = g.inside(shapely.box(0, 0, 45, 90), Window(0, 0, 3, 3))
    assert m.tolist() == [[True, False, False]] * 3
    assert g.inside(shapely.box(-10, -10, 100, 100), Window(0, 0, 3, 3)).all()
    assert not g.inside(shapely.box(500, 500, 600, 600), Window(0, 0, 3, 3)).any()
