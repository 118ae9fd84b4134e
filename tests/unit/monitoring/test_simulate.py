"""Simulated populations and detections."""

from __future__ import annotations

import numpy as np

from habitatmap.monitoring.mask import Mask
from habitatmap.monitoring.simulate import SimulatedPopulation, simulate_capture_history, simulate_population


def test_population_and_detections():
    rng = np.random.default_rng(3)
    xs = np.arange(50, 5000, 100.0)
    mask = Mask(np.array([(x, y) for x in xs for y in xs]), 100.0)  # 25 km2
    pop = simulate_population(mask, 0.04, rng)  # 100 expected
    assert isinstance(pop, SimulatedPopulation) and 70 < len(pop.centres) < 130
    det = np.array([[2500.0, 2500.0]])
    _ch, seen = simulate_capture_history(pop, det, np.ones((1, 200)), p0=0.5, sigma=300, rng=rng)
    # An animal right at the camera is nearly always seen; one 3 km away never.
    d = np.hypot(*(pop.centres - det).T)
    assert set(np.nonzero(d < 100)[0]) <= set(seen) and not set(np.nonzero(d > 3000)[0]) & set(seen)
    multi, _ = simulate_capture_history(
        pop, np.vstack([det, det + 200]), np.ones((2, 20)), p0=0.5, sigma=300, rng=rng, detector="multi"
    )
    assert (multi.counts.sum(axis=2) <= 1).all()
