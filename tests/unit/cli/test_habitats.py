"""``habitatmap habitats polygonize``."""

from __future__ import annotations

import numpy as np
import rasterio

from habitatmap.cli.habitats import polygonize
from tests.unit.habitat.conftest import GRID


def test_polygonize_command(cli, world, tmp_path):
    _, _, _, t = world
    with rasterio.open(tmp_path / "h.tif", "w", driver="GTiff", width=300, height=300, count=1, dtype="uint8",
                       crs=GRID.crs, transform=GRID.transform, nodata=0) as ds:
        ds.write(t, 1)
    r = cli("habitats", "polygonize", tmp_path / "h.tif", "--out", tmp_path / "h.gpkg")
    assert r.exit_code == 0 and "3 polygons" in r.stdout and callable(polygonize)
    r = cli("habitats", "polygonize", tmp_path / "none.tif", "--out", tmp_path / "x.gpkg")
    assert r.exit_code == 2 and "not found" in r.stderr
    assert np.asarray(t).max() == 61
