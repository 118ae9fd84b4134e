"""Capture histories: secr's text formats (read real captdata, write and read back) and packages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from habitatmap.errors import InputDataError
from habitatmap.monitoring.capthist import (
    DETECTOR_TYPES,
    CaptureHistory,
    capture_history_from_package,
    read_secr_text,
    write_secr_text,
)


def test_read_captdata(secr_data):
    ch = read_secr_text(*secr_data)
    assert (ch.n, ch.occasions, len(ch.detector_ids), ch.detections) == (76, 5, 100, 235)
    assert ch.individuals[:3] == ["1", "6", "7"]
    # Animal 1 was caught once, on occasion 2 at trap 9 (x 365, y 605).
    k = ch.detector_ids.index("9")
    assert ch.counts[0, 1, k] == 1 and ch.counts[0].sum() == 1
    assert "multi" in DETECTOR_TYPES and "proximity" in DETECTOR_TYPES


def test_write_and_read_back(tmp_path, secr_data):
    ch = read_secr_text(*secr_data)
    files = write_secr_text(ch, tmp_path, stem="x_")
    assert files == ["x_capt.txt", "x_trap.txt"]
    back = read_secr_text(tmp_path / "x_capt.txt", tmp_path / "x_trap.txt", fmt="trapID")
    assert back.individuals == ch.individuals and np.array_equal(back.counts, ch.counts)
    assert np.allclose(back.xy, ch.xy) and np.array_equal(back.usage, ch.usage)


def test_bad_text_is_one_sentence(tmp_path, secr_data):
    bad = tmp_path / "capt.txt"
    bad.write_text("1 1 2 999 999\n")
    with pytest.raises(InputDataError, match="no trap"):
        read_secr_text(bad, secr_data[1])
    with pytest.raises(InputDataError, match="not one of"):
        CaptureHistory(
            ["a"],
            np.zeros((1, 2)),
            np.ones((1, 1)),
            [],
            np.zeros((0, 1, 1), dtype=np.int16),
            detector="single",
        )


def test_from_package_occasions_and_usage():
    t = pd.Timestamp("2022-06-01", tz="UTC")
    dep = pd.DataFrame(
        {
            "deploymentID": ["d1", "d2"],
            "locationID": ["L1", "L2"],
            "deploymentStart": [t, t],
            "deploymentEnd": [t + pd.Timedelta(days=10), t + pd.Timedelta(days=5)],
            "downtime": ["", ""],
        }
    )
    obs = pd.DataFrame(
        {
            "deploymentID": ["d1", "d1", "d2", "d1"],
            "scientificName": ["P", "P", "P", "Q"],
            "individualID": ["a", "a", "b", "z"],
            "eventStart": [t + pd.Timedelta(days=1), t + pd.Timedelta(days=7), t + pd.Timedelta(days=2), t],
        }
    )
    ch = capture_history_from_package(obs, dep, xy=np.array([[0, 0], [1000, 0]]), species="P", occasions=2)
    assert ch.individuals == ["a", "b"] and ch.detector_ids == ["L1", "L2"]
    # Two 5-day occasions: d2 ran only the first.
    assert np.allclose(ch.usage, [[1, 1], [1, 0]])
    assert ch.counts[0, 0, 0] == 1 and ch.counts[0, 1, 0] == 1 and ch.counts[1, 0, 1] == 1
