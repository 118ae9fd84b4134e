"""The merge runner: two sides' packages into one with its record; a WI export needs its zone."""

from __future__ import annotations

import json

import pytest

from habitatmap.errors import ConfigError
from habitatmap.monitoring.camtrapdp import read_package
from habitatmap.monitoring.merge import PRODUCT, SENSITIVE, MergeRun, read_side, run_merge


def test_merge_two_sides_with_a_record(survey, tmp_path):
    d, run = survey
    res = run_merge(
        run.packages["RUS"],
        run.packages["CHN"],
        tmp_path / "joint",
        sides=("RUS", "CHN"),
        grid=d / "grid.gpkg",
        share=True,
    )
    assert isinstance(res, MergeRun) and "Panthera pardus orientalis" in SENSITIVE
    back = read_package(tmp_path / "joint")
    assert set(back.deployments["side"]) == {"RUS", "CHN"} and back.deployments["cell_id"].notna().all()
    assert back.descriptor["coordinatePrecision"] == 0.01
    record = json.loads((tmp_path / "joint" / "provenance.json").read_text())
    assert record["product"] == PRODUCT and record["parameters"]["share"] is True
    with pytest.raises(ConfigError, match="two different names"):
        run_merge(run.packages["RUS"], run.packages["CHN"], tmp_path / "x", sides=("RUS", "RUS"))


def test_read_side_wants_a_zone_for_wildlife_insights(root):
    wi = root / "tests" / "data" / "wildlife_insights" / "cajambre"
    with pytest.raises(ConfigError, match="--timezone"):
        read_side(wi, wildlife_insights=True)
