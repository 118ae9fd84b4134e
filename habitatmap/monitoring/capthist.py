"""Capture histories of individually identified animals (individual x occasion x detector).

A :class:`CaptureHistory` holds the detectors (ids, x/y in metres, usage per occasion), the
individuals' ids and the detections as an ``int16`` array ``(individual, occasion, detector)``.
It is built from a Camtrap DP package (:func:`capture_history_from_package`: observations with an
``individualID``, detectors from the deployments, occasions as equal spans of the survey) or read
from secr's text formats (:func:`read_secr_text`: a capture file in the "XY" or "trapID" layout and a
trap file), and written back to them (:func:`write_secr_text`) for users who carry on in R.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from habitatmap.errors import InputDataError
from habitatmap.monitoring.effort import active_intervals, station_ids

__all__ = [
    "DETECTOR_TYPES",
    "CaptureHistory",
    "capture_history_from_package",
    "read_secr_text",
    "write_secr_text",
]

#: Detector types of the likelihood: a multi-catch trap holds many animals but an animal is caught
#: at most once per occasion; a proximity detector (a camera) records each animal at most once per
#: occasion and detector, independently of the others.
DETECTOR_TYPES = ("multi", "proximity")


@dataclass
class CaptureHistory:
    """Detections of identified individuals at detectors on occasions.

    Attributes
    ----------
    detector_ids, xy
        Detector ids and coordinates ``(K, 2)`` in metres of a projected CRS.
    usage
        Effort ``(K, S)``: 1 for a full occasion, 0 when the detector did not run, fractions for
        part of one (camera trap-nights / occasion length).
    individuals
        Individual ids, one per row of ``counts``.
    counts
        ``(n, S, K)`` detections (0/1 for both detector types).
    detector
        ``"multi"`` or ``"proximity"``.
    crs
        The CRS of ``xy`` (any string pyproj reads), or ``None`` for local coordinates.
    """

    detector_ids: list[str]
    xy: np.ndarray
    usage: np.ndarray
    individuals: list[str]
    counts: np.ndarray
    detector: str = "multi"
    crs: str | None = None

    def __post_init__(self) -> None:
        if self.detector not in DETECTOR_TYPES:
            raise InputDataError(
                f"Detector type {self.detector!r} is not one of {', '.join(DETECTOR_TYPES)}; "
                "use multi for traps that hold one animal at a time and proximity for cameras."
            )
        n, s, k = self.counts.shape
        if self.xy.shape != (k, 2) or self.usage.shape != (k, s) or len(self.individuals) != n:
            raise InputDataError(
                "The capture history's detectors, usage and individuals do not match its "
                "detections; rebuild it from the package."
            )

    @property
    def n(self) -> int:
        """Number of individuals detected."""
        return int(self.counts.shape[0])

    @property
    def occasions(self) -> int:
        """Number of occasions."""
        return int(self.counts.shape[1])

    @property
    def detections(self) -> int:
        """Number of detections (individual, occasion, detector) in all."""
        return int(self.counts.sum())


def _read_table(path: Path, what: str, min_cols: int) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputDataError(f"The {what} {path} cannot be read ({exc}); check the path.") from exc
    rows = []
    for i, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        cols = line.split()
        if len(cols) < min_cols:
            raise InputDataError(
                f"Line {i} of the {what} {path} has {len(cols)} fields where at least "
                f"{min_cols} are needed; fix that line."
            )
        rows.append(cols)
    if not rows:
        raise InputDataError(f"The {what} {path} holds no records; give a file with at least one.")
    return rows


def read_secr_text(
    captfile: str | os.PathLike[str],
    trapfile: str | os.PathLike[str],
    *,
    fmt: str = "XY",
    detector: str = "multi",
    session: str | None = None,
) -> CaptureHistory:
    """Read secr's text formats (``read.capthist``): a capture file and a trap file.

    Parameters
    ----------
    captfile
        One detection per line: ``session ID occasion x y`` (``fmt="XY"``) or ``session ID occasion
        trapID`` (``fmt="trapID"``); further columns (covariates) are ignored.
    trapfile
        ``trapID x y`` per line; an optional usage string of 0/1 per occasion may follow.
    fmt
        ``"XY"`` or ``"trapID"``.
    detector
        ``"multi"`` or ``"proximity"``.
    session
        Read only this session (default: the file must hold one).
    """
    captfile, trapfile = Path(captfile), Path(trapfile)
    if fmt not in ("XY", "trapID"):
        raise InputDataError(f"Capture file format {fmt!r} is not XY or trapID; give one of them.")
    traps = _read_table(trapfile, "trap file", 3)
    try:
        ids = [r[0] for r in traps]
        xy = np.array([[float(r[1]), float(r[2])] for r in traps])
    except ValueError as exc:
        raise InputDataError(
            f"The trap file {trapfile} has a coordinate that is not a number ({exc}); fix that line."
        ) from exc
    if len(set(ids)) != len(ids):
        raise InputDataError(f"The trap file {trapfile} repeats a trap id; give each trap its own id.")
    rows = _read_table(captfile, "capture file", 5 if fmt == "XY" else 4)
    sessions = sorted({r[0] for r in rows})
    if session is None and len(sessions) > 1:
        raise InputDataError(
            f"The capture file {captfile} holds sessions {', '.join(sessions)}; choose one with session=."
        )
    chosen = session if session is not None else sessions[0]
    rows = [r for r in rows if r[0] == chosen]
    if not rows:
        raise InputDataError(
            f"The capture file {captfile} has no detections in session {chosen}; "
            "choose one of " + ", ".join(sessions) + "."
        )
    where = {(x, y): k for k, (x, y) in enumerate(map(tuple, xy))}
    index = {t: k for k, t in enumerate(ids)}
    records = []
    for r in rows:
        try:
            occ = int(r[2])
        except ValueError as exc:
            raise InputDataError(
                f"The capture file {captfile} has occasion {r[2]!r}, not a whole number; fix that line."
            ) from exc
        if fmt == "XY":
            k = where.get((float(r[3]), float(r[4])))
            if k is None:
                raise InputDataError(
                    f"The capture file {captfile} has a detection at {r[3]} {r[4]}, where "
                    f"the trap file {trapfile} has no trap; fix the coordinates."
                )
        else:
            k = index.get(r[3])
            if k is None:
                raise InputDataError(
                    f"The capture file {captfile} names trap {r[3]!r}, which the trap file "
                    f"{trapfile} lacks; fix the id."
                )
        records.append((r[1], occ, k))
    occasions = max(o for _, o, _ in records)
    usage = np.ones((len(ids), occasions))
    for k, r in enumerate(traps):
        if len(r) > 3 and set(r[3]) <= {"0", "1"} and len(r[3]) >= occasions:
            usage[k] = [float(c) for c in r[3][:occasions]]
    animals = sorted({a for a, _, _ in records}, key=lambda a: (len(a), a))
    row = {a: i for i, a in enumerate(animals)}
    counts = np.zeros((len(animals), occasions, len(ids)), dtype=np.int16)
    for a, occ, k in records:
        if occ < 1:
            raise InputDataError(f"The capture file {captfile} has occasion {occ}; occasions count from 1.")
        counts[row[a], occ - 1, k] += 1
    return CaptureHistory(ids, xy, usage, animals, counts, detector=detector)


def write_secr_text(
    ch: CaptureHistory, folder: str | os.PathLike[str], *, session: str = "1", stem: str = ""
) -> list[str]:
    """Write ``capt.txt`` (trapID layout: ``session ID occasion trapID``) and ``trap.txt``
    (``trapID x y usage``) that secr's ``read.capthist(..., fmt = "trapID")`` reads.

    Returns the file names written (inside ``folder``).
    """
    folder = Path(folder)
    safe = [str(i).replace(" ", "_") for i in ch.individuals]
    traps = [str(t).replace(" ", "_") for t in ch.detector_ids]
    lines = [f"# Session ID Occasion Detector ({ch.detector} detectors; usage in {stem}trap.txt)"]
    i, s, k = np.nonzero(ch.counts)
    for a, o, t in zip(i, s, k, strict=True):
        for _ in range(int(ch.counts[a, o, t])):
            lines.append(f"{session} {safe[a]} {o + 1} {traps[t]}")
    capt = f"{stem}capt.txt"
    (folder / capt).write_text("\n".join(lines) + "\n", encoding="utf-8")
    tlines = ["# Detector x y usage (per occasion, 0 = not run)"]
    binary = np.isin(ch.usage, (0.0, 1.0)).all()
    for t, (x, y), u in zip(traps, ch.xy, ch.usage, strict=True):
        use = "".join(str(int(v)) for v in u) if binary else " ".join(f"{v:g}" for v in u)
        tlines.append(f"{t} {x:.2f} {y:.2f} {use}")
    trap = f"{stem}trap.txt"
    (folder / trap).write_text("\n".join(tlines) + "\n", encoding="utf-8")
    return [capt, trap]


def capture_history_from_package(
    observations: pd.DataFrame,
    deployments: pd.DataFrame,
    *,
    xy: np.ndarray,
    species: str,
    occasions: int,
    detector: str = "proximity",
    crs: str | None = None,
) -> CaptureHistory:
    """A capture history from a Camtrap DP package's tables.

    Detectors are the package's locations (``locationID``, or the deployment when it has none):
    a camera moved to a new post is a new detector. The survey (first deployment start to last
    deployment end) is cut into ``occasions`` equal spans; a detector's usage on an occasion is the
    share of it its deployments ran (minus their recorded downtime, when the package has a
    ``downtime`` column of ``start/end`` pairs).

    Parameters
    ----------
    observations, deployments
        The package's tables, timestamps already parsed to UTC.
    xy
        Projected coordinates ``(len(deployments), 2)`` of each deployment, in metres.
    species
        Scientific name; observations of it with an ``individualID`` are the detections.
    occasions
        Number of occasions.
    detector
        ``"proximity"`` (cameras) or ``"multi"``.
    crs
        The CRS of ``xy``, carried on the result.
    """
    if occasions < 1:
        raise InputDataError(f"{occasions} occasions were asked for; ask for at least one.")
    dep = deployments.reset_index(drop=True).copy()
    dep["_detector"] = station_ids(dep)
    start = dep["deploymentStart"].min()
    end = dep["deploymentEnd"].max()
    edges = pd.date_range(start, end, periods=occasions + 1)
    detectors = list(dict.fromkeys(dep["_detector"]))
    kindex = {d: i for i, d in enumerate(detectors)}
    pos = np.zeros((len(detectors), 2))
    for d, (x, y) in zip(dep["_detector"], xy, strict=True):
        pos[kindex[d]] = (x, y)
    length = (edges[1] - edges[0]).total_seconds()
    usage = np.zeros((len(detectors), occasions))
    for _, row in dep.iterrows():
        k = kindex[row["_detector"]]
        for a, b in active_intervals(row):
            for s in range(occasions):
                lo, hi = max(a, edges[s]), min(b, edges[s + 1])
                if hi > lo:
                    usage[k, s] += (hi - lo).total_seconds() / length
    usage = np.clip(usage, 0.0, 1.0)
    obs = observations[
        (observations["scientificName"] == species)
        & observations["individualID"].notna()
        & (observations["individualID"].astype(str) != "")
    ]
    obs = obs[obs["deploymentID"].isin(set(dep["deploymentID"]))]
    animals = sorted(set(obs["individualID"].astype(str)))
    row_of = {a: i for i, a in enumerate(animals)}
    det_of = dict(zip(dep["deploymentID"], dep["_detector"], strict=True))
    counts = np.zeros((len(animals), occasions, len(detectors)), dtype=np.int16)
    seconds = (obs["eventStart"] - edges[0]).dt.total_seconds().to_numpy()
    occ = np.clip((seconds // length).astype(int), 0, occasions - 1)
    for a, d, s in zip(obs["individualID"].astype(str), obs["deploymentID"], occ, strict=True):
        counts[row_of[a], s, kindex[det_of[d]]] = 1
    if detector == "multi":
        # An animal is caught at most once per occasion at a multi-catch trap: keep the first.
        first = counts.cumsum(axis=2) == 1
        counts = (counts * first).astype(np.int16)
    return CaptureHistory(detectors, pos, usage, animals, counts, detector=detector, crs=crs)
