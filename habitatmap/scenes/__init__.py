"""Landsat scenes from STAC: items, search, asset access, QA_PIXEL masks and the clipped, masked pull.

This package is the only place that talks to the network (see ``access``).
"""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "BandAsset": "items",
    "C2_SR_OFFSET": "defaults",
    "C2_SR_SCALE": "defaults",
    "DEFAULT_BANDS": "defaults",
    "DEFAULT_COLLECTION": "defaults",
    "DEFAULT_STAC": "defaults",
    "MANIFEST": "pull",
    "PullResult": "pull",
    "PullSettings": "pull",
    "SceneOutcome": "pull",
    "SceneQuery": "search",
    "SceneSummary": "items",
    "band_assets": "items",
    "item_epsg": "items",
    "load_items": "items",
    "load_manifest": "pull",
    "normalize_platform": "items",
    "plan_grid": "pull",
    "pull_scenes": "pull",
    "qa_asset": "items",
    "read_static_items": "items",
    "safe_name": "pull",
    "scene_path": "pull",
    "search_scenes": "search",
    "standalone_item": "items",
    "summarize_item": "items",
    "unusable_mask": "qa",
    "write_items": "search",
})
