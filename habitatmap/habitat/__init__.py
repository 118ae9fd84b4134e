"""The habitat map: features from composites, labelled samples, models, exact fast forest inference,
classification with smoothing to the minimum mapping unit, polygons, and honest accuracy
(``accuracy``)."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "ClassifyResult": "classify",
    "ClassifySettings": "classify",
    "CompiledForest": "forest",
    "EXCLUDED_BANDS": "features",
    "FeatureStack": "features",
    "HabitatModel": "models",
    "LABEL_FIELDS": "samples",
    "MIN_CLASS_SAMPLES": "classify",
    "MODELS": "models",
    "MapResult": "classify",
    "PolygonizeResult": "polygonize",
    "SampleSet": "samples",
    "check_training": "classify",
    "classify_composites": "classify",
    "habitat_polygons": "polygonize",
    "habitat_polygons_from_file": "polygonize",
    "is_saved_model": "classify",
    "load_model": "models",
    "majority_filter": "smoothing",
    "make_estimator": "models",
    "mmu_pixels": "smoothing",
    "polygonize_map": "polygonize",
    "predict_map": "classify",
    "read_samples": "samples",
    "resolve_labels": "samples",
    "sample_features": "classify",
    "save_model": "models",
    "spatial_folds": "classify",
    "supports": "forest",
    "train": "models",
})
