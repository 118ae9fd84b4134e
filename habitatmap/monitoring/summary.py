"""Detection summaries of a camera-trap package on the monitoring grid.

Per station (a deployment's ``locationID``, or the deployment), per grid cell and per side:
trap-nights (deployment spans minus recorded downtime, in 24-hour days), independent detections
per species (records of one species at one station more than ``gap`` apart; 30 minutes by default),
the relative abundance index (independent detections per 100 trap-nights), naive occupancy (share of
stations with a detection), and detection histories (stations x occasions: 1 detected, 0 not, empty
where the station did not run) with the effort matrix beside them, in the one-row-per-site CSV
layout occupancy software (unmarked, PRESENCE) reads.

Observations are read in chunks of a few columns, so memory grows with the number of animal
records kept (a few bytes each), not with the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.monitoring.effort import active_intervals, station_ids, trap_nights

__all__ = [
    "PRODUCT",
    "Summary",
    "detection_histories",
    "independent_detections",
    "read_detections",
    "run_summary",
    "station_effort",
    "summarise",
]

PRODUCT = "monitoring.summary"
_COLUMNS = ["deploymentID", "eventStart", "observationLevel", "observationType", "scientificName"]


def station_effort(deployments: pd.DataFrame) -> pd.DataFrame:
    """Stations and their trap-nights: ``station``, ``side``, ``cell_id``, ``latitude``,
    ``longitude``, ``trap_nights`` (deployments at one location are summed)."""
    dep = deployments.copy()
    dep["station"] = station_ids(dep)
    dep["trap_nights"] = [trap_nights(row) for _, row in dep.iterrows()]
    for col in ("side", "cell_id"):
        if col not in dep:
            dep[col] = ""
    agg = dep.groupby("station", sort=True).agg(
        side=("side", "first"),
        cell_id=("cell_id", "first"),
        latitude=("latitude", "first"),
        longitude=("longitude", "first"),
        trap_nights=("trap_nights", "sum"),
    )
    return agg.reset_index()


def read_detections(
    path: str | os.PathLike[str], station_of: dict[str, str], *, chunksize: int = 250_000
) -> pd.DataFrame:
    """Animal records of an ``observations.csv``: ``station``, ``species``, ``time`` (UTC ns),
    read in chunks; event-level records are used when the file has any, media-level otherwise."""
    path = Path(path)
    try:
        header = pd.read_csv(path, nrows=0).columns
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputDataError(
            f"{path} cannot be read as CSV ({exc}); give the package's observations.csv."
        ) from exc
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise InputDataError(f"{path} lacks {', '.join(missing)}; it is not a Camtrap DP observations table.")
    parts: dict[str, list[pd.DataFrame]] = {"event": [], "media": []}
    for chunk in pd.read_csv(
        path, usecols=_COLUMNS, dtype=str, chunksize=chunksize, keep_default_na=False, na_values=[""]
    ):
        chunk = chunk[(chunk["observationType"] == "animal") & chunk["scientificName"].notna()]
        if chunk.empty:
            continue
        unknown = ~chunk["deploymentID"].isin(station_of.keys())
        if unknown.any():
            raise InputDataError(
                f"{path}: an observation names deployment {chunk['deploymentID'][unknown].iloc[0]!r}, "
                "which deployments.csv lacks; add it or fix the id."
            )
        try:
            times = pd.to_datetime(chunk["eventStart"], utc=True, format="mixed")
        except (ValueError, TypeError) as exc:
            raise InputDataError(
                f"{path}: an eventStart is not an ISO 8601 time with an offset ({exc})."
            ) from exc
        for level in parts:
            sel = chunk["observationLevel"] == level
            if sel.any():
                parts[level].append(
                    pd.DataFrame(
                        {
                            "station": pd.Categorical(chunk.loc[sel, "deploymentID"].map(station_of)),
                            "species": pd.Categorical(chunk.loc[sel, "scientificName"]),
                            "time": times[sel].to_numpy(dtype="datetime64[ns]").astype(np.int64),
                        }
                    )
                )
    use = parts["event"] or parts["media"]
    if not use:
        return pd.DataFrame(
            {
                "station": pd.Categorical([]),
                "species": pd.Categorical([]),
                "time": np.array([], dtype=np.int64),
            }
        )
    # Categories joined as categories: a record stays a few bytes (codes and a time), never a string.
    from pandas.api.types import union_categoricals

    return pd.DataFrame(
        {
            "station": union_categoricals([p["station"] for p in use], ignore_order=True),
            "species": union_categoricals([p["species"] for p in use], ignore_order=True),
            "time": np.concatenate([p["time"].to_numpy() for p in use]),
        }
    )


def independent_detections(records: pd.DataFrame, *, gap_minutes: float = 30.0) -> pd.DataFrame:
    """Independent detections: a record starts one unless the previous record of the same species
    at the same station is at most ``gap_minutes`` earlier (records chain: a bout of photos with
    short pauses is one detection)."""
    if gap_minutes < 0:
        raise ConfigError(f"--gap {gap_minutes}: give a gap of 0 minutes or more.")
    if records.empty:
        return records.reset_index(drop=True)
    station = pd.Categorical(records["station"])
    species = pd.Categorical(records["species"])
    st, sp = station.codes.astype(np.int32), species.codes.astype(np.int32)
    time = records["time"].to_numpy(dtype=np.int64)
    order = np.lexsort((time, sp, st))
    st, sp, time = st[order], sp[order], time[order]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = (st[1:] == st[:-1]) & (sp[1:] == sp[:-1])
    gap = np.zeros(len(order), dtype=bool)
    gap[1:] = (time[1:] - time[:-1]) > gap_minutes * 60e9
    new = ~same | gap
    r = pd.DataFrame(
        {
            "station": pd.Categorical.from_codes(st[new], station.categories),
            "species": pd.Categorical.from_codes(sp[new], species.categories),
            "time": time[new],
        }
    )
    return r


def detection_histories(
    detections: pd.DataFrame,
    deployments: pd.DataFrame,
    species: str,
    *,
    occasion_days: float,
    start: pd.Timestamp,
    occasions: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The detection history (stations x occasions; 1, 0, or NA where the station did not run)
    and the effort (trap-nights per station and occasion) of one species."""
    length = pd.Timedelta(days=occasion_days)
    edges = [start + k * length for k in range(occasions + 1)]
    dep = deployments.copy()
    dep["station"] = station_ids(dep)
    stations = sorted(set(dep["station"]))
    sidx = {s: i for i, s in enumerate(stations)}
    effort = np.zeros((len(stations), occasions))
    for _, row in dep.iterrows():
        for a, b in active_intervals(row):
            for k in range(occasions):
                lo, hi = max(a, edges[k]), min(b, edges[k + 1])
                if hi > lo:
                    effort[sidx[row["station"]], k] += (hi - lo).total_seconds() / 86400.0
    hist = np.where(effort > 0, 0.0, np.nan)
    d = detections[detections["species"] == species]
    if len(d):
        k = ((d["time"].to_numpy() - start.value) // length.value).astype(np.int64)
        ok = (k >= 0) & (k < occasions)
        for st, kk in zip(d["station"].astype(str).to_numpy()[ok], k[ok], strict=True):
            if st in sidx:
                hist[sidx[st], kk] = 1.0
    cols = [f"occ{k + 1}" for k in range(occasions)]
    h = pd.DataFrame(hist, index=pd.Index(stations, name="site"), columns=cols).astype("Int64")
    e = pd.DataFrame(np.round(effort, 4), index=pd.Index(stations, name="site"), columns=cols)
    return h, e


@dataclass
class Summary:
    """The tables of a summary."""

    stations: pd.DataFrame
    cells: pd.DataFrame
    sides: pd.DataFrame
    histories: dict[str, tuple[pd.DataFrame, pd.DataFrame]]
    species: list[str]
    records: int
    detections: int
    occasions: int
    occasion_days: float
    gap_minutes: float
    start: pd.Timestamp
    notes: list[str] = field(default_factory=list)


def _rai(det: pd.Series, nights: pd.Series) -> pd.Series:
    return (100.0 * det / nights.where(nights > 0)).round(4)


def summarise(
    deployments: pd.DataFrame,
    records: pd.DataFrame,
    *,
    gap_minutes: float = 30.0,
    occasion_days: float = 7.0,
    species: list[str] | None = None,
) -> Summary:
    """Summaries of detections (see the module text) from deployments and animal records."""
    if occasion_days <= 0:
        raise ConfigError(f"--occasion-days {occasion_days}: give a positive length.")
    eff = station_effort(deployments)
    det = independent_detections(records, gap_minutes=gap_minutes)
    names = sorted(set(det["species"].astype(str))) if species is None else list(species)
    counts = det.groupby(["station", "species"], observed=True).size().rename("detections").reset_index()
    counts["station"], counts["species"] = counts["station"].astype(str), counts["species"].astype(str)
    rows = []
    for sp in names:
        c = counts[counts["species"] == sp].set_index("station")["detections"]
        t = eff.copy()
        t["species"] = sp
        t["detections"] = t["station"].map(c).fillna(0).astype(int)
        rows.append(t)
    st = pd.concat(rows, ignore_index=True) if rows else eff.assign(species="", detections=0)
    st["rai"] = _rai(st["detections"], st["trap_nights"])
    st["detected"] = (st["detections"] > 0).astype(int)

    def group(keys: list[str]) -> pd.DataFrame:
        g = (
            st.groupby([*keys, "species"], dropna=False)
            .agg(
                stations=("station", "nunique"),
                trap_nights=("trap_nights", "sum"),
                detections=("detections", "sum"),
                occupied=("detected", "sum"),
            )
            .reset_index()
        )
        g["rai"] = _rai(g["detections"], g["trap_nights"])
        g["naive_occupancy"] = (g["occupied"] / g["stations"]).round(4)
        return g

    cells = group(["cell_id"])
    sides = pd.concat([group(["side"]), group([]).assign(side="(all)")], ignore_index=True)
    start = deployments["deploymentStart"].min().floor("D")
    span = (deployments["deploymentEnd"].max() - start) / pd.Timedelta(days=occasion_days)
    occasions = max(1, int(np.ceil(span)))
    hist = {
        sp: detection_histories(
            det, deployments, sp, occasion_days=occasion_days, start=start, occasions=occasions
        )
        for sp in names
    }
    return Summary(
        st.round({"trap_nights": 4}),
        cells,
        sides,
        hist,
        names,
        len(records),
        len(det),
        occasions,
        occasion_days,
        gap_minutes,
        start,
    )


def _safe(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "species"


def _map_png(path: Path, cells: Any, column: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 6), dpi=110)
    cells.plot(
        column=column,
        ax=ax,
        legend=True,
        cmap="YlGnBu",
        edgecolor="0.4",
        linewidth=0.3,
        missing_kwds={"color": "0.9", "edgecolor": "0.7", "hatch": "//"},
    )
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def run_summary(
    package: str | os.PathLike[str],
    grid: str | os.PathLike[str] | None,
    out: str | os.PathLike[str],
    *,
    gap_minutes: float = 30.0,
    occasion_days: float = 7.0,
    species: list[str] | None = None,
    lang: str = "en",
    allow_ballpark: bool = False,
) -> tuple[Summary, Path]:
    """Summarise a package (see the module text) and write CSVs, detection histories, a styled
    GeoPackage of the cells, a map per species and ``report.md`` into ``out``."""
    import geopandas as gpd

    from habitatmap.io.atomic import OutputFolder
    from habitatmap.io.vector import write_layers
    from habitatmap.legend.labels import label
    from habitatmap.monitoring.camtrapdp import read_descriptor, read_table
    from habitatmap.monitoring.styles import styles_table
    from habitatmap.provenance import Provenance

    folder = Path(package)
    # The deployments whole (they are few); the observations streamed.
    _, paths = read_descriptor(folder)
    dep = read_table(paths["deployments"], "deployments")
    records = read_detections(
        paths["observations"], dict(zip(dep["deploymentID"], station_ids(dep), strict=True))
    )
    cells = None
    if grid is not None:
        from habitatmap.monitoring.camtrapdp import _assign_cells
        from habitatmap.monitoring.cells import read_cells

        cells = read_cells(grid)
        if "cell_id" not in dep or dep["cell_id"].isna().all():
            dep = _assign_cells(dep, cells)
    summary = summarise(dep, records, gap_minutes=gap_minutes, occasion_days=occasion_days, species=species)
    record = Provenance(
        PRODUCT,
        parameters={
            "gap_minutes": gap_minutes,
            "occasion_days": occasion_days,
            "species": species,
            "lang": lang,
        },
    )
    record.add_input("package", folder / "datapackage.json")
    record.add_input("deployments", paths["deployments"])
    record.add_input("observations", paths["observations"])
    if grid is not None:
        record.add_input("grid", grid)
    with OutputFolder(out, product=PRODUCT) as of:
        stage = of.staging
        summary.stations.to_csv(stage / "stations.csv", index=False, lineterminator="\n")
        summary.cells.to_csv(stage / "cells.csv", index=False, lineterminator="\n")
        summary.sides.to_csv(stage / "sides.csv", index=False, lineterminator="\n")
        maps = []
        for sp, (h, e) in summary.histories.items():
            h.to_csv(stage / f"detection_history_{_safe(sp)}.csv", lineterminator="\n")
            e.to_csv(stage / f"effort_{_safe(sp)}.csv", lineterminator="\n")
        if cells is not None and summary.species:
            layer = cells[["cell_id", "geometry"]].copy()
            for sp in summary.species:
                c = summary.cells[summary.cells["species"] == sp].set_index("cell_id")
                layer[f"rai_{_safe(sp)}"] = layer["cell_id"].map(c["rai"])
                layer[f"detections_{_safe(sp)}"] = layer["cell_id"].map(c["detections"]).astype("Int64")
            first = summary.cells[summary.cells["species"] == summary.species[0]].set_index("cell_id")
            layer["trap_nights"] = layer["cell_id"].map(first["trap_nights"]).round(2)
            layer["rai"] = layer[f"rai_{_safe(summary.species[0])}"]
            write_layers(
                stage / "summary.gpkg",
                {
                    "summary_cells": gpd.GeoDataFrame(layer, crs=cells.crs),
                    "layer_styles": styles_table(["summary_cells"], lang=lang),
                },
                layer_options={"layer_styles": {"FID": "id"}},
                provenance=record,
            )
            for sp in summary.species:
                png = f"rai_{_safe(sp)}.png"
                _map_png(
                    stage / png,
                    gpd.GeoDataFrame(layer, crs=cells.crs),
                    f"rai_{_safe(sp)}",
                    f"{sp}: {label('rai', lang)}",
                )
                maps.append((sp, png))
        (stage / "report.md").write_text(_report(summary, lang, maps), encoding="utf-8")
        of.set_record(record)
    return summary, Path(out)


def _report(s: Summary, lang: str, maps: list[tuple[str, str]]) -> str:
    from habitatmap.legend.labels import label

    lines = [
        f"# {label('monitoring_summary', lang)}",
        "",
        f"- {label('records', lang)}: {s.records}; {label('independent_detections', lang)}: {s.detections} "
        f"({label('gap', lang)} {s.gap_minutes:g} min)",
        f"- {label('occasions', lang)}: {s.occasions} x {s.occasion_days:g} d, "
        f"{label('from', lang)} {s.start.strftime('%Y-%m-%d')} (UTC)",
        "",
    ]
    heads = ["side", "species", "stations", "trap_nights", "detections", "rai", "naive_occupancy"]
    lines.append("| " + " | ".join(label(h, lang) for h in heads) + " |")
    lines.append("|" + "---|" * len(heads))
    for _, r in s.sides.iterrows():
        cells = [
            str(r["side"]),
            str(r["species"]),
            str(int(r["stations"])),
            f"{r['trap_nights']:.1f}",
            str(int(r["detections"])),
            "" if pd.isna(r["rai"]) else f"{r['rai']:.2f}",
            f"{r['naive_occupancy']:.2f}",
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    for sp, png in maps:
        lines += ["", f"![{sp}]({png})"]
    return "\n".join(lines) + "\n"
