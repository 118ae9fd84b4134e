"""Habitat map -> polygons for the 1:100000 base map."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from rasterio.windows import Window

from habitatmap.errors import InputDataError
from habitatmap.grid import Grid
from habitatmap.habitat.polygonize import (
    PolygonizeResult,
    habitat_polygons,
    habitat_polygons_from_file,
    polygonize_map,
)
from habitatmap.io.vector import read_provenance, read_vector

GRID = Grid("EPSG:32652", Affine(30, 0, 600_000, 0, -30, 4_760_000), 40, 40)


def _labels() -> np.ndarray:
    a = np.full((40, 40), 51, np.uint8)
    a[:, 20:] = 61
    a[:5, :5] = 0
    return a


def test_habitat_polygons_by_hand(legend):
    gdf, repaired = habitat_polygons(_labels(), GRID, legend, tolerance_m=0)
    assert sorted(gdf["code"]) == [51, 61] and repaired == 0
    areas = dict(zip(gdf["code"], gdf["area_ha"], strict=True))
    assert areas[51] == pytest.approx((20 * 40 - 25) * 0.09) and areas[61] == pytest.approx(20 * 40 * 0.09)
    assert set(gdf.columns) >= {"key", "name_en", "name_ru", "name_zh", "name_mn", "area_ha"}
    simple, _ = habitat_polygons(_labels(), GRID, legend)  # 25 m tolerance, as a coverage
    assert shapely.union_all(simple.geometry.values).area == pytest.approx(
        shapely.union_all(gdf.geometry.values).area, rel=0.02)
    with pytest.raises(InputDataError, match=r"values \[99\] that are not legend codes"):
        habitat_polygons(np.full((4, 4), 99, np.uint8), GRID.subgrid(Window(0, 0, 4, 4)), legend)


def _write(path, arr, crs="EPSG:32652", count=1):
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[-1], height=arr.shape[-2], count=count,
                       dtype=arr.dtype, crs=crs, transform=GRID.transform, nodata=0) as ds:
        ds.write(arr if arr.ndim == 3 else arr[None])
    return path


def test_polygonize_map_writes_a_gpkg_with_provenance(legend, tmp_path):
    src = _write(tmp_path / "h.tif", _labels())
    res = polygonize_map(src, tmp_path / "h.gpkg", legend)
    assert isinstance(res, PolygonizeResult) and res.polygons == 2 and res.layer == "habitats"
    gdf, _ = read_vector(f"{res.path}:habitats")
    assert len(gdf) == 2 and read_provenance(res.path)["product"] == "habitat.polygonize"
    assert len(habitat_polygons_from_file(src, legend)) == 2


def test_polygonize_refuses_other_rasters(legend, tmp_path):
    with pytest.raises(InputDataError, match="single-band"):
        polygonize_map(_write(tmp_path / "two.tif", np.stack([_labels()] * 2), count=2), tmp_path / "o.gpkg",
                       legend)
    with pytest.raises(InputDataError, match="not a class map"):
        polygonize_map(_write(tmp_path / "f.tif", _labels().astype(np.float32)), tmp_path / "o.gpkg", legend)
    with pytest.raises(InputDataError, match="geographic CRS"):
        polygonize_map(_write(tmp_path / "g.tif", _labels(), crs="EPSG:4326"), tmp_path / "o.gpkg", legend)
    (tmp_path / "zero.tif").write_bytes(b"")
    with pytest.raises(InputDataError, match=r"empty \(0 bytes\); write it again"):
        polygonize_map(tmp_path / "zero.tif", tmp_path / "o.gpkg", legend)
    assert not (tmp_path / "o.gpkg").exists()
