"""A tiny, separable two-class world for the habitat tests: a composite, training and reference points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine

from habitatmap.grid import Grid
from habitatmap.legend.model import load_legend

#: 300 x 300 px of 30 m in UTM 52N: wetland (51) west, cropland (61) east, spruce-fir (13) north.
GRID = Grid("EPSG:32652", Affine(30.0, 0, 640_000.0, 0, -30.0, 4_760_000.0), 300, 300)


def truth() -> np.ndarray:
    t = np.full(GRID.shape, 61, np.uint8)
    t[:, :150] = 51
    t[:60, :] = 13
    return t


@pytest.fixture(scope="session")
def legend():
    return load_legend()


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """(composite path, training gpkg, reference gpkg, truth array)."""
    root = tmp_path_factory.mktemp("habitat")
    rng = np.random.default_rng(7)
    t = truth()
    spectra = {51: (0.05, 0.30), 61: (0.25, 0.45), 13: (0.04, 0.20)}
    bands = np.zeros((2, *GRID.shape), np.float32)
    for code, (red, nir) in spectra.items():
        bands[0][t == code] = red
        bands[1][t == code] = nir
    bands += rng.normal(0, 0.01, bands.shape).astype(np.float32)
    bands[:, 290:, 290:] = np.nan  # a corner with no data
    comp = root / "composite.tif"
    with rasterio.open(comp, "w", driver="GTiff", width=300, height=300, count=2, dtype="float32",
                       crs=GRID.crs, transform=GRID.transform, nodata=float("nan"), tiled=True,
                       blockxsize=256, blockysize=256) as ds:
        ds.write(bands)
        ds.set_band_description(1, "red")
        ds.set_band_description(2, "nir08")
        ds.update_tags(MONTHS="6,7,8")
    keys = {51: "wetland", 61: "cropland", 13: "spruce_fir_forest"}

    def points(n: int, name: str, strata: bool) -> gpd.GeoDataFrame:
        rows, cols = rng.integers(0, 280, n), rng.integers(0, 280, n)
        x, y = GRID.xy(rows, cols)
        codes = t[rows, cols]
        data = {"habitat": [keys[int(c)] for c in codes]}
        if strata:
            data["stratum"] = data["habitat"]
            sizes = {keys[c]: int((t == c).sum()) for c in keys}
            data["stratum_pixels"] = [sizes[k] for k in data["habitat"]]
        gdf = gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(x, y), crs=GRID.crs)
        path = root / f"{name}.gpkg"
        gdf.to_file(path, layer=name)
        return path

    return comp, points(300, "training", False), points(200, "reference", True), t
