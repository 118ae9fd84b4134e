"""Data files the package ships: the legend, labels and crosswalks (``styles/``), the site workflows
(``workflows/``) and the sample's checksums (``sample_data/tumen/metadata.json``).

They are single-sourced in the project's top-level folders and packaged into the wheel as the data
packages ``habitatmap.styles``, ``habitatmap.workflows`` and ``habitatmap.sample_data`` (see
pyproject.toml), so an installed habitatmap finds them with :mod:`importlib.resources`. A bare
source checkout that was never installed finds the same folders beside the package.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

__all__ = ["DATA_PACKAGES", "data_path"]

#: Data package -> top-level folder of the source tree it is built from.
DATA_PACKAGES = {"styles": "styles", "workflows": "workflows", "sample_data": "sample_data"}


def data_path(package: str, *parts: str) -> Path:
    """The path of a shipped data file, e.g. ``data_path("styles", "legend.yaml")``.

    Raises
    ------
    ValueError
        For a package that is not one of :data:`DATA_PACKAGES`.
    """
    if package not in DATA_PACKAGES:
        raise ValueError(f"unknown data package {package!r}; one of {', '.join(DATA_PACKAGES)}")
    try:
        base = Path(str(importlib.resources.files(f"habitatmap.{package}")))
    except ModuleNotFoundError:  # a checkout used without installing: the folder beside the package
        base = Path(__file__).resolve().parent.parent / DATA_PACKAGES[package]
    return base.joinpath(*parts)
