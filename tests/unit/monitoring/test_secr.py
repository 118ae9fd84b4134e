"""SECR likelihood and fit, checked against secr's own test values for captdata."""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.errors import InputDataError
from habitatmap.monitoring.capthist import CaptureHistory, read_secr_text
from habitatmap.monitoring.mask import Mask, trap_buffer_mask
from habitatmap.monitoring.secr import DETECTION_FUNCTIONS, SecrFit, fit_secr, log_likelihood, realised_n


@pytest.fixture(scope="module")
def captdata(secr_data):
    ch = read_secr_text(*secr_data, detector="multi")
    return ch, trap_buffer_mask(ch.xy, 100)


def test_log_likelihood_matches_secr_at_its_estimates(captdata):
    # secr tests/testthat/test-initial.R: LL -759.02575 at D 5.4798, g0 0.2732, sigma 29.3658 (tol 1e-4).
    ch, mask = captdata
    ll = log_likelihood(ch, mask, detectfn="HN", D=5.4798, p0=0.2732, sigma=29.3658)
    assert ll == pytest.approx(-759.02575, rel=1e-4)
    assert ll == pytest.approx(-759.02575, abs=1e-3)  # in fact to the printed digits


def test_fit_matches_secr_estimates(captdata):
    ch, mask = captdata
    fit = fit_secr(ch, mask, detectfn="HN")
    assert isinstance(fit, SecrFit) and fit.converged
    assert fit.value("D") == pytest.approx(5.4798, rel=1e-4)
    assert fit.value("g0") == pytest.approx(0.2732, rel=1e-4)
    assert fit.value("sigma") == pytest.approx(29.3658, rel=1e-4)
    assert fit.loglik == pytest.approx(-759.02575, rel=1e-4)
    est = fit.estimates
    # Wald intervals on the link scale hold the estimate; the SEs are positive and modest.
    assert (est["lcl"] < est["estimate"]).all() and (est["estimate"] < est["ucl"]).all()
    assert 0 < est.loc["D", "se"] / est.loc["D", "estimate"] < 0.3
    assert fit.n == 76 and fit.detections == 235 and fit.occasions == 5 and fit.detectors == 100
    # E.N is D times the mask area; R.N is at least the animals seen.
    assert fit.region.loc["E.N", "estimate"] == pytest.approx(fit.value("D") * mask.area_ha)
    assert fit.region.loc["R.N", "estimate"] >= 76
    again = realised_n(ch, mask, fit)
    assert again.loc["R.N", "estimate"] == pytest.approx(fit.region.loc["R.N", "estimate"])
    assert fit.as_dict()["estimates"]["D"]["link"] == "log"


def test_hazard_half_normal_and_proximity_fit(captdata):
    ch, _ = captdata
    # A coarser mask (32 columns) keeps this quick; the densities compared are a few per cent apart.
    mask = trap_buffer_mask(ch.xy, 100, nx=32)
    assert set(DETECTION_FUNCTIONS) == {"HN", "HHN"}
    hhn = fit_secr(ch, mask, detectfn="HHN")
    assert "lambda0" in hhn.estimates.index
    # Same data: the two detection functions give densities within a few per cent.
    assert hhn.value("D") == pytest.approx(5.4798, rel=0.05)
    prox = CaptureHistory(ch.detector_ids, ch.xy, ch.usage, ch.individuals, ch.counts, detector="proximity")
    fp = fit_secr(prox, mask)
    # Read as cameras, the same detections say a little more about each animal: a density of the
    # same order (secr gives the two likelihoods different values too).
    assert fp.detector == "proximity" and fp.value("D") == pytest.approx(5.48, rel=0.25)


def test_proximity_likelihood_by_hand():
    # One detector at the origin, one mask point at distance d, one occasion, one animal detected:
    # L = D * A * g(d) * exp(-D * A * g(d)), log L = log(D A g) - D A g (the multinomial term is 0).
    g0, sigma, d, dens = 0.3, 50.0, 30.0, 2.0
    ch = CaptureHistory(
        ["t"],
        np.array([[0.0, 0.0]]),
        np.ones((1, 1)),
        ["a"],
        np.ones((1, 1, 1), dtype=np.int16),
        detector="proximity",
    )
    mask = Mask(np.array([[d, 0.0]]), 100.0)  # one point of 1 ha
    g = g0 * np.exp(-d * d / (2 * sigma * sigma))
    expect = np.log(dens * 1.0 * g) - dens * 1.0 * g
    assert log_likelihood(ch, mask, D=dens, p0=g0, sigma=sigma) == pytest.approx(expect, rel=1e-12)


def test_detection_at_a_detector_not_in_use_is_refused():
    usage = np.array([[0.0]])
    ch = CaptureHistory(
        ["t"], np.array([[0.0, 0.0]]), usage, ["a"], np.ones((1, 1, 1), dtype=np.int16), detector="proximity"
    )
    with pytest.raises(InputDataError, match="not in use"):
        log_likelihood(ch, Mask(np.array([[0.0, 0.0]]), 10.0), D=1, p0=0.2, sigma=10)
    ch.usage[:] = 1.0
    with pytest.raises(InputDataError, match="HN"):
        log_likelihood(ch, Mask(np.array([[0.0, 0.0]]), 10.0), detectfn="EX", D=1, p0=0.2, sigma=10)
