"""Camera effort: when each deployment was running.

A deployment runs from ``deploymentStart`` to ``deploymentEnd`` minus its recorded downtime. Camtrap
DP has no downtime field; habitatmap reads an optional ``downtime`` column of ``start/end`` ISO 8601
pairs separated by ``|`` (what field teams note when a camera was found knocked over or with a full
card), and keeps it when it writes or merges packages.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from habitatmap.errors import InputDataError

__all__ = ["active_intervals", "parse_downtime", "station_ids", "trap_nights"]


def parse_downtime(value: Any, *, deployment: str = "") -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The downtime intervals of a ``downtime`` cell (``start/end|start/end``), in UTC."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
        return []
    out = []
    for part in str(value).split("|"):
        try:
            a, b = part.strip().split("/")
            start, end = pd.Timestamp(a), pd.Timestamp(b)
        except ValueError as exc:
            raise InputDataError(
                f"Deployment {deployment} has downtime {part.strip()!r}, not a start/end pair "
                "of ISO 8601 times; write it as 2024-05-01T00:00Z/2024-05-03T00:00Z."
            ) from exc
        start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
        end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
        if end <= start:
            raise InputDataError(
                f"Deployment {deployment} has downtime ending before it starts ({part.strip()}); "
                "swap or fix the times."
            )
        out.append((start, end))
    return sorted(out)


def active_intervals(deployment: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The spans a deployment was running: its start to end minus its downtime."""
    start, end = deployment["deploymentStart"], deployment["deploymentEnd"]
    spans = [(start, end)]
    for a, b in parse_downtime(deployment.get("downtime"), deployment=str(deployment["deploymentID"])):
        nxt = []
        for s, e in spans:
            if b <= s or a >= e:
                nxt.append((s, e))
                continue
            if a > s:
                nxt.append((s, a))
            if b < e:
                nxt.append((b, e))
        spans = nxt
    return spans


def trap_nights(deployment: pd.Series) -> float:
    """Trap-nights (24-hour days) a deployment ran."""
    return sum((b - a).total_seconds() for a, b in active_intervals(deployment)) / 86400.0


def station_ids(deployments: pd.DataFrame) -> pd.Series:
    """The station of each deployment: its ``locationID`` (a camera moved to a new post is a new
    station; two cameras at one post are one), or the deployment itself when it has none."""
    dep = deployments["deploymentID"].astype(str)
    if "locationID" not in deployments:
        return dep
    loc = deployments["locationID"]
    return loc.where(loc.notna() & (loc.astype(str) != ""), dep).astype(str)
