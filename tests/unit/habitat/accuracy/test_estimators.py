"""Accuracy and area estimators against the published Olofsson et al. (2014) example and by hand."""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.habitat.accuracy.estimators import estimate

# ../shared/facts/olofsson2014-example.md: rows = map class, columns = reference class.
OLOFSSON_MATRIX = np.array([[66, 0, 5, 4], [0, 55, 8, 12], [1, 0, 153, 11], [2, 1, 9, 313]])
OLOFSSON_PIXELS = {1: 200_000, 2: 150_000, 3: 3_200_000, 4: 6_450_000}


def _units(matrix: np.ndarray, codes: list[int]) -> tuple[list[int], list[int]]:
    m, r = [], []
    for i, a in enumerate(codes):
        for j, b in enumerate(codes):
            m += [a] * int(matrix[i, j])
            r += [b] * int(matrix[i, j])
    return m, r


def test_olofsson_2014_worked_example():
    m, r = _units(OLOFSSON_MATRIX, [1, 2, 3, 4])
    acc = estimate(m, r, m, OLOFSSON_PIXELS, pixel_area_ha=0.09, mapped_pixels=OLOFSSON_PIXELS)
    assert acc.classes == [1, 2, 3, 4]
    assert acc.error_matrix.tolist() == OLOFSSON_MATRIX.tolist()
    np.testing.assert_array_equal(np.round(acc.area_ha), [21_158, 11_686, 285_770, 581_386])
    np.testing.assert_array_equal(np.round(acc.area_ci95_ha), [6_158, 3_756, 15_510, 16_282])
    np.testing.assert_array_equal(np.round(acc.users_accuracy, 3), [0.880, 0.733, 0.927, 0.963])
    np.testing.assert_array_equal(np.round(acc.producers_accuracy, 3), [0.749, 0.847, 0.935, 0.962])
    assert round(acc.overall_accuracy, 3) == 0.947
    # The paper's 95 % intervals of the accuracies (section 5): UA1 +-0.074, PA1 +-0.213, OA +-0.018.
    assert 1.96 * acc.users_accuracy_se[0] == pytest.approx(0.074, abs=5e-4)
    assert 1.96 * acc.producers_accuracy_se[0] == pytest.approx(0.213, abs=5e-4)
    assert 1.96 * acc.overall_accuracy_se == pytest.approx(0.018, abs=5e-4)
    np.testing.assert_allclose(acc.mapped_area_ha, [18_000, 13_500, 288_000, 580_500])
    # The area-weighted matrix sums to one and its column sums are the area proportions.
    assert acc.proportions.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(acc.proportions.sum(axis=0) * 900_000, acc.area_ha)


def test_strata_other_than_map_classes_by_hand():
    # Two strata that are not map classes: A (600 px) and B (400 px), pixels of 1 ha.
    #   A: (map 1, ref 1) x2, (map 1, ref 2), (map 2, ref 2)     B: (map 2, ref 2), (map 1, ref 2)
    m = [1, 1, 1, 2, 2, 1]
    r = [1, 1, 2, 2, 2, 2]
    h = ["A", "A", "A", "A", "B", "B"]
    acc = estimate(m, r, h, {"A": 600, "B": 400}, pixel_area_ha=1.0)
    # p_ij = sum_h W_h n_hij / n_h with W_A = 0.6, W_B = 0.4
    np.testing.assert_allclose(acc.proportions, [[0.3, 0.6 / 4 + 0.4 / 2], [0.0, 0.6 / 4 + 0.4 / 2]])
    assert acc.overall_accuracy == pytest.approx(0.65)
    np.testing.assert_allclose(acc.users_accuracy, [0.3 / 0.65, 1.0])
    np.testing.assert_allclose(acc.producers_accuracy, [1.0, 0.35 / 0.70])
    np.testing.assert_allclose(acc.area_ha, [300.0, 700.0])
    # V(OA) = W_A^2 s_A^2/n_A + W_B^2 s_B^2/n_B = 0.36*0.25/4 + 0.16*0.5/2 = 0.0625
    assert acc.overall_accuracy_se == pytest.approx(0.25)
    # Area of class 1: y = [1,1,0,0 | 0,0]; s_A^2 = 1/3, s_B^2 = 0 -> V = 0.36*(1/3)/4 = 0.03
    assert acc.area_se_ha[0] == pytest.approx(1000 * np.sqrt(0.03))
    assert acc.strata == {"A": (600, 4), "B": (400, 2)}


def test_fpc_only_shrinks_variances():
    m, r = _units(OLOFSSON_MATRIX, [1, 2, 3, 4])
    small = {k: v // 1000 for k, v in OLOFSSON_PIXELS.items()}  # 200 px stratum, 75 sampled
    plain = estimate(m, r, m, small, pixel_area_ha=0.09)
    fpc = estimate(m, r, m, small, pixel_area_ha=0.09, fpc=True)
    assert fpc.area_ha == pytest.approx(plain.area_ha)
    assert (fpc.area_se_ha < plain.area_se_ha).all()


def test_kappa_matches_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    m, r = _units(OLOFSSON_MATRIX, [1, 2, 3, 4])
    acc = estimate(m, r, m, OLOFSSON_PIXELS, pixel_area_ha=0.09)
    assert acc.kappa == pytest.approx(cohen_kappa_score(m, r))
    assert acc.sample_overall_accuracy == pytest.approx(np.trace(OLOFSSON_MATRIX) / OLOFSSON_MATRIX.sum())


def test_class_never_mapped_has_no_users_accuracy_and_a_stratum_without_sample_is_noted():
    acc = estimate([1, 1, 2], [1, 3, 2], [1, 1, 2], {1: 10, 2: 10, 3: 5}, pixel_area_ha=1.0)
    assert acc.classes == [1, 2, 3]
    assert np.isnan(acc.users_accuracy[2]) and acc.producers_accuracy[2] == 0.0
    assert any("'3'" in n and "no sample unit" in n for n in acc.notes)
