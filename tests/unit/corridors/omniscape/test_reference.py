"""The plain per-window implementation against the fast one (the conformance suite checks both
against Omniscape.jl; this checks them against each other on options the suite does not cover)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from habitatmap.corridors.omniscape.options import OmniscapeOptions
from habitatmap.corridors.omniscape.reference import reference_omniscape, window_current
from habitatmap.corridors.omniscape.run import check_inputs, omniscape
from habitatmap.corridors.omniscape.tile import read_layers


def _fast(opts, tmp_path):
    import rasterio

    with omniscape(opts, tmp_path / "sums", tile_targets=4) as maps:
        cur = rasterio.open(maps.current).read(1)
        fp = rasterio.open(maps.flow_potential).read(1) if maps.flow_potential is not None else None
    return cur, fp


BASE = dict(radius=6, buffer=2, block_size=3, calc_flow_potential=True, calc_normalized_current=True)


@pytest.mark.parametrize("change", [
    {},
    {"connect_four_neighbors_only": True},
    {"block_size": 1, "buffer": 0, "calc_flow_potential": False, "calc_normalized_current": False},
    {"source_from_resistance": True, "r_cutoff": 2.0},
    {"correct_artifacts": False, "block_size": 5},
    {"conditional": True, "comparison1": "within", "condition1_lower": -0.5, "condition1_upper": 0.5},
    {"conditional": True, "n_conditions": 2, "comparison2": "equal", "condition1_lower": -1.0,
     "condition1_upper": 1.0, "compare_to_future": "2"},
], ids=["default", "four", "block1", "from-resistance", "uncorrected", "within", "two-conditions"])
def test_fast_path_equals_the_plain_loop(landscape, tmp_path, change):
    opts = OmniscapeOptions(resistance_file=landscape["resistance"], source_file=landscape["sources"],
                            condition1_file=landscape["temperature"], condition2_file=landscape["cover"],
                            condition2_future_file=landscape["cover"], **{**BASE, **change})
    files, grid = check_inputs(opts)
    res, _, src, conds = read_layers(files, opts, 0, grid.height, 0, grid.width)
    cum, fp = reference_omniscape(res, src, opts, conditions=tuple(conds))
    fast, fast_fp = _fast(opts, tmp_path)
    assert cum.sum() > 0
    np.testing.assert_allclose(fast, cum, rtol=1e-8, atol=1e-10 * cum.max())
    if fp is not None:
        np.testing.assert_allclose(fast_fp, fp, rtol=1e-8, atol=1e-10 * fp.max())


def test_conductance_input_equals_the_inverse_resistance(landscape, tmp_path):
    import rasterio

    from tests.unit.corridors.omniscape.conftest import write_tif

    res = rasterio.open(landscape["resistance"]).read(1, masked=True).filled(np.nan)
    cond = write_tif(tmp_path / "cond.tif", 1.0 / res)
    opts = OmniscapeOptions(resistance_file=landscape["resistance"], source_file=landscape["sources"], **BASE)
    a, _ = _fast(opts, tmp_path)
    b, _ = _fast(dataclasses.replace(opts, resistance_file=cond, resistance_is_conductance=True), tmp_path)
    np.testing.assert_allclose(a, b, rtol=1e-9)


def test_a_window_current_conserves_the_injected_current():
    g = np.ones((9, 9))
    src = np.zeros((9, 9))
    src[0, 4] = 2.0
    cur = window_current(g, src, (4, 4), four=False)
    assert cur[4, 4] == pytest.approx(2.0)
    assert cur[0, 4] == pytest.approx(2.0)
