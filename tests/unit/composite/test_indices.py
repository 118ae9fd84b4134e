"""Spectral indices, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.composite.indices import INDICES, compute_index, normalized_difference, parse_indices
from habitatmap.errors import ConfigError


def test_normalized_difference_by_hand():
    a = np.array([0.4, 0.3, 0.0, np.nan], dtype=np.float32)
    b = np.array([0.1, 0.3, 0.0, 0.2], dtype=np.float32)
    nd = normalized_difference(a, b)
    np.testing.assert_allclose(nd[:2], [0.3 / 0.5, 0.0])
    assert np.isnan(nd[2]) and np.isnan(nd[3])
    bands = {"nir08": np.float32(0.5), "red": np.float32(0.1), "swir22": np.float32(0.2),
             "green": np.float32(0.08), "swir16": np.float32(0.25)}
    assert float(compute_index("ndvi", bands)) == pytest.approx(0.4 / 0.6)
    assert float(compute_index("nbr", bands)) == pytest.approx(0.3 / 0.7)
    assert float(compute_index("ndsi", bands)) == pytest.approx(-0.17 / 0.33)


def test_index_names_are_checked_against_bands():
    assert parse_indices("NDVI, nbr,ndvi", ["red", "nir08", "swir22"]) == ("ndvi", "nbr")
    with pytest.raises(ConfigError, match="unknown index 'evi'"):
        parse_indices("evi", ["red"])
    with pytest.raises(ConfigError, match=r"ndsi needs the band.s. green, swir16"):
        parse_indices("ndsi", ["red", "nir08"])



def test_every_index_is_documented():
    for name, (a, b, doc) in INDICES.items():
        assert a != b and name.upper() in doc
