"""Density from a package end to end: the synthetic survey merged, fitted and written for R."""

from __future__ import annotations

import json

import pytest

from habitatmap.errors import InputDataError
from habitatmap.legend import load_legend
from habitatmap.monitoring.camtrapdp import merge_packages, read_package, write_package
from habitatmap.monitoring.capthist import read_secr_text
from habitatmap.monitoring.density import PRODUCT, DensityRun, run_density, write_density


def mask_of(folder):
    """The mask written beside a density run, read back."""
    import numpy as np

    from habitatmap.monitoring.mask import Mask

    return Mask(np.loadtxt(folder / "secr_mask.txt", skiprows=1), 200.0)


def test_density_of_the_joint_package(survey, landscape, tmp_path):
    _d, run = survey
    a, b = (read_package(p) for p in run.packages.values())
    joint = tmp_path / "joint"
    joint.mkdir()
    write_package(merge_packages(a, b, sides=tuple(run.packages)), joint)
    out = tmp_path / "density"
    res = run_density(
        joint,
        out,
        species="Panthera pardus orientalis",
        habitat=landscape["habitat"],
        legend=load_legend(),
        buffer_m=3000,
        spacing_m=200,
        occasions=8,
    )
    assert isinstance(res, DensityRun) and PRODUCT == "monitoring.density"
    est = res.fit.estimates.loc["D"]
    # The simulated 60 per 100 km2 lies inside the interval (this seed; coverage is checked in the slow test).
    assert est["lcl"] * 1e4 <= 60 <= est["ucl"] * 1e4
    assert res.fit.n == run.detected
    fit = json.loads((out / "fit.json").read_text())
    assert fit["species"] == "Panthera pardus orientalis" and fit["n"] == run.detected
    # secr's text files read back to the same capture history.
    ch = read_secr_text(out / "secr_capt.txt", out / "secr_trap.txt", fmt="trapID", detector="proximity")
    assert ch.n == res.fit.n and ch.detections == res.fit.detections
    assert (out / "report.md").read_text().count("|") > 10 and (out / "secr_mask.txt").is_file()
    again = tmp_path / "again"
    again.mkdir()
    files = write_density(
        res.fit, ch, mask_of(out), again, species="x", lang="zh", buffer_m=3000, spacing_m=200
    )
    assert set(files) == {p.name for p in again.iterdir()} and "空间捕获" in (again / "report.md").read_text()
    with pytest.raises(InputDataError, match="no identified individual"):
        run_density(
            joint,
            tmp_path / "x",
            species="Panthera tigris altaica",
            habitat=landscape["habitat"],
            legend=load_legend(),
        )
