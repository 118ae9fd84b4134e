"""Omniscape (McRae et al. 2016; Omniscape.jl) in Python: omnidirectional connectivity from moving
windows of Circuitscape's advanced mode, solved as dask tasks tile by tile."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "IniRun": "ini",
    "OmniscapeMaps": "run",
    "OmniscapeOptions": "options",
    "OmniscapeRun": "product",
    "load_ini": "ini",
    "omniscape": "run",
    "options_from_config": "options",
    "read_ini": "options",
    "run_ini": "ini",
    "run_omniscape": "product",
})
