"""The tests mirror the modules: every module of the package has ``tests/unit/<package>/test_<module>.py``
and every public function or class it lists in ``__all__`` is named there (a direct test)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import habitatmap

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(habitatmap.__path__, "habitatmap.") if not m.ispkg
                  or m.name == "habitatmap.sampledata")


def test_file_for(module: str = "habitatmap.grid") -> None:
    assert _test_file(module) == ROOT / "tests" / "unit" / "test_grid.py"


def _test_file(module: str) -> Path:
    parts = module.split(".")[1:]
    if module == "habitatmap.sampledata":
        return ROOT / "tests" / "unit" / "sampledata" / "test_package.py"
    return ROOT / "tests" / "unit" / Path(*parts[:-1]) / f"test_{parts[-1].lstrip('_')}.py"


@pytest.mark.parametrize("module", _modules())
def test_every_module_has_its_test_module(module):
    assert _test_file(module).is_file(), f"{module}: add {_test_file(module).relative_to(ROOT)}"


@pytest.mark.parametrize("module", _modules())
def test_every_public_function_and_class_is_tested_directly(module):
    mod = importlib.import_module(module)
    names = [n for n in getattr(mod, "__all__", [])
             if inspect.isfunction(getattr(mod, n)) or inspect.isclass(getattr(mod, n))]
    path = _test_file(module)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    missing = [n for n in names if not re.search(rf"\b{re.escape(n)}\b", text)]
    assert not missing, f"{path.relative_to(ROOT)} never names {', '.join(missing)} of {module}"


@pytest.mark.parametrize("module", _modules())
def test_every_module_declares_its_public_names(module):
    mod = importlib.import_module(module)
    assert isinstance(getattr(mod, "__all__", None), list | tuple), f"{module} has no __all__"


# The house rules of docs/architecture.md, checked on the source: a later change that opens a second
# door (a print in the library, a reprojection outside geodesy) fails here, naming the line.
_RULES = [
    (re.compile(r"(?<![\w.])print\("), "only habitatmap/cli/ prints", ("habitatmap/cli/",)),
    (re.compile(r"Transformer\.from_crs|Transformer\.from_pipeline|rasterio\.warp|WarpedVRT|"
                r"from pyproj import .*Transformer"),
     "only habitatmap/geodesy.py changes CRS", ("habitatmap/geodesy.py",)),
    (re.compile(r"(?:gdf|layer|frame|df|\))\.to_crs\("), "GeoDataFrame.to_crs bypasses the datum guard; "
     "use habitatmap.geodesy.to_crs", ("habitatmap/geodesy.py",)),
    (re.compile(r"\bsys\.exit\(|typer\.Exit\b|raise SystemExit"), "only habitatmap/cli/ exits",
     ("habitatmap/cli/",)),
]


@pytest.mark.parametrize("pattern, rule, allowed", _RULES, ids=[r[1] for r in _RULES])
def test_house_rules_hold_in_the_library(pattern, rule, allowed):
    broken = []
    for path in sorted((ROOT / "habitatmap").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(allowed):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            if pattern.search(code):
                broken.append(f"{rel}:{n}: {line.strip()}")
    assert not broken, f"{rule}:\n" + "\n".join(broken)


def test_house_rule_patterns_catch_what_they_forbid():
    samples = {"only habitatmap/cli/ prints": "    print(x)",
               "only habitatmap/geodesy.py changes CRS": "t = Transformer.from_crs(a, b)",
               "only habitatmap/cli/ exits": "    sys.exit(2)"}
    for pattern, rule, _ in _RULES:
        if rule in samples:
            assert pattern.search(samples[rule]), rule
    assert _RULES[2][0].search("moved = gdf.to_crs(4326)")
    assert not _RULES[0][0].search("console.print(x)")
