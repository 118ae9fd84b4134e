"""The SECR interval's coverage over 50 simulated camera surveys (slow: about two minutes).

Each survey: leopards at a known density on a habitat mask, detected through a known half-normal
model at an 8 x 8 camera grid over 10 occasions; the 95 % interval for D must hold the true
density in at least 90 % of the surveys (the issue's bar; 95 % is the nominal level).
"""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.monitoring.mask import Mask
from habitatmap.monitoring.secr import fit_secr
from habitatmap.monitoring.simulate import simulate_capture_history, simulate_population

TRUE_D = 20 / 1e4           # 20 per 100 km2, per hectare
SIGMA, G0 = 1000.0, 0.08


def _survey(seed: int) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    g = np.arange(8) * 1500.0
    det = np.array([(x, y) for x in g for y in g])
    step = 250.0
    xs = np.arange(-4000 + step / 2, 10500 + 4000, step)
    pts = np.array([(x, y) for x in xs for y in xs])
    dist = np.sqrt(((pts[:, None, :] - det[None]) ** 2).sum(-1)).min(1)
    mask = Mask(pts[dist <= 4000], step)
    pop = simulate_population(mask, TRUE_D, rng)
    ch, _ = simulate_capture_history(pop, det, np.ones((len(det), 10)), p0=G0, sigma=SIGMA, rng=rng)
    fit = fit_secr(ch, mask)
    d = fit.estimates.loc["D"]
    return float(d["estimate"]), float(d["lcl"]), float(d["ucl"])


@pytest.mark.slow
def test_interval_coverage_of_50_surveys():
    results = np.array([_survey(seed) for seed in range(50)])
    held = (results[:, 1] <= TRUE_D) & (results[:, 2] >= TRUE_D)
    assert held.mean() >= 0.90, f"coverage {held.mean():.2f}"
    # And the estimator is close to unbiased: the mean estimate within 10 % of the truth.
    assert abs(results[:, 0].mean() / TRUE_D - 1) < 0.10
