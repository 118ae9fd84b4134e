"""Composite specifications parse without the compositing stack."""

from __future__ import annotations

import subprocess
import sys

import pytest

from habitatmap.composite.spec import METHODS, parse_months
from habitatmap.errors import ConfigError


def test_methods_and_months():
    assert METHODS == ("median", "medoid")
    assert parse_months("11-2") == frozenset({11, 12, 1, 2}) and parse_months(" ") is None
    with pytest.raises(ConfigError, match="not months"):
        parse_months("0-3")


def test_checking_a_site_file_does_not_import_the_compositing_stack(root):
    code = ("import sys; from habitatmap.workflow.site import load_site; "
            f"load_site({str(root / 'workflows' / 'altyn_emel.yaml')!r}); "
            "print('dask' in sys.modules, 'habitatmap.composite.build' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
