"""The sample's vector layers, written in each country's own system."""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.sampledata.grid import tumen_grid
from habitatmap.sampledata.habitat import make_landscape
from habitatmap.sampledata.terrain import make_terrain
from habitatmap.sampledata.vectors import (
    PULKOVO_OP,
    border_frame,
    border_line,
    parks_and_zones,
    sample_points,
    to_russian_crs,
)


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(6)
    grid = tumen_grid(160)
    ter = make_terrain(rng, grid.shape)
    land = make_landscape(rng, ter)
    return rng, grid, ter, land


def test_layers(world):
    rng, grid, ter, land = world
    border = border_line(grid, ter)
    assert border.length > 160 * 30
    ru_park, ru_zones, _cn_park, cn_zones = parks_and_zones(rng, grid, ter, land, border)
    assert 1 <= len(ru_zones) <= 4 and 1 <= len(cn_zones) <= 2 and ru_park.crs.to_epsg() == 32652
    ru = to_russian_crs(ru_park)
    assert ru.crs.to_epsg() == 28422 and "(20)" in PULKOVO_OP
    assert border_frame(border).crs.to_epsg() == 4326
    keys = {int(c): f"k{c}" for c in np.unique(land.habitat)}
    train, valid, stats = sample_points(rng, grid, land.habitat, keys, margin=10, n_train=50, n_valid=40)
    assert train.crs.to_epsg() == 4326 and len(valid) >= 25 and stats["training_points"] == len(train)
