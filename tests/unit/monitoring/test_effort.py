"""Trap-nights: deployment spans minus recorded downtime, worked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from habitatmap.errors import InputDataError
from habitatmap.monitoring.effort import active_intervals, parse_downtime, station_ids, trap_nights


def _dep(down: str = "") -> pd.Series:
    return pd.Series(
        {
            "deploymentID": "d",
            "deploymentStart": pd.Timestamp("2024-05-01T00:00Z"),
            "deploymentEnd": pd.Timestamp("2024-05-11T00:00Z"),
            "downtime": down,
        }
    )


def test_trap_nights_minus_downtime():
    assert trap_nights(_dep()) == pytest.approx(10.0)
    down = "2024-05-03T00:00Z/2024-05-05T12:00Z|2024-05-10T12:00+02:00/2024-05-12T00:00Z"
    # 2.5 days off, then from 10:00 UTC on the 10th to the end: 0.5833 days more.
    assert trap_nights(_dep(down)) == pytest.approx(10 - 2.5 - 14 / 24)
    spans = active_intervals(_dep(down))
    assert len(spans) == 2 and spans[0][1] == pd.Timestamp("2024-05-03T00:00Z")


def test_bad_downtime_is_one_sentence():
    assert parse_downtime(None) == [] and parse_downtime("") == []
    with pytest.raises(InputDataError, match="start/end"):
        parse_downtime("yesterday", deployment="d")
    with pytest.raises(InputDataError, match="ending before"):
        parse_downtime("2024-05-03T00:00Z/2024-05-02T00:00Z", deployment="d")


def test_station_ids():
    dep = pd.DataFrame({"deploymentID": ["d1", "d2", "d3"], "locationID": ["L1", None, ""]})
    assert station_ids(dep).tolist() == ["L1", "d2", "d3"]
    assert station_ids(dep.drop(columns="locationID")).tolist() == ["d1", "d2", "d3"]
