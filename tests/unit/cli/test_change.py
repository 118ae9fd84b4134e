"""``habitatmap change burn``: a fire of known size, and grids that differ refused in one sentence."""

from __future__ import annotations

import numpy as np

from habitatmap.cli.change import burn, habitat
from tests.unit.change.test_burn import _composite


def test_burn_command(cli, tmp_path):
    a = np.full((40, 40), 0.4)
    _composite(tmp_path / "pre.tif", a, a / 4)
    post = a.copy()
    post[10:20, 10:20] = 0.12
    _composite(tmp_path / "post.tif", post, a / 4)
    r = cli(
        "change",
        "burn",
        "--pre",
        tmp_path / "pre.tif",
        "--post",
        tmp_path / "post.tif",
        "--mmu-ha",
        "0",
        "--out",
        tmp_path / "out",
    )
    assert r.exit_code == 0, r.stderr
    assert "Burned (low severity and above): 9.0 ha" in r.stdout and callable(burn)
    _composite(tmp_path / "moved.tif", a, a / 4, x0=600030.0)
    r = cli(
        "change",
        "burn",
        "--pre",
        tmp_path / "pre.tif",
        "--post",
        tmp_path / "moved.tif",
        "--out",
        tmp_path / "bad",
    )
    assert r.exit_code == 2 and "not on one grid" in r.stderr and "Traceback" not in r.stderr


def test_habitat_command(cli, tmp_path):
    from tests.unit.change.test_habitat import _map

    a = np.full((10, 10), 11)
    b = a.copy()
    b[:2] = 71
    _map(tmp_path / "h1.tif", a)
    _map(tmp_path / "h2.tif", b)
    r = cli(
        "change",
        "habitat",
        "--before",
        tmp_path / "h1.tif",
        "--after",
        tmp_path / "h2.tif",
        "--out",
        tmp_path / "c",
    )
    assert r.exit_code == 0, r.stderr
    assert "1.8 ha changed class" in r.stdout and callable(habitat)
    # The change map takes a reference sample design of its own (strata from>to, field 'reference').
    r = cli("accuracy", "design", tmp_path / "c" / "change.tif", "--n", "10", "--out", tmp_path / "s.gpkg")
    assert r.exit_code == 0, r.stderr
    assert "korean_pine_broadleaf_forest>burned_bare" in r.stdout and "'reference' field" in r.stdout
    assert "change habitat" in r.stdout
    r = cli(
        "change",
        "habitat",
        "--before",
        tmp_path / "h1.tif",
        "--after",
        tmp_path / "missing.tif",
        "--out",
        tmp_path / "c2",
    )
    assert r.exit_code == 2 and "missing.tif" in r.stderr
