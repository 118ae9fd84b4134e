"""Targets, strengths and Omniscape's index rules, worked by hand in 0-based indices."""

from __future__ import annotations

import math

import numpy as np
import pytest

from habitatmap.corridors.omniscape.targets import (
    Geometry,
    block_reference,
    correction_array,
    correction_offset,
    target_strengths,
    window_extent,
    zero_block,
)


def test_block_centres_leave_out_a_partial_last_block():
    geo = Geometry(radius=5, buffer=2, block_size=3, height=10, width=11)
    assert geo.block_radius == 1 and geo.reach == 7
    assert geo.centres(0).tolist() == [1, 4, 7]  # rows 0-8 in blocks; row 9 in none
    assert geo.centres(1).tolist() == [1, 4, 7]  # 10 columns... the 11th in none


def test_target_strength_is_the_block_sum_and_empty_blocks_are_dropped():
    geo = Geometry(radius=2, buffer=0, block_size=3, height=6, width=6)
    src = np.zeros((6, 6))
    src[0:3, 0:3] = 1.0
    src[4, 4] = 2.5
    ty, tx, amps = target_strengths(src, geo.centres(0), geo.centres(1), (0, 0), geo)
    assert list(zip(ty.tolist(), tx.tolist(), amps.tolist(), strict=True)) == [(1, 1, 9.0), (4, 4, 2.5)]
    # Offsets into a padded tile give the same targets.
    padded = np.pad(src, 2)
    ty2, _, amps2 = target_strengths(padded, geo.centres(0), geo.centres(1), (-2, -2), geo)
    np.testing.assert_array_equal(ty2, ty)
    np.testing.assert_array_equal(amps2, amps)


def test_window_extent_clips_to_the_raster():
    assert window_extent(1, 30, 7) == (0, 8)
    assert window_extent(15, 30, 7) == (8, 22)
    assert window_extent(28, 30, 7) == (21, 29)


def test_zero_block_sits_at_the_unclipped_centre_position():
    geo = Geometry(radius=5, buffer=2, block_size=3, height=30, width=30)
    assert zero_block(8, 30, geo) == (14, 16)  # window from row 8: around its target, row 15
    assert zero_block(0, 30, geo) == (6, 8)  # window clipped at row 0 (target row 1): rows 6-8, as Omniscape


def test_correction_offset_is_the_centre_unless_clipped_on_both_sides():
    geo = Geometry(radius=5, buffer=2, block_size=3, height=30, width=30)
    assert correction_offset(15, 30, geo) == 7
    assert correction_offset(1, 30, geo) == 7  # clipped at the start: the slice keeps the centre
    assert correction_offset(28, 30, geo) == 7
    small = Geometry(radius=5, buffer=2, block_size=3, height=10, width=10)
    assert correction_offset(4, 10, small) == 4  # clipped on both sides: Omniscape's slice starts at 0


def test_block_reference_is_the_median_or_the_first_mode():
    assert block_reference(np.array([[1.0, 2.0], [3.0, np.nan]]), 1) == 2.0
    assert block_reference(np.array([[1.0, 2.0], [3.0, 4.0]]), 1) == 2.5
    # Column by column: 5, 7, 7, 5 -> 7 is the first to reach two.
    assert block_reference(np.array([[5.0, 7.0], [7.0, 5.0]]), 2) == 7.0
    assert math.isnan(block_reference(np.full((2, 2), np.nan), 2))


def test_correction_rescales_a_blocked_window_to_the_sum_of_single_cell_windows():
    from habitatmap.corridors.omniscape.reference import window_current

    geo = Geometry(radius=4, buffer=1, block_size=3, height=40, width=40)
    calls = []

    def currents(sources, g):
        calls.append((sources.copy(), g.copy()))
        return window_current(np.where(g > 0, g, np.nan), sources, (geo.reach, geo.reach), four=False)

    corr = correction_array(geo, currents)
    (blocked, disc), (single, _) = calls
    assert blocked.sum() == pytest.approx(9.0)  # the block's 9 cells of strength 1, shared out
    assert blocked[4:7, 4:7].sum() == 0.0  # the target block holds no source
    assert single.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(corr, corr.T, rtol=1e-9)  # the disc is symmetric
    np.testing.assert_allclose(corr, corr[::-1, ::-1], rtol=1e-9)
    block_current = currents(blocked, disc)
    unit = currents(single, disc)
    k = unit.shape[0]
    padded = np.pad(unit, 1)
    summed = sum(padded[1 + dy:1 + dy + k, 1 + dx:1 + dx + k] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    on = block_current > 0
    np.testing.assert_allclose((corr * block_current)[on], summed[on], rtol=1e-9)
    np.testing.assert_array_equal(corr[~on], 1.0)
