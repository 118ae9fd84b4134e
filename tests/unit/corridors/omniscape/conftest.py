"""Small rasters for the Omniscape tests: a heterogeneous resistance with nodata, sources, conditions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin


def write_tif(path: Path, data: np.ndarray, nodata: float = -9999.0) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype="float64", crs="EPSG:32652", transform=from_origin(600000, 4700000, 30, 30),
                       nodata=nodata) as ds:
        ds.write(np.where(np.isnan(data), nodata, data), 1)
    return path


@pytest.fixture()
def landscape(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(11)
    h, w = 37, 41
    res = np.exp(rng.normal(0.0, 1.0, (h, w)))
    res[rng.random((h, w)) < 0.05] = np.nan
    res[10:14, 0:20] = np.nan  # a barrier from the edge
    src = np.where(rng.random((h, w)) < 0.7, rng.uniform(0.0, 1.0, (h, w)), 0.0)
    temp = rng.normal(5.0, 1.0, (h, w)).round(1)
    cover = rng.integers(1, 4, (h, w)).astype(float)
    return {"resistance": write_tif(tmp_path / "res.tif", res),
            "sources": write_tif(tmp_path / "src.tif", src),
            "temperature": write_tif(tmp_path / "temp.tif", temp),
            "cover": write_tif(tmp_path / "cover.tif", cover),
            "folder": tmp_path}
