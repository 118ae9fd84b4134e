"""Change monitoring: burn severity from Landsat composites and habitat change between two maps."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(
    __name__,
    {
        "KEY_BENSON": "burn",
        "BurnResult": "burn",
        "ChangeResult": "habitat",
        "SeverityClass": "burn",
        "burn_indices": "burn",
        "change_code": "habitat",
        "change_colours": "habitat",
        "classify_severity": "burn",
        "load_thresholds": "burn",
        "nbr": "burn",
        "read_crosswalk": "habitat",
        "run_burn": "burn",
        "run_habitat_change": "habitat",
        "split_code": "habitat",
    },
)
