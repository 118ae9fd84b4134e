"""Spatially explicit capture-recapture (SECR) by maximum likelihood.

The model of Borchers & Efford (2008), as fitted by R's secr: activity centres form a Poisson
process of constant density D over the mask; an animal at x is detected at detector k on occasion s
through a hazard h_k(x) scaled by the detector's usage u_ks:

* half-normal (``"HN"``): g(d) = g0 exp(-d^2 / 2 sigma^2), h = -log(1 - g);
* hazard half-normal (``"HHN"``): h(d) = lambda0 exp(-d^2 / 2 sigma^2).

Multi-catch traps catch an animal at most once per occasion, at trap k with probability
(1 - exp(-H_s)) u_ks h_k / H_s, H_s = sum_k u_ks h_k; proximity detectors (cameras) detect it
independently with probability 1 - exp(-u_ks h_k). Both give the same probability of being detected
at all, p.(x) = 1 - exp(-sum_ks u_ks h_k(x)). The full likelihood (secr's ``CL = FALSE``, Poisson
``distribution``) is

    log L = n log D - D a + sum_i log integral Pr(w_i | x) dx - sum_w log n_w!

with a = integral p.(x) dx over the mask (hectares, so D is per hectare) and the last term secr's
multinomial coefficient for identical histories. Parameters are fitted on secr's link scales (log D,
logit g0 or log lambda0, log sigma); standard errors come from the inverse Hessian there, intervals
are Wald intervals on the link scale back-transformed (as ``predict.secr``), and the expected and
realised numbers in the mask follow ``region.N``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, gammaln, logit, logsumexp
from scipy.stats import norm

from habitatmap.errors import InputDataError
from habitatmap.monitoring.capthist import CaptureHistory
from habitatmap.monitoring.mask import Mask

__all__ = ["DETECTION_FUNCTIONS", "SecrFit", "fit_secr", "log_likelihood", "realised_n"]

#: Detection functions and the name of their intercept parameter.
DETECTION_FUNCTIONS = {"HN": "g0", "HHN": "lambda0"}


@dataclass
class _Data:
    """What the likelihood needs, prepared once: squared distances, usage and detections."""

    d2: np.ndarray  # (M, K)
    usage_total: np.ndarray  # (K,)
    det_i: np.ndarray  # detection rows: individual, occasion, detector
    det_s: np.ndarray
    det_k: np.ndarray
    det_pair: np.ndarray  # index of each detection's (detector, occasion) pair
    pair_k: np.ndarray
    pair_s: np.ndarray
    n: int
    cell_ha: float
    detector: str
    usage: np.ndarray  # (K, S)
    multinomial: float


def _prepare(ch: CaptureHistory, mask: Mask) -> _Data:
    if ch.n == 0:
        raise InputDataError(
            "The capture history holds no identified individual of the species; a density "
            "needs at least one (check the species name and the individualID column)."
        )
    if len(mask.xy) == 0:
        raise InputDataError("The habitat mask holds no point; widen its buffer or its suitable classes.")
    diff = mask.xy[:, None, :] - ch.xy[None, :, :]
    d2 = np.einsum("mkc,mkc->mk", diff, diff)
    i, s, k = np.nonzero(ch.counts)
    u = ch.usage[k, s]
    if (u <= 0).any():
        j = int(np.argmax(u <= 0))
        raise InputDataError(
            f"Individual {ch.individuals[i[j]]} was detected at detector {ch.detector_ids[k[j]]} "
            f"on occasion {s[j] + 1}, when that detector was not in use; fix the deployment "
            "dates or the observation."
        )
    if ch.detector == "multi" and (ch.counts.sum(axis=2) > 1).any():
        raise InputDataError(
            "An individual was caught more than once on one occasion at multi-catch traps; "
            "use proximity detectors for cameras."
        )
    # secr's multinomial coefficient: identical detection histories counted once each.
    keys = [ch.counts[a].tobytes() for a in range(ch.n)]
    _, reps = np.unique(keys, return_counts=True)
    pairs, det_pair = np.unique(k * ch.occasions + s, return_inverse=True)
    return _Data(
        np.ascontiguousarray(d2),
        ch.usage.sum(axis=1),
        i.astype(np.int64),
        s,
        k,
        det_pair.astype(np.int64),
        (pairs // ch.occasions).astype(np.int64),
        (pairs % ch.occasions).astype(np.int64),
        ch.n,
        mask.cell_ha,
        ch.detector,
        np.ascontiguousarray(ch.usage, dtype=np.float64),
        float(-gammaln(reps + 1).sum()),
    )


def _hazard(data: _Data, detectfn: str, p0: float, sigma: float) -> np.ndarray:
    kernel = np.exp(-data.d2 / (2.0 * sigma * sigma))
    if detectfn == "HN":
        return -np.log1p(-p0 * kernel)
    return p0 * kernel


@numba.njit(parallel=True, cache=True)
def _history_kernel(
    d2: np.ndarray,
    usage: np.ndarray,
    usage_total: np.ndarray,
    det_i: np.ndarray,
    det_pair: np.ndarray,
    pair_k: np.ndarray,
    pair_s: np.ndarray,
    n: int,
    half_normal: bool,
    multi: bool,
    p0: float,
    sigma: float,
) -> tuple[np.ndarray, np.ndarray]:
    """log Pr(history_i | x_m) ``(M, n)`` and log(1 - p.(x_m)) ``(M,)``, one mask point per task.

    A detection's term depends only on its (detector, occasion) pair, so each pair's term is
    computed once per point and the detections add them up.
    """
    m_count, k_count = d2.shape
    s_count = usage.shape[1]
    p_count = pair_k.shape[0]
    logp = np.empty((m_count, n))
    log_miss = np.empty(m_count)
    c = 1.0 / (2.0 * sigma * sigma)
    for m in numba.prange(m_count):
        h = np.empty(k_count)
        htot = 0.0
        for k in range(k_count):
            ker = math.exp(-d2[m, k] * c)
            h[k] = -math.log1p(-p0 * ker) if half_normal else p0 * ker
            htot += usage_total[k] * h[k]
        hs = np.zeros(s_count)
        if multi:
            for k in range(k_count):
                for s in range(s_count):
                    hs[s] += usage[k, s] * h[k]
        term = np.empty(p_count)
        for q in range(p_count):
            hk = h[pair_k[q]] * usage[pair_k[q], pair_s[q]]
            if hk <= 0.0:
                term[q] = -np.inf
            elif multi:
                big = hs[pair_s[q]]
                term[q] = big + math.log(-math.expm1(-big)) + math.log(hk) - math.log(big)
            else:
                term[q] = math.log(-math.expm1(-hk)) + hk
        for i in range(n):
            logp[m, i] = -htot
        for j in range(det_i.shape[0]):
            logp[m, det_i[j]] += term[det_pair[j]]
        log_miss[m] = -htot
    return logp, log_miss


def _loglik(data: _Data, detectfn: str, d: float, p0: float, sigma: float) -> float:
    if detectfn == "HN" and not 0.0 < p0 < 1.0:
        return -np.inf
    logp, log_miss = _history_kernel(
        data.d2,
        data.usage,
        data.usage_total,
        data.det_i,
        data.det_pair,
        data.pair_k,
        data.pair_s,
        data.n,
        detectfn == "HN",
        data.detector == "multi",
        p0,
        sigma,
    )
    a = data.cell_ha * float(-np.expm1(log_miss).sum())
    integral = logsumexp(logp, axis=0) + np.log(data.cell_ha)
    return float(data.n * np.log(d) - d * a + integral.sum() + data.multinomial)


def _check(detectfn: str) -> str:
    if detectfn not in DETECTION_FUNCTIONS:
        raise InputDataError(
            f"Detection function {detectfn!r} is not one of {', '.join(DETECTION_FUNCTIONS)}; "
            "use HN (half-normal) or HHN (hazard half-normal)."
        )
    return detectfn


def log_likelihood(
    ch: CaptureHistory,
    mask: Mask,
    *,
    detectfn: str = "HN",
    D: float,  # noqa: N803
    p0: float,
    sigma: float,
) -> float:
    """The full SECR log-likelihood at given parameter values.

    Parameters
    ----------
    ch, mask
        Detections and habitat mask (same CRS).
    detectfn
        ``"HN"`` or ``"HHN"``.
    D
        Density, animals per hectare.
    p0
        g0 (HN, a probability) or lambda0 (HHN, a hazard).
    sigma
        Spatial scale (m).
    """
    return _loglik(_prepare(ch, mask), _check(detectfn), D, p0, sigma)


@dataclass
class SecrFit:
    """A fitted SECR model.

    Attributes
    ----------
    estimates
        One row per parameter (``D`` per hectare, ``g0`` or ``lambda0``, ``sigma`` in metres):
        ``link``, ``estimate``, ``se``, ``lcl``, ``ucl``.
    loglik, aic, aicc
        Maximised log-likelihood and information criteria (3 parameters).
    region
        ``E.N`` (expected number in the mask) and ``R.N`` (realised number: the animals detected
        plus those expected undetected), with ``se``, ``lcl``, ``ucl``.
    n, detections, occasions, detectors
        Size of the data.
    mask_area_ha, mask_points
        The mask.
    detectfn, detector, level
        Model choices and the confidence level of the intervals.
    converged, iterations
        How the maximisation ended.
    vcov
        Covariance of the link-scale estimates.
    """

    estimates: pd.DataFrame
    loglik: float
    aic: float
    aicc: float
    region: pd.DataFrame
    n: int
    detections: int
    occasions: int
    detectors: int
    mask_area_ha: float
    mask_points: int
    detectfn: str
    detector: str
    level: float
    converged: bool
    iterations: int
    vcov: np.ndarray = field(repr=False)

    def value(self, name: str) -> float:
        """The estimate of ``name`` (``D``, ``g0``, ``lambda0``, ``sigma``)."""
        return float(self.estimates.loc[name, "estimate"])

    def as_dict(self) -> dict[str, Any]:
        """The fit as plain numbers (for JSON and provenance)."""
        return {
            "detectfn": self.detectfn,
            "detector": self.detector,
            "n": self.n,
            "detections": self.detections,
            "occasions": self.occasions,
            "detectors": self.detectors,
            "mask_area_ha": self.mask_area_ha,
            "mask_points": self.mask_points,
            "loglik": self.loglik,
            "aic": self.aic,
            "aicc": self.aicc,
            "level": self.level,
            "converged": self.converged,
            "estimates": {
                k: {c: float(v) if c != "link" else v for c, v in row.items()}
                for k, row in self.estimates.to_dict("index").items()
            },
            "region": {
                k: {c: float(v) for c, v in row.items()} for k, row in self.region.to_dict("index").items()
            },
        }


def _natural(beta: np.ndarray, detectfn: str) -> tuple[float, float, float]:
    p0 = float(expit(beta[1])) if detectfn == "HN" else float(np.exp(beta[1]))
    return float(np.exp(beta[0])), p0, float(np.exp(beta[2]))


def _start(ch: CaptureHistory, data: _Data, detectfn: str) -> np.ndarray:
    # sigma from the spread of each animal's detections (secr's RPSV), the rest from a coarse look.
    spreads = []
    for a in range(ch.n):
        _, k = np.nonzero(ch.counts[a])
        if len(k) > 1:
            spreads.append(ch.xy[k].var(axis=0, ddof=1).sum() / 2)
    sigma = float(np.sqrt(np.mean(spreads))) if spreads else float(np.sqrt(data.d2.min(axis=1).mean()))
    sigma = max(sigma, 1e-3)
    best: tuple[float, np.ndarray] | None = None
    for p0 in (0.05, 0.2, 0.5):
        for scale in (0.7, 1.0, 1.5):
            b = _profile_beta(
                data,
                detectfn,
                np.array([logit(p0) if detectfn == "HN" else np.log(p0), np.log(sigma * scale)]),
            )
            ll = _loglik(data, detectfn, *_natural(b, detectfn))
            if np.isfinite(ll) and (best is None or ll > best[0]):
                best = (ll, b)
    if best is None:
        raise InputDataError(
            "No starting values give a finite likelihood; check that the detectors and the "
            "mask share one CRS in metres."
        )
    return best[1]


def _profile_beta(data: _Data, detectfn: str, theta: np.ndarray) -> np.ndarray:
    # D maximising the likelihood for fixed detection parameters: n / a.
    p0 = float(expit(theta[0])) if detectfn == "HN" else float(np.exp(theta[0]))
    h = _hazard(data, detectfn, p0, float(np.exp(theta[1])))
    a = data.cell_ha * float(-np.expm1(-(h @ data.usage_total)).sum())
    return np.array([np.log(data.n / a) if a > 0 else 0.0, theta[0], theta[1]])


def _hessian(f: Any, x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    n = len(x)
    hess = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * step, np.eye(n)[j] * step
            v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * step * step)
            hess[i, j] = hess[j, i] = v
    return hess


def realised_n(ch: CaptureHistory, mask: Mask, fit: SecrFit) -> pd.DataFrame:
    """Expected (``E.N``) and realised (``R.N``) numbers of animals in the mask, as ``region.N``."""
    data = _prepare(ch, mask)
    return _region(data, fit.detectfn, _links(fit), fit.vcov, fit.level)


def _links(fit: SecrFit) -> np.ndarray:
    est = fit.estimates["estimate"]
    p0 = est.iloc[1]
    return np.array(
        [np.log(est.iloc[0]), logit(p0) if fit.detectfn == "HN" else np.log(p0), np.log(est.iloc[2])]
    )


def _region(data: _Data, detectfn: str, beta: np.ndarray, vcov: np.ndarray, level: float) -> pd.DataFrame:
    area = data.cell_ha * data.d2.shape[0]

    def unseen(b: np.ndarray) -> float:
        d, p0, sigma = _natural(b, detectfn)
        h = _hazard(data, detectfn, p0, sigma)
        return d * data.cell_ha * float(np.exp(-(h @ data.usage_total)).sum())

    z = norm.ppf(0.5 + level / 2)
    d = float(np.exp(beta[0]))
    en, en_se = d * area, d * area * float(np.sqrt(vcov[0, 0]))
    grad = np.array([(unseen(beta + e) - unseen(beta - e)) / 2e-5 for e in np.eye(3) * 1e-5])
    u = unseen(beta)
    rn = data.n + u
    rn_se = float(np.sqrt(max(grad @ vcov @ grad + u, 0.0)))
    rows = {}
    for name, value, se, floor in (("E.N", en, en_se, 0.0), ("R.N", rn, rn_se, float(data.n))):
        # Log-normal intervals as region.N (the realised number's shifted by the animals seen).
        excess = max(value - floor, 1e-12)
        c = float(np.exp(z * np.sqrt(np.log(1 + (se / excess) ** 2))))
        rows[name] = {"estimate": value, "se": se, "lcl": floor + excess / c, "ucl": floor + excess * c}
    return pd.DataFrame.from_dict(rows, orient="index")


def fit_secr(
    ch: CaptureHistory,
    mask: Mask,
    *,
    detectfn: str = "HN",
    level: float = 0.95,
    start: dict[str, float] | None = None,
) -> SecrFit:
    """Fit the SECR model by maximum likelihood.

    Parameters
    ----------
    ch
        Detections of identified individuals (proximity or multi-catch detectors).
    mask
        Habitat mask on the detectors' CRS.
    detectfn
        ``"HN"`` (half-normal, g0 and sigma) or ``"HHN"`` (hazard half-normal, lambda0 and sigma).
    level
        Confidence level of the intervals.
    start
        Starting values (``D``, ``g0``/``lambda0``, ``sigma``); found from the data by default.

    Raises
    ------
    InputDataError
        No individuals, an empty mask, detections at detectors not in use, or a likelihood that does
        not converge.
    """
    detectfn = _check(detectfn)
    data = _prepare(ch, mask)
    if start is not None:
        name = DETECTION_FUNCTIONS[detectfn]
        p0 = start[name]
        beta0 = np.array(
            [np.log(start["D"]), logit(p0) if detectfn == "HN" else np.log(p0), np.log(start["sigma"])]
        )
    else:
        beta0 = _start(ch, data, detectfn)

    def neg(beta: np.ndarray) -> float:
        if not np.all(np.isfinite(beta)) or np.abs(beta).max() > 50:
            return 1e300
        v = _loglik(data, detectfn, *_natural(beta, detectfn))
        return -v if np.isfinite(v) else 1e300

    def neg_profile(theta: np.ndarray) -> float:
        # D at its maximum for these detection parameters (n / a): two parameters instead of three.
        return neg(_profile_beta(data, detectfn, theta))

    res = minimize(neg_profile, beta0[1:], method="BFGS", options={"gtol": 1e-6, "maxiter": 200})
    beta = _profile_beta(data, detectfn, res.x)
    value = neg(beta)
    if not np.isfinite(value) or value >= 1e299:
        raise InputDataError(
            "The SECR likelihood could not be maximised; check the detectors, the mask and "
            "the capture history (too few recaptures?)."
        )
    # Newton steps on all three parameters from there: the maximum to many digits, and the Hessian
    # the standard errors need.
    hess = _hessian(neg, beta)
    converged = False
    for _ in range(4):
        grad = np.array([(neg(beta + e) - neg(beta - e)) / 2e-5 for e in np.eye(3) * 1e-5])
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        trial = beta - step
        if neg(trial) > value + 1e-9:
            break
        beta, value = trial, neg(trial)
        hess = _hessian(neg, beta)
        if np.abs(step).max() < 1e-7:
            converged = True
            break
    converged = converged or bool(res.success)
    try:
        vcov = np.linalg.inv(hess)
        ok = bool(np.all(np.diag(vcov) > 0))
    except np.linalg.LinAlgError:
        vcov, ok = np.full((3, 3), np.nan), False
    if not ok:
        raise InputDataError(
            "The SECR fit has no finite standard errors (the information matrix is singular): "
            "too few animals were caught at more than one detector for sigma to be estimated."
        )
    z = norm.ppf(0.5 + level / 2)
    names = ["D", DETECTION_FUNCTIONS[detectfn], "sigma"]
    links = ["log", "logit" if detectfn == "HN" else "log", "log"]
    natural = _natural(beta, detectfn)
    rows = {}
    for j, (name, link) in enumerate(zip(names, links, strict=True)):
        se_link = float(np.sqrt(vcov[j, j]))
        inv = expit if link == "logit" else np.exp
        est = natural[j]
        # delta method: d natural / d link
        deriv = est * (1 - est) if link == "logit" else est
        rows[name] = {
            "link": link,
            "estimate": est,
            "se": deriv * se_link,
            "lcl": float(inv(beta[j] - z * se_link)),
            "ucl": float(inv(beta[j] + z * se_link)),
        }
    loglik = -float(value)
    n = ch.n
    aicc = -2 * loglik + 2 * 3 + (2 * 3 * 4 / (n - 4) if n > 4 else np.inf)
    return SecrFit(
        pd.DataFrame.from_dict(rows, orient="index"),
        loglik,
        -2 * loglik + 6,
        float(aicc),
        _region(data, detectfn, beta, vcov, level),
        n,
        ch.detections,
        ch.occasions,
        len(ch.detector_ids),
        mask.area_ha,
        len(mask.xy),
        detectfn,
        ch.detector,
        level,
        converged,
        int(res.nit),
        vcov,
    )
