"""Camtrap DP 1.0: the real MICA example tables, a real Wildlife Insights export, merging."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from habitatmap.errors import InputDataError
from habitatmap.monitoring.camtrapdp import (
    FIELDS,
    PROFILE,
    REQUIRED,
    Package,
    check_timezone,
    merge_packages,
    read_descriptor,
    read_package,
    read_table,
    read_wildlife_insights,
    round_coordinates,
    write_package,
)


def _descriptor(**over):
    doc = {
        "profile": PROFILE,
        "created": "2023-02-06T11:23:03Z",
        "contributors": [{"title": "INBO"}],
        "project": {
            "title": "MICA",
            "samplingDesign": "targeted",
            "captureMethod": ["activityDetection"],
            "individualAnimals": False,
            "observationLevel": ["media", "event"],
        },
        "spatial": {"type": "Point", "coordinates": [4.7, 51.4]},
        "temporal": {"start": "2020-05-30", "end": "2021-04-18"},
        "taxonomic": [],
        "resources": [
            {
                "name": n,
                "path": f"{n}.csv",
                "profile": "tabular-data-resource",
                "schema": f"https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/{n}-table-schema.json",
            }
            for n in ("deployments", "media", "observations")
        ],
    }
    doc.update(over)
    return doc


@pytest.fixture()
def mica(tmp_path: Path, root: Path) -> Path:
    src = root / "tests" / "data" / "camtrap_dp" / "mica"
    d = tmp_path / "mica"
    d.mkdir()
    shutil.copy(src / "deployments.csv", d / "deployments.csv")
    shutil.copy(src / "observations_excerpt.csv", d / "observations.csv")
    (d / "media.csv").write_text(
        "mediaID,deploymentID,timestamp,filePath,filePublic,fileMediatype\n"
        "07840dcc,00a2c20d,2020-05-30T02:57:37Z,media/07840dcc.jpg,false,image/jpeg\n"
    )
    (d / "datapackage.json").write_text(json.dumps(_descriptor()))
    return d


def test_read_real_tables_in_utc(mica):
    pkg = read_package(mica)
    assert isinstance(pkg, Package) and len(pkg.deployments) == 4 and len(pkg.observations) == 23
    # 2020-05-30T04:57:37+02:00 is 02:57:37 UTC; 2021-03-27T21:38:18+01:00 is 20:38:18 UTC.
    dep = pkg.deployments.set_index("deploymentID")
    assert dep.loc["00a2c20d", "deploymentStart"] == pd.Timestamp("2020-05-30T02:57:37Z")
    assert dep.loc["62c200a9", "deploymentStart"] == pd.Timestamp("2021-03-27T20:38:18Z")
    assert set(REQUIRED["observations"]) <= set(pkg.observations.columns)


def test_round_trip_keeps_everything(mica, tmp_path):
    pkg = read_package(mica)
    out = tmp_path / "out"
    out.mkdir()
    assert write_package(pkg, out) == ["datapackage.json", "deployments.csv", "media.csv", "observations.csv"]
    back = read_package(out)
    assert back.descriptor["profile"] == PROFILE
    assert back.descriptor["taxonomic"] == [
        {"scientificName": "Anas platyrhynchos"},
        {"scientificName": "Rattus norvegicus"},
    ]
    header = (out / "deployments.csv").read_text().splitlines()[0].split(",")
    assert header == [c for c in FIELDS["deployments"] if c in header]
    pd.testing.assert_frame_equal(
        back.observations[["observationID", "eventStart"]], pkg.observations[["observationID", "eventStart"]]
    )


@pytest.mark.parametrize(
    "change, match",
    [
        ({"project": {"title": "x"}}, "project lacks"),
        ({"taxonomic": None}, None),
    ],
)
def test_descriptor_checks(mica, change, match):
    doc = _descriptor(**change)
    if change.get("taxonomic", 1) is None:
        del doc["taxonomic"]
        match = "taxonomic"
    (mica / "datapackage.json").write_text(json.dumps(doc))
    with pytest.raises(InputDataError, match=match):
        read_package(mica)


def test_table_checks(mica):
    text = (mica / "deployments.csv").read_text().replace("+02:00,2020-07-01", ",2020-07-01", 1)
    (mica / "deployments.csv").write_text(text)
    with pytest.raises(InputDataError, match="no time-zone offset"):
        read_package(mica)
    # Told the zone, the local time is read in it.
    pkg = read_package(mica, timezone_name="Europe/Brussels")
    assert pkg.deployments["deploymentStart"].iloc[0] == pd.Timestamp("2020-05-30T02:57:37Z")
    obs = (mica / "observations.csv").read_text().replace(",animal,", ",beast,", 1)
    (mica / "observations.csv").write_text(obs)
    with pytest.raises(InputDataError, match="observationType 'beast'"):
        read_package(mica, timezone_name="Europe/Brussels")


def test_read_wildlife_insights_export(root):
    wi = read_wildlife_insights(
        root / "tests" / "data" / "wildlife_insights" / "cajambre",
        timezone_name="America/Bogota",
        images="images_excerpt.csv",
    )
    dep = wi.deployments.set_index("deploymentID")
    assert len(dep) == 19
    # Bogota is UTC-5; an end date at midnight means the camera ran through that day.
    assert dep.loc["CTCAJ013743", "deploymentStart"] == pd.Timestamp("2014-10-22T05:00Z")
    assert dep.loc["CTCAJ013743", "deploymentEnd"] == pd.Timestamp("2014-12-09T04:59:59Z")
    obs = wi.observations.set_index("mediaID")
    assert obs.loc["da5d3826-f2dc-48a4-8c1e-1e3b4f9ad105", "scientificName"] == "Leopardus pardalis"
    assert obs.loc["7d57f9d2-c6fe-46db-9b98-7fbc81523607", "observationType"] == "blank"
    assert obs.loc["2a75e6cb-c963-40c9-92b0-0f312f5aa03a", "observationType"] == "human"
    assert obs.loc["2a75e6cb-c963-40c9-92b0-0f312f5aa03a", "eventStart"] == pd.Timestamp(
        "2014-12-08T12:46:00Z"
    )


def test_merge_prefixes_clashes_and_rounds_for_sharing(mica, root):
    a = read_package(mica)
    b = read_package(mica)
    m = merge_packages(a, b, sides=("RUS", "CHN"))
    assert len(m.deployments) == 8 and m.deployments["deploymentID"].is_unique
    assert m.deployments["deploymentID"].iloc[0] == "RUS:00a2c20d" and set(m.deployments["side"]) == {
        "RUS",
        "CHN",
    }
    assert m.observations["observationID"].is_unique
    assert set(m.observations["deploymentID"]) <= set(m.deployments["deploymentID"])
    shared = merge_packages(a, b, sides=("RUS", "CHN"), sensitive={"Rattus norvegicus"}, decimals=2)
    assert shared.descriptor["coordinatePrecision"] == 0.01
    assert (shared.deployments["latitude"] * 100).round(6).mod(1).eq(0).all()
    # Half a 0.01 degree step: 556.6 m north-south, 556.6 x cos(51.501) = 346.6 m east-west at the
    # station, hypot 655.7, so 656 m more uncertainty.
    assert shared.deployments["coordinateUncertainty"].iloc[0] == 187 + 656
    kept, step = round_coordinates(a.deployments, 3)
    assert step == 0.001 and kept["latitude"].iloc[0] == 51.496


def test_descriptor_paths_stay_inside_the_package(mica):
    desc, paths = read_descriptor(mica)
    assert desc["project"]["title"] == "MICA" and paths["deployments"] == (mica / "deployments.csv").resolve()
    assert len(read_table(paths["observations"], "observations")) == 23
    doc = json.loads((mica / "datapackage.json").read_text())
    doc["resources"][2]["path"] = "../../../../etc/passwd"
    (mica / "datapackage.json").write_text(json.dumps(doc))
    with pytest.raises(InputDataError, match=r"datapackage\.json"):
        read_descriptor(mica)


def test_timezones_are_checked():
    assert check_timezone("Asia/Vladivostok") == "Asia/Vladivostok" and check_timezone(None) is None
    from habitatmap.errors import ConfigError

    with pytest.raises(ConfigError, match="not an IANA time zone"):
        check_timezone("Mars/Olympus")
