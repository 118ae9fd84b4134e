"""Command-line interface: ``habitatmap`` and its command groups (one module each)."""

from habitatmap.cli import (  # noqa: F401  (registers commands)
    basemap,
    change,
    circuitscape,
    classify,
    composite,
    corridors,
    demo,
    grid,
    habitats,
    legend,
    monitor,
    omniscape,
    run,
    scenes,
    sheets,
    webmap,
    zoning,
)
from habitatmap.cli._app import app

__all__ = ["app"]
