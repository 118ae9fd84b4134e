"""Command-line interface: ``habitatmap`` and its command groups (one module each)."""

from habitatmap.cli import composite, demo, legend, scenes  # noqa: F401  (registers commands)
from habitatmap.cli._app import app

__all__ = ["app"]
