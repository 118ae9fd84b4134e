"""Shipped data files are found in a checkout and in an installed wheel (see tests/packaging)."""

from __future__ import annotations

import pytest

from habitatmap.resources import DATA_PACKAGES, data_path


def test_data_files_are_found():
    assert data_path("styles", "legend.yaml").is_file()
    assert data_path("styles", "labels.yaml").is_file()
    assert data_path("styles", "crosswalks").is_dir()
    assert data_path("workflows", "tumen.yaml").is_file()
    assert data_path("sample_data", "tumen", "metadata.json").is_file()
    assert set(DATA_PACKAGES) == {"styles", "workflows", "sample_data"}
    with pytest.raises(ValueError):
        data_path("secrets", "x")


def test_the_wheel_lists_every_package_of_the_source_tree(root):
    """pyproject.toml lists packages by hand (three are data folders): none may be forgotten."""
    import tomllib

    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.relative_to(root).parts[:-1]) for p in (root / "habitatmap").rglob("__init__.py")}
    assert found <= listed
    assert {f"habitatmap.{d}" for d in DATA_PACKAGES} <= listed
