"""Omniscape.jl's own verified cases, run through ``habitatmap omniscape CONFIG.ini`` from the folder
that holds ``input/`` (as Omniscape's suite does), compared as Omniscape's suite compares: missing
cells set to -9999 in both arrays, then ``isapprox(A, B; rtol = 1e-6)`` (norm-wise). Every map a run
writes must have a verified twin, and every verified map the case's ``.ini`` asks for must be
written. The cases are Omniscape.jl's (MIT), kept unchanged in ``tests/conformance/omniscape``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

SUITE = Path(__file__).resolve().parents[1] / "conformance" / "omniscape"
VERIFY = SUITE / "output_verify"
CASES = {"config.ini": "test1", "config2.ini": "test2", "config3.ini": "test3",
         "config_reclass.ini": "test_reclass"}


def _array(path: Path) -> np.ndarray:
    with rasterio.open(path) as ds:
        a = ds.read(1).astype(np.float64)
        if ds.nodata is not None:
            a[a == ds.nodata] = -9999.0
    a[np.isnan(a)] = -9999.0
    return a


def _isapprox(a: np.ndarray, b: np.ndarray, rtol: float = 1e-6) -> bool:
    """Julia's ``isapprox`` for arrays: ``norm(a - b) <= rtol * max(norm(a), norm(b))``."""
    return float(np.linalg.norm(a - b)) <= rtol * max(float(np.linalg.norm(a)), float(np.linalg.norm(b)))


def test_the_suite_is_bundled_unchanged():
    assert sorted(p.name for p in VERIFY.iterdir()) == sorted(CASES.values())
    assert (SUITE / "LICENSE.md").read_text(encoding="utf-8").count("MIT") >= 1


def test_isapprox_is_norm_wise_and_can_fail():
    a = np.ones(100)
    b = a.copy()
    b[0] += 5e-6  # one cell off by 5e-6: within 1e-6 of the norm (10)
    assert _isapprox(a, b)
    b[0] += 1e-5
    assert not _isapprox(a, b)


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "input").symlink_to(SUITE / "input")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("ini", sorted(CASES), ids=[CASES[k] for k in sorted(CASES)])
def test_case_matches_omniscape(ini: str, workdir: Path, cli):
    project = CASES[ini]
    result = cli("omniscape", f"input/{ini}")
    assert result.exit_code == 0, result.output
    out = workdir / project
    written = sorted(p for p in out.iterdir() if p.name != "config.ini")
    assert written, "no map written"
    assert (out / "config.ini").read_bytes() == (SUITE / "input" / ini).read_bytes()
    verified = sorted(p for p in (VERIFY / project).iterdir() if p.name != "config.ini")
    assert [p.name for p in written] == [p.name for p in verified]
    for mine in written:
        ours, theirs = _array(mine), _array(VERIFY / project / mine.name)
        assert ours.shape == theirs.shape, mine.name
        np.testing.assert_array_equal(ours == -9999, theirs == -9999, err_msg=f"{mine.name}: nodata cells")
        assert _isapprox(ours, theirs), (
            f"{mine.name}: relative difference {np.linalg.norm(ours - theirs) / np.linalg.norm(theirs):.3g}")


def test_unsupported_keys_and_solver_are_warned_about_not_fatal(workdir: Path, cli):
    result = cli("omniscape", "input/config3.ini")
    assert result.exit_code == 0, result.output
    assert "foo" in result.output and "bar" in result.output
    result = cli("omniscape", "input/config.ini")
    assert "wrong_solver_name" in result.output
    assert "block_size 2 is even" in result.output


def test_a_second_run_writes_beside_the_first(workdir: Path, cli):
    assert cli("omniscape", "input/config2.ini").exit_code == 0
    assert cli("omniscape", "input/config2.ini").exit_code == 0
    assert (workdir / "test2" / "cum_currmap.asc").exists()
    assert (workdir / "test2_1" / "cum_currmap.asc").exists()
    np.testing.assert_array_equal(_array(workdir / "test2" / "cum_currmap.asc"),
                                  _array(workdir / "test2_1" / "cum_currmap.asc"))
