"""Circuitscape compatibility: run a Circuitscape ``.ini`` (raster data) and write Circuitscape's
files, from its configuration (``config``), file formats (``files``) and the run (``run``)."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "AsciiGrid": "files",
    "CircuitscapeConfig": "config",
    "CircuitscapeInputs": "run",
    "RunResult": "run",
    "SCENARIOS": "config",
    "load_config": "config",
    "load_inputs": "run",
    "read_config": "config",
    "read_grid": "files",
    "run_config": "run",
    "solve": "run",
    "write_ascii_grid": "files",
})
