"""The sample's synthetic landscape of habitats."""

from __future__ import annotations

import numpy as np

from habitatmap.legend.model import load_legend
from habitatmap.sampledata.habitat import Landscape, Settlement, make_landscape
from habitatmap.sampledata.terrain import make_terrain


def test_landscape_uses_legend_codes_only():
    rng = np.random.default_rng(4)
    land = make_landscape(rng, make_terrain(rng, (96, 96)))
    assert isinstance(land, Landscape) and land.habitat.shape == (96, 96)
    assert set(np.unique(land.habitat)) <= set(load_legend().codes)
    assert all(isinstance(s, Settlement) for s in land.settlements)
