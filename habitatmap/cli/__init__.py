"""Command-line interface: ``habitatmap`` and its command groups (one module each)."""

from habitatmap.cli import demo, legend, scenes  # noqa: F401  (registers the commands)
from habitatmap.cli._app import app

__all__ = ["app"]
