"""Command-line interface: ``habitatmap`` and its command groups (one module each)."""

from habitatmap.cli import basemap, classify, composite, corridors, demo, habitats, legend, scenes, sheets  # noqa: F401  (registers commands)
from habitatmap.cli._app import app

__all__ = ["app"]
