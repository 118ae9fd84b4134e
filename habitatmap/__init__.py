"""habitatmap: transboundary wildlife habitat mapping toolkit."""

__version__ = "0.1.0"

__all__ = ["__version__"]
