"""Map accuracy and area estimation from a stratified reference sample.

The estimators are those of Stehman (2014, Int. J. Remote Sensing 35: 4923-4939) for stratified
random sampling with any strata. When the strata are the map classes they reduce exactly to the
formulas of Olofsson et al. (2014, Remote Sensing of Environment 148: 42-57): the area-weighted error
matrix, area-adjusted class areas with 95 % confidence intervals, and overall, user's and producer's
accuracies with standard errors. A sample stratified by something else (e.g. by the reference class,
as the bundled validation sample is) is handled correctly too, which the map-class formulas are not.

Like Olofsson et al., the variances omit the finite-population correction by default (conservative,
and what their published table uses); pass ``fpc=True`` to apply it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from habitatmap.values import quote

__all__ = ["Z95", "Accuracy", "estimate"]

#: Normal quantile of a two-sided 95 % confidence interval.
Z95 = 1.96


@dataclass(frozen=True)
class Accuracy:
    """Accuracy and area estimates; per-class arrays follow :attr:`classes`.

    Attributes
    ----------
    classes
        Class codes in matrix order.
    error_matrix
        Sample counts, rows = map class, columns = reference class.
    proportions
        Area-weighted error matrix: estimated proportion of the area in each (map, reference) cell.
    overall_accuracy, overall_accuracy_se
        Estimated overall accuracy and its standard error.
    users_accuracy, users_accuracy_se, producers_accuracy, producers_accuracy_se, f1
        Per-class estimates (NaN where a class is absent from the map or the reference).
    area_ha, area_se_ha, area_ci95_ha
        Area-adjusted class areas (reference classes), standard errors and 95 % CI half-widths.
    mapped_area_ha
        Class areas as mapped (pixel counts times pixel area), when the map's counts were given.
    kappa
        Cohen's kappa of the sample counts, for comparison with older studies only.
    sample_overall_accuracy
        Share of sample units correctly mapped (unweighted; biased when strata are sampled unequally).
    n
        Sample units used.
    strata
        Stratum label -> (N_h pixels, n_h sample units).
    """

    classes: list[int]
    error_matrix: np.ndarray
    proportions: np.ndarray
    overall_accuracy: float
    overall_accuracy_se: float
    users_accuracy: np.ndarray
    users_accuracy_se: np.ndarray
    producers_accuracy: np.ndarray
    producers_accuracy_se: np.ndarray
    f1: np.ndarray
    area_ha: np.ndarray
    area_se_ha: np.ndarray
    area_ci95_ha: np.ndarray
    kappa: float
    sample_overall_accuracy: float
    n: int
    strata: dict[str, tuple[int, int]]
    mapped_area_ha: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


class _Strata:
    """Per-stratum moments for the estimators of Stehman (2014)."""

    def __init__(self, strata: np.ndarray, sizes: Mapping[str, int], fpc: bool):
        self.labels = [h for h in sizes if np.any(strata == h)]
        self.index = [np.flatnonzero(strata == h) for h in self.labels]
        self.N = np.array([float(sizes[h]) for h in self.labels])
        self.n = np.array([len(i) for i in self.index], dtype=float)
        self.total = self.N.sum()
        self.f = self.n / self.N if fpc else np.zeros_like(self.N)
        # Each unit's weight in the estimated mean, N_h / (N n_h): the mean is then one dot product
        # (sum_h N_h mean_h(y) / N), and a whole cross-tabulation one weighted count.
        self.weights = np.zeros(len(strata))
        for Nh, nh, i in zip(self.N, self.n, self.index, strict=True):
            self.weights[i] = Nh / (self.total * nh)

    def mean(self, y: np.ndarray) -> float:
        """Estimated population mean of ``y`` (a proportion for an indicator)."""
        return float(np.dot(self.weights, y))

    def var_mean(self, y: np.ndarray) -> float:
        """Variance of :meth:`mean`."""
        v = 0.0
        for Nh, nh, fh, i in zip(self.N, self.n, self.f, self.index, strict=True):
            if nh > 1:
                v += Nh ** 2 * (1 - fh) * np.var(y[i], ddof=1) / nh
        return v / self.total ** 2

    def ratio(self, y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
        """Ratio estimate ``Y/X`` and its standard error."""
        X = sum(Nh * x[i].mean() for Nh, i in zip(self.N, self.index, strict=True))
        if X == 0:
            return float("nan"), float("nan")
        R = sum(Nh * y[i].mean() for Nh, i in zip(self.N, self.index, strict=True)) / X
        v = 0.0
        for Nh, nh, fh, i in zip(self.N, self.n, self.f, self.index, strict=True):
            if nh > 1:
                yi, xi = y[i], x[i]
                cov = np.cov(yi, xi, ddof=1)
                v += Nh ** 2 * (1 - fh) * (cov[0, 0] + R ** 2 * cov[1, 1] - 2 * R * cov[0, 1]) / nh
        return float(R), float(np.sqrt(max(v, 0.0)) / X)


def _kappa(matrix: np.ndarray) -> float:
    n = matrix.sum()
    if n == 0:
        return float("nan")
    po = np.trace(matrix) / n
    pe = float((matrix.sum(axis=1) * matrix.sum(axis=0)).sum()) / n ** 2
    return float((po - pe) / (1 - pe)) if pe < 1 else float("nan")


def estimate(
    map_class: Sequence[int] | np.ndarray,
    ref_class: Sequence[int] | np.ndarray,
    strata: Sequence[object] | np.ndarray,
    stratum_sizes: Mapping[object, int],
    *,
    pixel_area_ha: float,
    classes: Sequence[int] | None = None,
    mapped_pixels: Mapping[int, int] | None = None,
    fpc: bool = False,
) -> Accuracy:
    """Estimate accuracy and class areas from a stratified random sample.

    Parameters
    ----------
    map_class, ref_class
        Map and reference class code of each sample unit.
    strata
        Stratum of each unit; for the design of Olofsson et al. pass ``map_class``.
    stratum_sizes
        Stratum -> number of pixels in it (N_h). Strata without a sample unit are left out, with a
        note in the result.
    pixel_area_ha
        Area of one pixel in hectares.
    classes
        Matrix order (default: every code seen, ascending).
    mapped_pixels
        Map class -> pixel count, to report mapped areas beside the adjusted ones.
    fpc
        Apply the finite-population correction to the variances.

    Returns
    -------
    Accuracy
    """
    m = np.asarray(map_class, dtype=np.int64)
    r = np.asarray(ref_class, dtype=np.int64)
    h = np.asarray([str(s) for s in strata], dtype=object)
    sizes = {str(k): int(v) for k, v in stratum_sizes.items()}
    notes = [f"stratum {quote(k)} ({v} pixels) has no sample unit and is left out of the estimates"
             for k, v in sizes.items() if v > 0 and not np.any(h == k)]
    unknown = sorted(set(h) - set(sizes))
    if unknown:
        raise ValueError(f"sample units in strata without a size: {unknown}")
    codes = list(classes) if classes is not None else sorted(set(m) | set(r))
    k = len(codes)
    st = _Strata(h, sizes, fpc)
    total_ha = st.total * pixel_area_ha

    matrix = np.zeros((k, k), dtype=np.int64)
    pos = {c: i for i, c in enumerate(codes)}
    for a, b in zip(m, r, strict=True):
        matrix[pos[a], pos[b]] += 1
    props = np.zeros((k, k))
    np.add.at(props, ([pos[a] for a in m], [pos[b] for b in r]), st.weights)

    correct = (m == r).astype(float)
    oa, oa_var = st.mean(correct), st.var_mean(correct)
    ua = np.full(k, np.nan)
    ua_se = np.full(k, np.nan)
    pa = np.full(k, np.nan)
    pa_se = np.full(k, np.nan)
    area = np.zeros(k)
    area_se = np.zeros(k)
    for i, c in enumerate(codes):
        hit = ((m == c) & (r == c)).astype(float)
        ua[i], ua_se[i] = st.ratio(hit, (m == c).astype(float))
        pa[i], pa_se[i] = st.ratio(hit, (r == c).astype(float))
        ref_c = (r == c).astype(float)
        area[i] = st.mean(ref_c) * total_ha
        area_se[i] = np.sqrt(st.var_mean(ref_c)) * total_ha
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(ua + pa > 0, 2 * ua * pa / (ua + pa), np.nan)
    mapped = None
    if mapped_pixels is not None:
        mapped = np.array([mapped_pixels.get(c, 0) * pixel_area_ha for c in codes])
    return Accuracy(
        classes=[int(c) for c in codes], error_matrix=matrix, proportions=props,
        overall_accuracy=oa, overall_accuracy_se=float(np.sqrt(oa_var)),
        users_accuracy=ua, users_accuracy_se=ua_se, producers_accuracy=pa,
        producers_accuracy_se=pa_se, f1=f1, area_ha=area, area_se_ha=area_se,
        area_ci95_ha=Z95 * area_se, kappa=_kappa(matrix),
        sample_overall_accuracy=float(correct.mean()) if correct.size else float("nan"),
        n=int(m.size),
        strata={lab: (int(N), int(n)) for lab, N, n in zip(st.labels, st.N, st.n, strict=True)},
        mapped_area_ha=mapped, notes=notes)
