"""A small habitat map and area on UTM 52N near the Tumen, for the monitoring tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

X0, Y0, RES, SIZE = 630000.0, 4770000.0, 50.0, 200  # 10 km x 10 km


@pytest.fixture(scope="session")
def landscape(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``habitat.tif`` (west half Korean pine forest 11, east half meadow 31, a water strip 52 on the
    north edge) and ``aoi.geojson`` (its extent, WGS 84) and ``zones.geojson`` (two sides)."""
    from pyproj import Transformer

    d = tmp_path_factory.mktemp("landscape")
    data = np.full((SIZE, SIZE), 11, dtype=np.uint8)
    data[:, SIZE // 2 :] = 31
    data[:10, :] = 52
    with rasterio.open(
        d / "habitat.tif",
        "w",
        driver="GTiff",
        width=SIZE,
        height=SIZE,
        count=1,
        dtype="uint8",
        crs="EPSG:32652",
        transform=Affine(RES, 0, X0, 0, -RES, Y0),
        nodata=0,
    ) as ds:
        ds.write(data, 1)
    t = Transformer.from_crs("EPSG:32652", "EPSG:4326", always_xy=True)

    def ring(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
        pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        return [list(t.transform(x, y)) for x, y in pts]

    top = Y0 - SIZE * RES
    aoi = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [ring(X0, top, X0 + SIZE * RES, Y0)]},
            }
        ],
    }
    (d / "aoi.geojson").write_text(json.dumps(aoi))
    mid = X0 + SIZE * RES / 2
    zones = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"country": "RUS", "park": "West park", "zone_value": "core", "level": 1},
                "geometry": {"type": "Polygon", "coordinates": [ring(X0, top, mid, Y0)]},
            },
            {
                "type": "Feature",
                "properties": {"country": "CHN", "park": "East park", "zone_value": "general", "level": 3},
                "geometry": {"type": "Polygon", "coordinates": [ring(mid, top, X0 + SIZE * RES, Y0)]},
            },
        ],
    }
    (d / "zones.geojson").write_text(json.dumps(zones))
    return {"habitat": d / "habitat.tif", "aoi": d / "aoi.geojson", "zones": d / "zones.geojson", "dir": d}


@pytest.fixture(scope="session")
def secr_data(root: Path) -> tuple[Path, Path]:
    """secr's captdata as text (tests/data/secr)."""
    return root / "tests" / "data" / "secr" / "capt.txt", root / "tests" / "data" / "secr" / "trap.txt"


@pytest.fixture(scope="session")
def survey(landscape, tmp_path_factory):
    """A grid, a layout and a synthetic survey (two sides' packages) on the landscape."""
    from habitatmap.legend import load_legend
    from habitatmap.monitoring.cells import run_grid_make
    from habitatmap.monitoring.stations import run_stations
    from habitatmap.monitoring.survey import run_survey

    d = tmp_path_factory.mktemp("survey")
    lg = load_legend()
    run_grid_make(
        str(landscape["aoi"]),
        1,
        d / "grid.gpkg",
        lg,
        zones=str(landscape["zones"]),
        habitat=landscape["habitat"],
    )
    run_stations(d / "grid.gpkg", d / "stations.gpkg", lg, per_cell=1, min_spacing=500)
    run = run_survey(
        d / "stations.gpkg",
        d / "grid.gpkg",
        landscape["habitat"],
        d / "survey",
        lg,
        species="Panthera pardus orientalis",
        density_per_100km2=60,
        sigma_m=800,
        g0=0.05,
        days=40,
        start="2022-06-01",
        buffer_m=3000,
        seed=1,
    )
    return d, run
