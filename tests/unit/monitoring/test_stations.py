"""Camera stations: on suitable habitat, spaced, reproducible, exported as Camtrap DP deployments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.legend import load_legend
from habitatmap.monitoring.cells import run_grid_make
from habitatmap.monitoring.stations import (
    PRODUCT,
    StationsRun,
    candidate_points,
    place_stations,
    run_stations,
    stations_deployments,
)


@pytest.fixture(scope="module")
def grid(landscape, tmp_path_factory):
    out = tmp_path_factory.mktemp("grid") / "grid.gpkg"
    run_grid_make(
        str(landscape["aoi"]),
        2,
        out,
        load_legend(),
        zones=str(landscape["zones"]),
        habitat=landscape["habitat"],
    )
    return out


def test_layout_on_suitable_habitat_with_spacing(grid, tmp_path):
    lg = load_legend()
    run = run_stations(
        grid,
        tmp_path / "stations.gpkg",
        lg,
        per_cell=3,
        habitat_keys=["korean_pine_broadleaf_forest"],
        min_spacing=700,
    )
    assert isinstance(run, StationsRun) and PRODUCT == "monitoring.stations"
    st = run.stations
    assert (st["habitat"] == "korean_pine_broadleaf_forest").all()
    xy = np.column_stack([st.geometry.x, st.geometry.y])
    assert pdist(xy).min() >= 700 - 1e-6
    assert st["station_id"].is_unique
    assert all(s.startswith(c + "-") for s, c in zip(st["station_id"], st["cell_id"], strict=True))
    # East-half cells are meadow only: no station there, and they are counted.
    assert run.cells_without > 0
    dep = pd.read_csv(run.deployments)
    assert list(dep.columns[:8]) == [
        "deploymentID",
        "locationID",
        "locationName",
        "latitude",
        "longitude",
        "coordinateUncertainty",
        "deploymentStart",
        "deploymentEnd",
    ]
    # Same inputs, same layout.
    again = run_stations(
        grid,
        tmp_path / "again.gpkg",
        lg,
        per_cell=3,
        habitat_keys=["korean_pine_broadleaf_forest"],
        min_spacing=700,
    )
    assert list(again.stations["station_id"]) == list(st["station_id"])
    assert np.allclose(again.stations.geometry.x, st.geometry.x)


def test_first_station_is_nearest_the_centre():
    cells = pd.DataFrame({"cell_id": ["c"], "cell_km": [1], "easting": [0.0], "northing": [0.0]})
    cand = pd.DataFrame(
        {"cell": [0, 0, 0], "x": [100.0, 480.0, 900.0], "y": [100.0, 520.0, 900.0], "code": [1, 1, 1]}
    )
    out = place_stations(cells, cand, per_cell=2, min_spacing=0)
    assert list(out["x"]) == [480.0, 100.0] or list(out["x"]) == [480.0, 900.0]
    with pytest.raises(ConfigError):
        place_stations(cells, cand, per_cell=0, min_spacing=0)
    frame = out.assign(latitude=43.0, longitude=131.0, habitat="x")
    dep = stations_deployments(frame, start="2022-06-01T00:00:00+10:00")
    assert (dep["deploymentStart"] == "2022-06-01T00:00:00+10:00").all()


def test_candidates_lie_on_suitable_habitat(grid, landscape):
    import rasterio

    from habitatmap.monitoring.cells import read_cells

    cells = read_cells(grid)
    cand, _ = candidate_points(cells, landscape["habitat"], load_legend(), suitable={11})
    assert len(cand) and set(cand["code"]) == {11}
    # Looked up again on the map (after moving back to its CRS), every candidate is on class 11.
    from pyproj import Transformer

    t = Transformer.from_crs(cells.crs, "EPSG:32652", always_xy=True)
    x, y = t.transform(cand["x"].to_numpy()[:200], cand["y"].to_numpy()[:200])
    with rasterio.open(landscape["habitat"]) as ds:
        assert {int(v[0]) for v in ds.sample(list(zip(x, y, strict=True)))} == {11}


def test_no_suitable_habitat_is_one_sentence(grid, tmp_path):
    with pytest.raises(InputDataError, match="suitable habitat"):
        run_stations(grid, tmp_path / "s.gpkg", load_legend(), per_cell=1, habitat_keys=["snow_ice"])
