"""Joint monitoring: the shared equal-area grid, camera-trap layouts, Camtrap DP exchange, detection
summaries and spatially explicit capture-recapture density."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(
    __name__,
    {
        "CaptureHistory": "capthist",
        "Mask": "mask",
        "SecrFit": "secr",
        "active_intervals": "effort",
        "capture_history_from_package": "capthist",
        "fit_secr": "secr",
        "habitat_mask": "mask",
        "log_likelihood": "secr",
        "read_secr_text": "capthist",
    "run_merge": "merge",
        "trap_buffer_mask": "mask",
        "trap_nights": "effort",
        "write_secr_text": "capthist",
    },
)
