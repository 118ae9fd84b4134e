"""Models: training, safe saving (skops) and loading only what habitatmap writes."""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.habitat.models import (
    ESTIMATORS,
    MODELS,
    HabitatModel,
    library_versions,
    load_model,
    make_estimator,
    save_model,
    train,
)


def test_make_estimator_and_train():
    assert set(MODELS) == {"rf", "hgb"} and "RandomForestClassifier" in ESTIMATORS
    assert type(make_estimator("hgb", seed=1)).__name__ == "HistGradientBoostingClassifier"
    with pytest.raises(ConfigError, match="--model 'svm'"):
        make_estimator("svm", seed=0)
    x = np.random.default_rng(0).random((60, 3)).astype(np.float32)
    y = np.arange(60) % 3 + 11
    m = train(x, y, ["1:a", "1:b", "1:c"], seed=2, threads=1, metadata={"legend_id": "l"})
    assert m.codes == [11, 12, 13] and m.metadata["seed"] == 2 and m.metadata["legend_id"] == "l"
    assert m.metadata["software"] == library_versions() and "scikit-learn" in library_versions()


def test_saved_model_refuses_foreign_types(tmp_path):
    import skops.io as sio
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.random.default_rng(0).random((60, 3)).astype(np.float32)
    y = np.arange(60) % 3 + 11
    model = HabitatModel(RandomForestClassifier(5, random_state=0).fit(x, y), ["1:a", "1:b", "1:c"],
                         {"model": "rf", "seed": 0})
    back = load_model(save_model(model, tmp_path / "m.skops"))
    assert back.feature_names == model.feature_names and back.codes == [11, 12, 13]
    np.testing.assert_array_equal(back.estimator.predict(x), model.estimator.predict(x))
    # A skops file holding another estimator (here a pipeline, which skops trusts) is refused.
    pipe = Pipeline([("s", StandardScaler()), ("rf", RandomForestClassifier(3).fit(x, y))]).fit(x, y)
    sio.dump({"format": "habitatmap-model/1", "estimator": pipe, "feature_names": [], "metadata": {}},
             tmp_path / "p.skops")
    with pytest.raises(InputDataError, match="holds a Pipeline, not one of the models"):
        load_model(tmp_path / "p.skops")
    (tmp_path / "junk.skops").write_bytes(b"not a zip")
    with pytest.raises(InputDataError, match="not a skops model file"):
        load_model(tmp_path / "junk.skops")
    with pytest.raises(InputDataError, match="model file not found"):
        load_model(tmp_path / "none.skops")
