"""A synthetic camera-trap survey on a station layout, written as one Camtrap DP package per side.

For the demo and the tests only (the packages say so in their descriptors): leopards are simulated at
a known density on the suitable habitat around the stations (:mod:`habitatmap.monitoring.simulate`),
detected through a known half-normal model on daily occasions, each detection a burst of photos
(one media record and one event-level observation per burst, the animal's ``individualID`` on
it), with a prey species photographed too so the summaries have more than one species. Each
station belongs to the side of the country whose share of its grid cell is largest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from habitatmap.errors import InputDataError

__all__ = ["PREY", "SurveyRun", "run_survey"]

#: The second species of the synthetic survey (Siberian roe deer), detected without identities.
PREY = "Capreolus pygargus"


@dataclass
class SurveyRun:
    """What :func:`run_survey` wrote: one package folder per side, and the truth."""

    packages: dict[str, Path]
    animals: int
    detected: int
    density_per_100km2: float
    mask_area_km2: float


def _descriptor(side: str, species: str) -> dict[str, Any]:
    return {
        "name": f"synthetic-survey-{side.lower()}",
        "title": f"Synthetic camera-trap survey ({side})",
        "description": "SYNTHETIC data made by habitatmap for its demo and tests: simulated animals at a "
        "known density detected through a known model. Not field data.",
        "created": "2022-01-01T00:00:00Z",
        "contributors": [{"title": "habitatmap (synthetic sample)", "role": "publisher"}],
        "project": {
            "title": f"Synthetic {species} survey",
            "samplingDesign": "systematicRandom",
            "captureMethod": ["activityDetection"],
            "individualAnimals": True,
            "observationLevel": ["event"],
        },
        "licenses": [{"name": "CC0-1.0", "scope": "data"}, {"name": "CC0-1.0", "scope": "media"}],
    }


def run_survey(
    stations: str | os.PathLike[str],
    grid: str | os.PathLike[str],
    habitat: str | os.PathLike[str],
    out: str | os.PathLike[str],
    legend: Any,
    *,
    species: str,
    density_per_100km2: float,
    sigma_m: float,
    g0: float,
    days: int,
    start: str,
    suitable_keys: list[str] | None = None,
    buffer_m: float | None = None,
    spacing_m: float = 250.0,
    prey_rate: float = 0.05,
    seed: int = 0,
) -> SurveyRun:
    """Simulate the survey and write ``out/<SIDE>/`` Camtrap DP packages (``SIDE`` = ISO3).

    Parameters
    ----------
    stations, grid, habitat, legend
        The layout (``grid stations``), its grid and the habitat map.
    species
        Scientific name of the identified species.
    density_per_100km2, sigma_m, g0
        The true density and half-normal detection model (per camera-day).
    days, start
        Survey length (daily occasions) and first day (``YYYY-MM-DD``, UTC).
    suitable_keys, buffer_m, spacing_m
        Where animals live: suitable classes within ``buffer_m`` (default 4 sigma) of a station.
    prey_rate
        Expected prey detections per camera-day.
    seed
        Random seed.
    """
    from habitatmap.geodesy import to_crs
    from habitatmap.io.atomic import OutputFolder
    from habitatmap.io.raster import read_raster
    from habitatmap.io.vector import read_vector
    from habitatmap.monitoring.camtrapdp import Package, write_package
    from habitatmap.monitoring.cells import read_cells
    from habitatmap.monitoring.mask import habitat_mask
    from habitatmap.monitoring.simulate import simulate_capture_history, simulate_population
    from habitatmap.provenance import Provenance

    rng = np.random.default_rng(seed)
    st, _ = read_vector(f"{os.fspath(stations)}:stations", what="station layout")
    cells = read_cells(grid).set_index("cell_id")
    shares = [c for c in cells.columns if c.startswith("share_")]
    if not shares:
        raise InputDataError(
            f"The grid {grid} has no country shares; make it with --zones or --countries so "
            "stations can be given a side."
        )
    unknown = sorted(set(st["cell_id"]) - set(cells.index))
    if unknown:
        raise InputDataError(
            f"Stations of {stations} lie in cells {', '.join(unknown[:3])} that the grid {grid} "
            "lacks; lay the stations out on this grid (habitatmap grid stations)."
        )
    side = cells.loc[st["cell_id"], shares].to_numpy()
    best = np.argmax(side, axis=1)
    st["side"] = np.where(side.max(axis=1) > 0, [shares[b][6:] for b in best], "")
    st = st[st["side"] != ""].reset_index(drop=True)
    if st.empty:
        raise InputDataError(f"No station of {stations} lies in a cell with a country share; check the grid.")
    raster = read_raster(habitat, what="habitat map", require_single_band=True)
    moved, _ = to_crs(st[["geometry"]], raster.grid.crs, what="stations")
    xy = np.column_stack([moved.geometry.x, moved.geometry.y])
    suitable = {legend.lookup(k).code for k in suitable_keys} if suitable_keys else None
    mask = habitat_mask(
        xy, buffer_m or 4 * sigma_m, spacing_m, habitat=raster.data, grid=raster.grid, suitable=suitable
    )
    d_ha = density_per_100km2 / 1e4
    pop = simulate_population(mask, d_ha, rng)
    usage = np.ones((len(st), days))
    ids = list(st["station_id"])
    ch, _ = simulate_capture_history(
        pop, xy, usage, p0=g0, sigma=sigma_m, rng=rng, detector="proximity", detector_ids=ids, prefix="LEO-"
    )
    t0 = pd.Timestamp(start, tz="UTC")
    rows = []
    for a, s, k in zip(*np.nonzero(ch.counts), strict=True):
        rows.append(
            (
                ids[k],
                species,
                ch.individuals[a],
                t0 + pd.Timedelta(days=int(s), seconds=int(rng.integers(0, 86400))),
            )
        )
    n_prey = rng.poisson(prey_rate * days * len(st))
    for _ in range(n_prey):
        rows.append(
            (
                ids[int(rng.integers(len(st)))],
                PREY,
                None,
                t0 + pd.Timedelta(seconds=int(rng.integers(0, days * 86400))),
            )
        )
    events = pd.DataFrame(rows, columns=["station", "species", "individual", "time"]).sort_values("time")
    end = t0 + pd.Timedelta(days=days)
    packages = {}
    record = Provenance(
        "monitoring.survey",
        parameters={
            "species": species,
            "density_per_100km2": density_per_100km2,
            "sigma_m": sigma_m,
            "g0": g0,
            "days": days,
            "start": start,
            "suitable": sorted(suitable_keys or []),
            "spacing_m": spacing_m,
            "prey_rate": prey_rate,
        },
        seeds={"survey": seed},
    )
    record.add_input("stations", stations)
    record.add_input("grid", grid)
    record.add_input("habitat", habitat)
    with OutputFolder(out, product="monitoring.survey") as folder:
        for code in sorted(set(st["side"])):
            mine = st[st["side"] == code]
            dep = pd.DataFrame(
                {
                    "deploymentID": [f"{code}-{s}" for s in mine["station_id"]],
                    "locationID": mine["station_id"].to_numpy(),
                    "locationName": mine["station_id"].to_numpy(),
                    "latitude": mine["latitude"].to_numpy(),
                    "longitude": mine["longitude"].to_numpy(),
                    "coordinateUncertainty": 10,
                    "deploymentStart": t0,
                    "deploymentEnd": end,
                    "cameraModel": "synthetic",
                    "deploymentGroups": "cell:" + mine["cell_id"].astype(str),
                }
            )
            ev = events[events["station"].isin(set(mine["station_id"]))].reset_index(drop=True)
            mids = [f"{code}-m{i + 1:06d}" for i in range(len(ev))]
            dep_of = dict(zip(mine["station_id"], dep["deploymentID"], strict=True))
            media = pd.DataFrame(
                {
                    "mediaID": mids,
                    "deploymentID": ev["station"].map(dep_of),
                    "captureMethod": "activityDetection",
                    "timestamp": ev["time"],
                    "filePath": [f"media/{m}.jpg" for m in mids],
                    "filePublic": "false",
                    "fileMediatype": "image/jpeg",
                }
            )
            obs = pd.DataFrame(
                {
                    "observationID": [f"{m}-o" for m in mids],
                    "deploymentID": media["deploymentID"],
                    "mediaID": mids,
                    "eventID": mids,
                    "eventStart": ev["time"],
                    "eventEnd": ev["time"] + pd.Timedelta(seconds=20),
                    "observationLevel": "event",
                    "observationType": "animal",
                    "scientificName": ev["species"],
                    "count": 1,
                    "individualID": ev["individual"],
                    "classificationMethod": "human",
                    "classifiedBy": "synthetic",
                }
            )
            sub = folder.staging / code
            sub.mkdir()
            write_package(Package(_descriptor(code, species), dep, media, obs), sub)
            packages[code] = Path(out) / code
        folder.set_record(record)
    return SurveyRun(packages, len(pop.centres), ch.n, density_per_100km2, mask.area_ha / 100)
