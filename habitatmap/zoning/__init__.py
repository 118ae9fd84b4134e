"""Zoning across the border: the law table (zone types, activities, legal sources), the shared
protection level derived from what a zone allows, and the comparison of both sides' zoning."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "ACTIVITIES": "levels",
    "DEFAULT_ZONING_PATH": "table",
    "LEVELS": "levels",
    "LEVEL_COLOURS": "report",
    "NO_ZONE": "compare",
    "RasterByLevel": "compare",
    "ZoneType": "table",
    "ZoningComparison": "report",
    "ZoningRun": "run",
    "ZoningTable": "table",
    "assign_levels": "compare",
    "border_comparison": "compare",
    "equal_area_crs": "compare",
    "level_areas": "compare",
    "level_change": "compare",
    "load_zoning": "table",
    "load_zoning_mapping": "run",
    "protection_level": "levels",
    "raster_by_level": "compare",
    "read_zones": "run",
    "run_compare": "run",
    "write_comparison": "report",
})
