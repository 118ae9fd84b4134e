"""Habitat classifiers: training, and saving in a safe format with what is needed to reuse them.

Models are scikit-learn estimators. A saved model is a skops file (no pickle: loading runs no
code) holding the estimator and its metadata: feature names, legend id and version, class codes,
training summary, seed and library versions. Loading accepts only the scikit-learn types a model
of this module contains.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.io.atomic import atomic_path
from habitatmap.provenance import software_versions
from habitatmap.values import quote

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ESTIMATORS", "MODELS", "HabitatModel", "library_versions", "load_model", "make_estimator",
           "save_model", "train"]

#: --model choices: a name -> what it is.
MODELS = {
    "rf": "random forest, 100 trees (default; exact fast inference)",
    "hgb": "histogram gradient boosting",
}

#: Estimator classes a saved model may hold (what :func:`make_estimator` builds, and ExtraTrees).
ESTIMATORS = ("RandomForestClassifier", "ExtraTreesClassifier", "HistGradientBoostingClassifier")

#: Types a saved model may contain besides plain containers and numpy arrays.
_TRUSTED_TYPES = {
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
}


def make_estimator(name: str, *, seed: int, threads: int | None = None) -> Any:
    """A fresh, unfitted estimator for ``--model name``.

    Raises
    ------
    ConfigError
        For an unknown name.
    """
    if name == "rf":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=threads or -1)
    if name == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(random_state=seed)
    raise ConfigError(f"--model {quote(name)}: not a model; choose one of {', '.join(MODELS)}, or give a "
                      "saved .skops model.")


@dataclass
class HabitatModel:
    """A fitted estimator and what it was fitted on.

    Attributes
    ----------
    estimator
        The fitted scikit-learn classifier (its classes are legend codes).
    feature_names
        Feature names in column order (see :mod:`habitatmap.features`).
    metadata
        Legend id/version, model name, seed, training summary, library versions.
    """

    estimator: Any
    feature_names: list[str]
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Models on one composite's features each (``metadata["composite"]``: its 0-based index), for
    #: pixels where the other composites have no clear view (see habitat.classify.train_fallbacks).
    fallbacks: list[HabitatModel] = field(default_factory=list)

    @property
    def codes(self) -> list[int]:
        """Class codes the model can predict."""
        return [int(c) for c in self.estimator.classes_]


def library_versions() -> dict[str, str]:
    """Versions that decide whether a saved model loads and predicts the same."""
    return software_versions("scikit-learn", "skops", "numba")


def train(x: np.ndarray, codes: np.ndarray, feature_names: list[str], *, model: str = "rf",
          seed: int = 0, threads: int | None = None, metadata: dict[str, Any] | None = None) -> HabitatModel:
    """Fit a classifier on samples ``x`` (n_samples, n_features) labelled with legend ``codes``."""
    estimator = make_estimator(model, seed=seed, threads=threads)
    estimator.fit(x, codes)
    meta = {"model": model, "seed": seed, "n_samples": len(codes),
            "software": library_versions(), **(metadata or {})}
    return HabitatModel(estimator, list(feature_names), meta)


def save_model(model: HabitatModel, dest: str | os.PathLike[str]) -> Path:
    """Write ``model`` as a skops file, atomically."""
    import skops.io as sio

    doc = {"format": "habitatmap-model/1", "estimator": model.estimator,
           "feature_names": list(model.feature_names), "metadata": model.metadata,
           "fallbacks": [{"estimator": f.estimator, "feature_names": list(f.feature_names),
                          "metadata": f.metadata} for f in model.fallbacks]}
    with atomic_path(dest) as tmp:
        sio.dump(doc, tmp)
    return Path(dest)


def load_model(path: str | os.PathLike[str]) -> HabitatModel:
    """Read a model written by :func:`save_model`.

    Raises
    ------
    InputDataError
        If the file is missing, not a skops file, not a habitatmap model, or contains types other
        than those a habitatmap model holds (it is then refused without being loaded).
    """
    import skops.io as sio

    p = Path(path)
    if not p.is_file():
        raise InputDataError(f"{p}: model file not found; train one with 'habitatmap classify ... "
                             "--model-out FILE'.")
    try:
        untrusted = set(sio.get_untrusted_types(file=p))
    except Exception as err:  # skops raises zipfile/JSON errors for non-model files
        raise InputDataError(f"{p}: not a skops model file ({err}); pass a file written with "
                             "--model-out.") from None
    foreign = sorted(untrusted - _TRUSTED_TYPES)
    if foreign:
        raise InputDataError(f"{p}: contains types a habitatmap model never holds ({', '.join(foreign)}); "
                             "it was not loaded. Use a model written by 'habitatmap classify --model-out'.")
    doc = sio.load(p, trusted=sorted(untrusted))
    if not isinstance(doc, dict) or doc.get("format") != "habitatmap-model/1":
        raise InputDataError(f"{p}: a skops file, but not a habitatmap model; pass a file written "
                             "with --model-out.")
    # skops trusts every scikit-learn type by default; a model here is one of ours, nothing else.
    fallbacks = doc.get("fallbacks", [])
    for est in [doc["estimator"], *(f.get("estimator") for f in fallbacks if isinstance(f, dict))]:
        if type(est).__name__ not in ESTIMATORS:
            raise InputDataError(f"{p}: holds a {type(est).__name__}, not one of the models "
                                 f"habitatmap trains ({', '.join(ESTIMATORS)}); pass a file written with "
                                 "--model-out.")
    if not isinstance(fallbacks, list) or not all(isinstance(f, dict) for f in fallbacks):
        raise InputDataError(f"{p}: its fallback models are malformed; pass a file written with --model-out.")
    return HabitatModel(doc["estimator"], list(doc["feature_names"]), dict(doc.get("metadata", {})),
                        [HabitatModel(f["estimator"], list(f["feature_names"]), dict(f.get("metadata", {})))
                         for f in fallbacks])
