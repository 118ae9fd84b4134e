"""Composites of pulled scenes: per-pixel median or medoid of clear observations, spectral indices."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "CompositeResult": "build",
    "CompositeSettings": "build",
    "INDICES": "indices",
    "METHODS": "spec",
    "block_size_for": "build",
    "composite_block": "build",
    "composite_scenes": "build",
    "compute_index": "indices",
    "medoid": "build",
    "normalized_difference": "indices",
    "parse_indices": "indices",
    "parse_months": "spec",
    "read_stack": "build",
})
