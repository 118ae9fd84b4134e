"""Detection summaries worked by hand: trap-nights, independent detections, RAI, occupancy, histories."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.monitoring.camtrapdp import PROFILE, Package, write_package
from habitatmap.monitoring.summary import (
    PRODUCT,
    Summary,
    detection_histories,
    independent_detections,
    read_detections,
    run_summary,
    station_effort,
    summarise,
)

T0 = pd.Timestamp("2024-05-01T00:00Z")


def _deployments():
    return pd.DataFrame(
        {
            "deploymentID": ["d1", "d2", "d3"],
            "locationID": ["A", "A", "B"],
            "latitude": [43.0, 43.0, 43.1],
            "longitude": [131.0, 131.0, 131.1],
            "deploymentStart": [T0, T0 + pd.Timedelta(days=10), T0],
            "deploymentEnd": [
                T0 + pd.Timedelta(days=10),
                T0 + pd.Timedelta(days=14),
                T0 + pd.Timedelta(days=14),
            ],
            "downtime": ["", "", "2024-05-08T00:00Z/2024-05-12T00:00Z"],
            "side": ["RUS", "RUS", "CHN"],
            "cell_id": ["c1", "c1", "c2"],
        }
    )


def _records():
    def t(h):
        return (T0 + pd.Timedelta(hours=h)).value

    # At A: leopard at 0 h, 0.4 h, 0.8 h (one chain), 2 h (new); deer at 0.1 h. At B: leopard at 50 h.
    return pd.DataFrame(
        {
            "station": ["A", "A", "A", "A", "A", "B"],
            "species": ["P", "P", "P", "P", "C", "P"],
            "time": [t(0), t(0.4), t(0.8), t(2), t(0.1), t(50)],
        }
    ).astype({"station": "category", "species": "category"})


def test_effort_and_independence_by_hand():
    eff = station_effort(_deployments()).set_index("station")
    assert eff.loc["A", "trap_nights"] == pytest.approx(14.0)  # 10 + 4 days at one location
    assert eff.loc["B", "trap_nights"] == pytest.approx(10.0)  # 14 minus 4 days down
    det = independent_detections(_records(), gap_minutes=30)
    assert len(det) == 4  # A: P twice (the 24-min steps chain), C once; B: P once
    assert len(independent_detections(_records(), gap_minutes=10)) == 6
    with pytest.raises(ConfigError):
        independent_detections(_records(), gap_minutes=-1)


def test_summarise_rai_occupancy_histories():
    s = summarise(_deployments(), _records(), gap_minutes=30, occasion_days=7)
    assert isinstance(s, Summary) and s.occasions == 2 and s.species == ["C", "P"]
    st = s.stations.set_index(["station", "species"])
    assert st.loc[("A", "P"), "rai"] == pytest.approx(100 * 2 / 14, abs=1e-4)
    assert st.loc[("B", "P"), "rai"] == pytest.approx(100 * 1 / 10)
    sides = s.sides.set_index(["side", "species"])
    assert sides.loc[("(all)", "P"), "naive_occupancy"] == 1.0
    assert sides.loc[("(all)", "C"), "naive_occupancy"] == 0.5
    assert sides.loc[("(all)", "P"), "rai"] == pytest.approx(100 * 3 / 24, abs=1e-4)
    h, e = s.histories["P"]
    assert list(h.columns) == ["occ1", "occ2"]
    assert h.loc["A", "occ1"] == 1 and h.loc["A", "occ2"] == 0 and h.loc["B", "occ1"] == 1
    assert e.loc["B", "occ2"] == pytest.approx(3.0)  # days 7-14 minus 8-12 down (4 days)
    h2, _ = detection_histories(
        independent_detections(_records()), _deployments(), "P", occasion_days=1, start=T0, occasions=14
    )
    # B did not run on days 8-11: those occasions are empty, not zero.
    assert pd.isna(h2.loc["B", "occ9"]) and h2.loc["B", "occ3"] == 1


def test_run_summary_from_a_package(tmp_path):
    dep = _deployments().drop(columns=["side", "cell_id"])
    n = 6
    obs = pd.DataFrame(
        {
            "observationID": [f"o{i}" for i in range(n)],
            "deploymentID": ["d1"] * 5 + ["d3"],
            "eventStart": [T0 + pd.Timedelta(hours=h) for h in (0, 0.4, 0.8, 2, 0.1, 50)],
            "observationLevel": "event",
            "observationType": "animal",
            "scientificName": ["P", "P", "P", "P", "C", "P"],
        }
    )
    obs["eventEnd"] = obs["eventStart"]
    media = pd.DataFrame(
        {
            "mediaID": ["m"],
            "deploymentID": ["d1"],
            "timestamp": [T0],
            "filePath": ["m.jpg"],
            "filePublic": ["false"],
            "fileMediatype": ["image/jpeg"],
        }
    )
    desc = {
        "created": "2024-06-01T00:00:00Z",
        "contributors": [{"title": "t"}],
        "project": {
            "title": "t",
            "samplingDesign": "targeted",
            "captureMethod": ["activityDetection"],
            "individualAnimals": False,
            "observationLevel": ["event"],
        },
    }
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    write_package(Package(desc, dep, media, obs), pkg)
    assert json.loads((pkg / "datapackage.json").read_text())["profile"] == PROFILE
    s, out = run_summary(pkg, None, tmp_path / "summary", lang="ru")
    assert s.detections == 4 and (out / "report.md").read_text().startswith("# Регистрации")
    hist = pd.read_csv(out / "detection_history_p.csv", index_col="site")
    assert hist.loc["A", "occ1"] == 1 and PRODUCT == "monitoring.summary"
    recs = read_detections(pkg / "observations.csv", {"d1": "A", "d2": "A", "d3": "B"}, chunksize=2)
    assert len(recs) == 6 and recs["time"].dtype == np.int64
    with pytest.raises(InputDataError, match=r"deployments\.csv lacks"):
        read_detections(pkg / "observations.csv", {"d1": "A"})
