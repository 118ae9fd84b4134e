"""Honest accuracy of class maps: stratified estimators (Olofsson et al. 2014, Stehman 2014), the
assessment of a map against a reference sample, and the report."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "Accuracy": "estimators",
    "Assessment": "assess",
    "DESIGN_CV": "assess",
    "DESIGN_MAP_STRATA": "assess",
    "REPORT_FILES": "report",
    "SampleDesign": "design",
    "Z95": "estimators",
    "assess_map": "assess",
    "assess_samples": "assess",
    "build_report": "report",
    "design_sample": "design",
    "label_from_raster": "design",
    "estimate": "estimators",
    "map_pixel_counts": "assess",
    "pixel_area_ha": "assess",
    "render_markdown": "report",
    "write_design": "design",
    "write_report": "report",
})
