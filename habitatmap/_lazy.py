"""Lazy package exports: a package's public names load their module on first use.

Importing one small module of a package (``habitatmap.habitat.models`` for the list of models)
then does not import the whole package (numba, scikit-learn, GDAL), which keeps the command line
quick to start and the packages free of import cycles.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["attach"]


def attach(package: str,
           where: dict[str, str]) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package`` whose public names live in the
    submodules ``where`` gives (name -> submodule, relative to the package)."""
    names = sorted(where)

    def __getattr__(name: str) -> Any:  # noqa: N807 (the module protocol's name)
        if name in where:
            module = importlib.import_module(f"{package}.{where[name]}")
            value = getattr(module, name)
            globals_ = importlib.import_module(package).__dict__
            globals_[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:  # noqa: N807
        return names

    return names, __getattr__, __dir__
