"""The shared legend: classes and their names, colours and resistances; exports to other tools;
crosswalks from national legends; and the UI label catalogue."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "CROSSWALK_DIR": "crosswalk",
    "Crosswalk": "crosswalk",
    "DEFAULT_LEGEND_PATH": "model",
    "EXPORT_FORMATS": "export",
    "HabitatClass": "model",
    "LANGUAGES": "model",
    "Labels": "labels",
    "Legend": "model",
    "Names": "model",
    "RESISTANCE_MAX": "model",
    "RESISTANCE_MIN": "model",
    "WORLDCOVER_CLASSES": "model",
    "check_language": "model",
    "export_legend": "export",
    "label": "labels",
    "legend_from_mapping": "model",
    "load_crosswalk": "crosswalk",
    "load_labels": "labels",
    "load_legend": "model",
    "normalise_name": "crosswalk",
    "render_legend": "export",
})
