"""Lazy package exports keep the command line quick and the packages free of cycles."""

from __future__ import annotations

import subprocess
import sys

import pytest

from habitatmap._lazy import attach


def test_attach_loads_on_first_use():
    names, getattr_, dir_ = attach("habitatmap.scenes", {"DEFAULT_BANDS": "defaults"})
    assert names == ["DEFAULT_BANDS"] and dir_() == names
    assert getattr_("DEFAULT_BANDS")[0] == "blue"
    with pytest.raises(AttributeError):
        getattr_("nothing")


def test_every_package_export_resolves():
    import importlib
    import pkgutil

    import habitatmap

    for m in pkgutil.walk_packages(habitatmap.__path__, "habitatmap."):
        if m.ispkg:
            pkg = importlib.import_module(m.name)
            for name in getattr(pkg, "__all__", []):
                assert getattr(pkg, name) is not None, (m.name, name)


def test_the_cli_starts_without_the_heavy_stacks():
    code = ("import sys, habitatmap.cli; heavy = [m for m in ('numpy', 'rasterio', 'geopandas', 'sklearn', "
            "'numba', 'pystac') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
