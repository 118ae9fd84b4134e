"""Change monitoring: burn severity from Landsat composites (or a fire date, whose scenes are chosen,
pulled and composited) and habitat change between two maps."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(
    __name__,
    {
        "KEY_BENSON": "burn",
        "BurnResult": "burn",
        "CHANGE_MAP_TAG": "habitat",
        "ChangeResult": "habitat",
        "FireScenes": "fire",
        "SeverityClass": "burn",
        "burn_indices": "burn",
        "change_code": "habitat",
        "change_colours": "habitat",
        "classify_severity": "burn",
        "load_thresholds": "burn",
        "nbr": "burn",
        "read_crosswalk": "habitat",
        "run_burn": "burn",
        "run_fire_burn": "fire",
        "run_habitat_change": "habitat",
        "select_fire_scenes": "fire",
        "split_code": "habitat",
    },
)
