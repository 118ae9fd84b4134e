"""Simulated SECR surveys: animals at a known density detected through a known model.

Used by the demo (a synthetic camera-trap survey on the sample landscape) and by the tests that
check the estimator's coverage: activity centres are a Poisson process of density ``D`` on the
mask's points (jittered within their cells), and each animal is detected at each detector and
occasion with the probability the model gives (proximity detectors) or caught at most once per
occasion (multi-catch, competing hazards).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from habitatmap.monitoring.capthist import CaptureHistory
from habitatmap.monitoring.mask import Mask

__all__ = ["SimulatedPopulation", "simulate_capture_history", "simulate_population"]


@dataclass
class SimulatedPopulation:
    """Activity centres ``(N, 2)`` drawn at density ``D`` (per hectare) over ``mask``."""

    centres: np.ndarray
    D: float
    mask: Mask


def simulate_population(mask: Mask, D: float, rng: np.random.Generator) -> SimulatedPopulation:  # noqa: N803
    """Draw a Poisson number of activity centres at density ``D`` per hectare over ``mask``."""
    n = rng.poisson(D * mask.area_ha)
    idx = rng.integers(0, len(mask.xy), size=n)
    jitter = rng.uniform(-0.5, 0.5, size=(n, 2)) * mask.spacing
    return SimulatedPopulation(mask.xy[idx] + jitter, float(D), mask)


def simulate_capture_history(
    pop: SimulatedPopulation,
    detectors: np.ndarray,
    usage: np.ndarray,
    *,
    p0: float,
    sigma: float,
    rng: np.random.Generator,
    detectfn: str = "HN",
    detector: str = "proximity",
    detector_ids: list[str] | None = None,
    prefix: str = "A",
) -> tuple[CaptureHistory, np.ndarray]:
    """Detect a simulated population at ``detectors`` ``(K, 2)`` with ``usage`` ``(K, S)``.

    Returns the capture history of the animals detected at least once and, for each of its rows,
    the index of the animal in ``pop.centres``.
    """
    detectors = np.asarray(detectors, dtype=float)
    k, s = usage.shape
    diff = pop.centres[:, None, :] - detectors[None, :, :]
    kernel = np.exp(-np.einsum("nkc,nkc->nk", diff, diff) / (2 * sigma * sigma))
    h = -np.log1p(-p0 * kernel) if detectfn == "HN" else p0 * kernel  # (N, K)
    hazard = h[:, :, None] * usage[None, :, :]  # (N, K, S)
    if detector == "proximity":
        caught = rng.random(hazard.shape) < -np.expm1(-hazard)
        counts = np.transpose(caught, (0, 2, 1)).astype(np.int16)  # (N, S, K)
    else:
        total = hazard.sum(axis=1)  # (N, S)
        any_catch = rng.random(total.shape) < -np.expm1(-total)
        counts = np.zeros((len(pop.centres), s, k), dtype=np.int16)
        for i, o in zip(*np.nonzero(any_catch), strict=True):
            p = hazard[i, :, o] / total[i, o]
            counts[i, o, rng.choice(k, p=p)] = 1
    seen = np.nonzero(counts.reshape(len(counts), -1).any(axis=1))[0]
    ids = detector_ids or [f"D{j + 1:03d}" for j in range(k)]
    ch = CaptureHistory(
        ids,
        detectors,
        usage.astype(float),
        [f"{prefix}{i + 1:03d}" for i in seen],
        counts[seen],
        detector=detector,
    )
    return ch, seen
