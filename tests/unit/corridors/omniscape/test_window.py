"""One window's currents against the project's Circuitscape advanced mode (a separate implementation
that passes Circuitscape's own suite)."""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.corridors.modes import CircuitOptions, advanced
from habitatmap.corridors.omniscape.window import (
    COND_EQUAL,
    COND_NONE,
    COND_WITHIN,
    WindowPattern,
    accumulate,
    solve_window,
    window_pattern,
    window_sources,
)


def test_patterns_hold_the_disc_or_the_square_without_the_centre():
    disc = window_pattern(3)
    assert isinstance(disc, WindowPattern)
    assert disc.n == 28  # cells within 3 of the centre (29) minus the centre
    assert np.all(disc.dy ** 2 + disc.dx ** 2 <= 9)
    square = window_pattern(3, square=True)
    assert square.n == 48
    four = window_pattern(3, square=True, four=True)
    assert not four.ediag.any() and len(four.ea) == 2 * 7 * 6
    assert len(square.ea) == 2 * 7 * 6 + 2 * 6 * 6
    assert window_pattern(3) is disc  # one symbolic analysis per process and shape
    assert (COND_NONE, COND_WITHIN, COND_EQUAL) == (0, 1, 2)


@pytest.mark.parametrize("four", [False, True])
def test_currents_equal_circuitscape_advanced_mode(four):
    rng = np.random.default_rng(4)
    r = 6
    k = 2 * r + 1
    pattern = window_pattern(r, four=four)
    g = rng.uniform(0.05, 3.0, (k + 4, k + 4))
    g[rng.random(g.shape) < 0.1] = 0.0  # nodata cells
    g[2 + r, 2 + r] = 1.0  # the target is a node
    # An island cut off from the target (4 cells above it): its source must carry no current.
    iy, ix = 2 + r - 4, 2 + r
    g[iy - 1:iy + 2, ix - 1:ix + 2] = 0.0
    g[iy, ix] = 2.0
    sources = np.where(rng.random(pattern.n) < 0.3, rng.uniform(0.1, 1.0, pattern.n), 0.0)
    island = (pattern.dy == -4) & (pattern.dx == 0)
    sources[island] = 1.0
    cur = solve_window(pattern, g, sources, 2 + r, 2 + r, {})
    assert cur is not None
    # The same window as a raster for advanced mode: the disc's cells only.
    win = np.zeros((k, k))
    src = np.zeros((k, k))
    win[r + pattern.dy, r + pattern.dx] = g[2 + r + pattern.dy, 2 + r + pattern.dx]
    win[r, r] = g[2 + r, 2 + r]
    src[r + pattern.dy, r + pattern.dx] = sources
    grounds = np.zeros((k, k))
    grounds[r, r] = np.inf
    _, expected, _, _ = advanced(win, src, grounds, policy="rmvsrc",
                                 options=CircuitOptions(four_neighbors=four, avg_resistance=False))
    assert expected is not None
    ours = np.zeros((k, k))
    ours[r + pattern.dy, r + pattern.dx] = cur[:-1]
    ours[r, r] = cur[-1]
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-12)
    assert cur[:-1][island] == 0.0
    # All the current injected in the target's component flows into the ground.
    linked = (g[2 + r + pattern.dy, 2 + r + pattern.dx] > 0) & ~island
    assert cur[-1] == pytest.approx(sources[linked & (cur[:-1] > 0)].sum(), rel=1e-9)


def test_no_ground_or_no_source_means_no_current():
    pattern = window_pattern(2)
    g = np.ones((5, 5))
    g[2, 2] = 0.0
    assert solve_window(pattern, g, np.ones(pattern.n), 2, 2, {}) is None
    g[2, 2] = 1.0
    assert solve_window(pattern, g, np.zeros(pattern.n), 2, 2, {}) is None


def test_a_kept_factor_gives_the_same_currents():
    pattern = window_pattern(4, square=True)
    g = np.ones((9, 9))
    work: dict[str, np.ndarray] = {}
    first = solve_window(pattern, g, np.linspace(0, 1, pattern.n), 4, 4, work).copy()
    factor = work["fac"].copy()
    again = solve_window(pattern, g, np.linspace(0, 1, pattern.n), 4, 4, {}, factor=factor)
    np.testing.assert_allclose(again, first, rtol=1e-12)


def test_window_sources_share_out_the_target_strength_then_apply_conditions():
    p = window_pattern(2)
    s = np.ones((9, 9))
    s[4, 5] = 3.0  # next to the target (4, 4)
    out = np.empty(p.n)
    empty = np.zeros((1, 1))
    # The 3 x 3 block around the target zeroed: of the 12 cells within 2, the four at distance 2
    # share the 6 A.
    total = window_sources(s, 4, 4, p.dy, p.dx, 4, 3, 5, 3, 5, 6.0, empty, 0, 0.0, 0.0, 0.0, empty, 0, 0.0,
                           0.0, 0.0, out)
    assert total == pytest.approx(6.0)
    assert np.count_nonzero(out) == 4 and np.allclose(out[out > 0], 1.5)
    # A zeroed block away from the target (Omniscape's rule at the edge): the target's own cell
    # (strength 1) takes its share, which the ground then removes: 12 cells of 14 in all, centre 1.
    total = window_sources(s, 4, 4, p.dy, p.dx, 4, 0, 0, 0, 0, 6.0, empty, 0, 0.0, 0.0, 0.0, empty, 0, 0.0,
                           0.0, 0.0, out)
    assert total == pytest.approx(6.0 * 14 / 15)
    # Condition "within": the present value may be at most 0.5 above and 0 below the target's 10.
    cond = np.full((9, 9), 10.0)
    cond[2, 4] = 11.0
    cond[6, 4] = 10.5
    total = window_sources(s, 4, 4, p.dy, p.dx, 4, 3, 5, 3, 5, 6.0, cond, COND_WITHIN, 10.0, 0.0, 0.5,
                           empty, 0, 0.0, 0.0, 0.0, out)
    kept = {(int(dy), int(dx)) for dy, dx, v in zip(p.dy, p.dx, out, strict=True) if v > 0}
    assert (-2, 0) not in kept and (2, 0) in kept and total == pytest.approx(4.5)
    total = window_sources(s, 4, 4, p.dy, p.dx, 4, 3, 5, 3, 5, 6.0, cond, COND_EQUAL, 10.0, 0.0, 0.0,
                           empty, 0, 0.0, 0.0, 0.0, out)
    assert total == pytest.approx(3.0)


def test_accumulate_adds_around_the_target_with_the_correction():
    p = window_pattern(1, square=True)
    acc = np.zeros((5, 5))
    cur = np.arange(1.0, p.n + 2)
    accumulate(acc, 2, 2, p.dy, p.dx, cur, np.zeros((0, 0)), 0, 0)
    assert acc[2, 2] == cur[-1] and acc.sum() == cur.sum() and acc[0].sum() == 0
    corr = np.full((3, 3), 2.0)
    accumulate(acc, 2, 2, p.dy, p.dx, cur, corr, 1, 1)
    assert acc.sum() == pytest.approx(3 * cur.sum())
