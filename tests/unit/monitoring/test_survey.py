"""The synthetic survey: two sides' valid packages from a layout, the truth recorded."""

from __future__ import annotations

import json

import pytest

from habitatmap.monitoring.camtrapdp import read_package
from habitatmap.monitoring.survey import PREY, SurveyRun


def test_two_valid_packages_with_the_truth(survey):
    d, run = survey
    assert isinstance(run, SurveyRun) and set(run.packages) == {"RUS", "CHN"}
    assert run.detected <= run.animals and run.detected > 10
    for code, path in run.packages.items():
        pkg = read_package(path)
        assert pkg.descriptor["description"].startswith("SYNTHETIC")
        assert pkg.deployments["deploymentID"].str.startswith(code + "-").all()
        names = set(pkg.observations["scientificName"])
        assert names <= {"Panthera pardus orientalis", PREY}
    record = json.loads((d / "survey" / "provenance.json").read_text())
    assert record["parameters"]["density_per_100km2"] == 60 and record["seeds"] == {"survey": 1}


def test_a_grid_without_sides_is_refused(landscape, tmp_path):
    from habitatmap.errors import InputDataError
    from habitatmap.legend import load_legend
    from habitatmap.monitoring.cells import run_grid_make
    from habitatmap.monitoring.stations import run_stations
    from habitatmap.monitoring.survey import run_survey

    lg = load_legend()
    run_grid_make(str(landscape["aoi"]), 2, tmp_path / "g.gpkg", lg, habitat=landscape["habitat"])
    run_stations(tmp_path / "g.gpkg", tmp_path / "s.gpkg", lg, per_cell=1)
    with pytest.raises(InputDataError, match="no country shares"):
        run_survey(
            tmp_path / "s.gpkg",
            tmp_path / "g.gpkg",
            landscape["habitat"],
            tmp_path / "out",
            lg,
            species="P",
            density_per_100km2=10,
            sigma_m=500,
            g0=0.1,
            days=5,
            start="2022-06-01",
        )
    assert not (tmp_path / "out").exists()
