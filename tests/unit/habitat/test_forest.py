"""The compiled forest gives exactly scikit-learn's labels, including the awkward cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

from habitatmap.habitat.forest import CompiledForest, supports


def _data(n: int, seed: int, n_classes: int = 6, n_features: int = 8, noise: float = 0.1):
    rng = np.random.default_rng(seed)
    means = rng.uniform(0, 0.5, (n_classes, n_features))
    y = rng.integers(0, n_classes, n)
    x = (means[y] + rng.normal(0, 0.06, (n, n_features))).astype(np.float32)
    flip = rng.random(n) < noise
    y[flip] = rng.integers(0, n_classes, flip.sum())
    return x, y * 10 + 11  # legend-like codes 11, 21, ...


@pytest.mark.parametrize("make", [
    lambda: RandomForestClassifier(n_estimators=60, random_state=1, n_jobs=1),  # deep, pure leaves
    lambda: RandomForestClassifier(n_estimators=25, min_samples_leaf=7, random_state=2),  # fractional
    lambda: RandomForestClassifier(n_estimators=10, max_depth=3, random_state=3),  # many near-ties
    lambda: ExtraTreesClassifier(n_estimators=30, random_state=4),
    lambda: RandomForestClassifier(n_estimators=4, random_state=5, n_jobs=1),  # whole votes, ties
])
def test_labels_identical_to_scikit_learn(make):
    x, y = _data(3000, 0)
    est = make().fit(x, y)
    test, _ = _data(40_000, 1)
    forest = CompiledForest.from_sklearn(est)
    np.testing.assert_array_equal(forest.predict(np.ascontiguousarray(test.T)), est.predict(test))


def test_values_exactly_on_thresholds_and_duplicates():
    # Features on a coarse lattice put many test values exactly on split thresholds (x <= t goes
    # left), and duplicated training rows with different labels make impure leaves.
    rng = np.random.default_rng(5)
    x = (rng.integers(0, 20, (2000, 4)) / 8).astype(np.float32)
    y = (x.sum(axis=1) * 3).astype(int) % 4
    y[::7] = (y[::7] + 1) % 4
    est = RandomForestClassifier(n_estimators=40, random_state=0).fit(x, y)
    test = (rng.integers(-1, 22, (20_000, 4)) / 8).astype(np.float32)
    mids = np.unique(est.estimators_[0].tree_.threshold[est.estimators_[0].tree_.feature >= 0])
    test[: len(mids), 0] = mids.astype(np.float32)  # float64 thresholds rounded to float32
    forest = CompiledForest.from_sklearn(est)
    assert (forest.onehot[forest.feature < 0] < 0).any(), "expected impure leaves"
    np.testing.assert_array_equal(forest.predict(np.ascontiguousarray(test.T)), est.predict(test))


def test_float32_threshold_rounds_down():
    from habitatmap.habitat.forest import _threshold32

    t64 = np.array([0.1, 0.30000001192092896, 1 / 3, -0.7, 5.0])
    t32 = _threshold32(t64)
    assert (t32.astype(np.float64) <= t64).all()
    nxt = np.nextafter(t32, np.float32(np.inf))
    assert (nxt.astype(np.float64) > t64).all()  # the largest float32 not above the threshold


def test_empty_and_single_pixel():
    x, y = _data(500, 2)
    est = RandomForestClassifier(n_estimators=5, random_state=0).fit(x, y)
    forest = CompiledForest.from_sklearn(est)
    assert forest.predict(np.zeros((x.shape[1], 0), dtype=np.float32)).shape == (0,)
    assert forest.predict(np.ascontiguousarray(x[:1].T))[0] == est.predict(x[:1])[0]


def test_supports_only_fitted_forest_classifiers():
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = _data(200, 3)
    assert not supports(RandomForestClassifier())
    assert not supports(HistGradientBoostingClassifier().fit(x, y))
    with pytest.raises(TypeError):
        CompiledForest.from_sklearn(HistGradientBoostingClassifier().fit(x, y))


def test_whole_votes_path_is_taken_only_for_pure_leaves():
    x, y = _data(3000, 0)
    pure = CompiledForest.from_sklearn(RandomForestClassifier(n_estimators=8, random_state=1).fit(x, y))
    mixed = CompiledForest.from_sklearn(
        RandomForestClassifier(n_estimators=8, min_samples_leaf=7, random_state=1).fit(x, y))
    assert pure.whole_votes and not mixed.whole_votes
    # Ties between whole votes (4 trees, 2 against 2) go to the first class, as in scikit-learn.
    est = RandomForestClassifier(n_estimators=4, random_state=5).fit(x, y)
    test, _ = _data(20_000, 3)
    proba = est.predict_proba(test)
    tied = (np.sort(proba, axis=1)[:, -1] == np.sort(proba, axis=1)[:, -2])
    assert tied.sum() > 100
    got = CompiledForest.from_sklearn(est).predict(np.ascontiguousarray(test.T))
    np.testing.assert_array_equal(got[tied], est.predict(test)[tied])
