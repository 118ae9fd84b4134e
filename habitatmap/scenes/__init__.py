"""Landsat scenes from STAC: items, search, asset access and the clipped, masked pull.

This package is the only place that talks to the network (see ``access``).
"""

from habitatmap.scenes.items import (
    C2_SR_OFFSET,
    C2_SR_SCALE,
    DEFAULT_BANDS,
    BandAsset,
    SceneSummary,
    band_assets,
    item_epsg,
    load_items,
    normalize_platform,
    qa_asset,
    read_static_items,
    standalone_item,
    summarize_item,
)

__all__ = [
    "C2_SR_OFFSET",
    "C2_SR_SCALE",
    "DEFAULT_BANDS",
    "BandAsset",
    "SceneSummary",
    "band_assets",
    "item_epsg",
    "load_items",
    "normalize_platform",
    "qa_asset",
    "read_static_items",
    "standalone_item",
    "summarize_item",
]
