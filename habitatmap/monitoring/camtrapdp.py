"""Camtrap DP 1.0 exchange: read, check, write and merge camera-trap data packages, and read
Wildlife Insights exports.

A package is a folder with ``datapackage.json`` and the ``deployments``, ``media`` and
``observations`` tables (CSV). :func:`read_package` checks the descriptor's required properties
(``profile``, ``created``, ``contributors``, ``project`` with its required keys, ``spatial``,
``temporal``, ``taxonomic``; the three resources) and each table's required fields, and parses every
timestamp to UTC (Camtrap DP requires an offset on each; a package without one is refused unless
the reader is told the time zone). :func:`write_package` writes the tables with the fields in the
standard's order and a descriptor that says what is in them. :func:`merge_packages` joins two
sides' packages: ids made unique by a prefix per side where they clash, times in UTC, each
deployment given its monitoring-grid cell, and coordinates of sensitive species' packages rounded
(``coordinateUncertainty`` and ``coordinatePrecision`` set to what the rounding leaves).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from habitatmap.errors import ConfigError, InputDataError

__all__ = [
    "FIELDS",
    "PROFILE",
    "REQUIRED",
    "Package",
    "check_timezone",
    "merge_packages",
    "read_descriptor",
    "read_package",
    "read_table",
    "read_wildlife_insights",
    "round_coordinates",
    "write_package",
]

PROFILE = "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/camtrap-dp-profile.json"
_SCHEMA = "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/{}-table-schema.json"

#: The fields of each table in Camtrap DP 1.0's order (``downtime`` is habitatmap's own, see
#: :mod:`habitatmap.monitoring.effort`; other extra columns are kept after these).
FIELDS: dict[str, tuple[str, ...]] = {
    "deployments": (
        "deploymentID",
        "locationID",
        "locationName",
        "latitude",
        "longitude",
        "coordinateUncertainty",
        "deploymentStart",
        "deploymentEnd",
        "setupBy",
        "cameraID",
        "cameraModel",
        "cameraDelay",
        "cameraHeight",
        "cameraDepth",
        "cameraTilt",
        "cameraHeading",
        "detectionDistance",
        "timestampIssues",
        "baitUse",
        "featureType",
        "habitat",
        "deploymentGroups",
        "deploymentTags",
        "deploymentComments",
    ),
    "media": (
        "mediaID",
        "deploymentID",
        "captureMethod",
        "timestamp",
        "filePath",
        "filePublic",
        "fileName",
        "fileMediatype",
        "exifData",
        "favorite",
        "mediaComments",
    ),
    "observations": (
        "observationID",
        "deploymentID",
        "mediaID",
        "eventID",
        "eventStart",
        "eventEnd",
        "observationLevel",
        "observationType",
        "cameraSetupType",
        "scientificName",
        "count",
        "lifeStage",
        "sex",
        "behavior",
        "individualID",
        "individualPositionRadius",
        "individualPositionAngle",
        "individualSpeed",
        "bboxX",
        "bboxY",
        "bboxWidth",
        "bboxHeight",
        "classificationMethod",
        "classifiedBy",
        "classificationTimestamp",
        "classificationProbability",
        "observationTags",
        "observationComments",
    ),
}
#: The fields Camtrap DP 1.0 requires in each table.
REQUIRED: dict[str, tuple[str, ...]] = {
    "deployments": ("deploymentID", "latitude", "longitude", "deploymentStart", "deploymentEnd"),
    "media": ("mediaID", "deploymentID", "timestamp", "filePath", "filePublic", "fileMediatype"),
    "observations": (
        "observationID",
        "deploymentID",
        "eventStart",
        "eventEnd",
        "observationLevel",
        "observationType",
    ),
}
_PACKAGE_REQUIRED = ("profile", "created", "contributors", "project", "spatial", "temporal", "taxonomic")
_PROJECT_REQUIRED = ("title", "samplingDesign", "captureMethod", "individualAnimals", "observationLevel")
_TIMES = {
    "deployments": ("deploymentStart", "deploymentEnd"),
    "media": ("timestamp",),
    "observations": ("eventStart", "eventEnd"),
}
_OBSERVATION_TYPES = {"animal", "human", "vehicle", "blank", "unknown", "unclassified"}


@dataclass
class Package:
    """A camera-trap data package in memory (timestamps as UTC ``pandas`` times).

    Attributes
    ----------
    descriptor
        The ``datapackage.json`` contents.
    deployments, media, observations
        The tables.
    source
        The folder read, or ``None``.
    """

    descriptor: dict[str, Any]
    deployments: pd.DataFrame
    media: pd.DataFrame
    observations: pd.DataFrame
    source: Path | None = None
    notes: list[str] = field(default_factory=list)


def _parse_times(frame: pd.DataFrame, table: str, path: Path, tz: str | None) -> pd.DataFrame:
    for col in _TIMES[table]:
        if col not in frame.columns:
            continue
        text = frame[col].astype("string")
        blank = text.isna() | (text.str.strip() == "")
        if blank.any() and col in REQUIRED[table]:
            row = int(np.argmax(blank.to_numpy())) + 2
            raise InputDataError(
                f"{path}: {col} is empty on line {row}; Camtrap DP requires it, so fill it in."
            )
        has_offset = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False)
        if (~has_offset & ~blank).any() and tz is None:
            row = int(np.argmax((~has_offset & ~blank).to_numpy())) + 2
            raise InputDataError(
                f"{path}: {col} on line {row} ({text.iloc[row - 2]}) has no time-zone offset; "
                "Camtrap DP needs one (2020-05-30T04:57:37+02:00), or give --timezone."
            )
        try:
            if tz is not None and not has_offset.all():
                local = pd.to_datetime(text.where(~has_offset), errors="raise", format="mixed")
                local = local.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert(
                    "UTC"
                )
                aware = pd.to_datetime(text.where(has_offset), utc=True, errors="raise", format="mixed")
                parsed = local.where(~has_offset, aware)
            else:
                parsed = pd.to_datetime(text, utc=True, errors="raise", format="mixed")
        except (ValueError, TypeError) as exc:
            raise InputDataError(
                f"{path}: {col} holds a value that is not an ISO 8601 time ({exc}); fix it."
            ) from exc
        frame[col] = parsed
    return frame


def check_timezone(name: str | None) -> str | None:
    """``name`` if it is an IANA time zone (``Asia/Vladivostok``), else one sentence."""
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"--timezone {name!r} is not an IANA time zone; give one such as Asia/Vladivostok, "
            "Asia/Shanghai or Asia/Ulaanbaatar."
        ) from None
    return name


def read_table(target: Path, name: str, tz: str | None = None) -> pd.DataFrame:
    """One table of a package (``deployments``, ``media`` or ``observations``), checked against the
    standard's required fields, its timestamps in UTC (``tz`` for values without an offset)."""
    try:
        frame = pd.read_csv(target, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputDataError(f"{target} cannot be read as UTF-8 CSV ({exc}); save it as UTF-8 CSV.") from exc
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{target} lacks the required field(s) {', '.join(missing)} of Camtrap DP 1.0; add them."
        )
    for col in REQUIRED[name]:
        if col in _TIMES[name]:
            continue
        empty = frame[col].isna()
        if empty.any():
            raise InputDataError(
                f"{target}: {col} is empty on line {int(np.argmax(empty.to_numpy())) + 2}; "
                "Camtrap DP requires it, so fill it in."
            )
    id_col = {"deployments": "deploymentID", "media": "mediaID", "observations": "observationID"}[name]
    dup = frame[id_col].duplicated()
    if dup.any():
        raise InputDataError(
            f"{target}: {id_col} {frame[id_col][dup].iloc[0]!r} is used twice; ids must be unique."
        )
    frame = _parse_times(frame, name, target, tz)
    if name == "deployments":
        for col in ("latitude", "longitude", "coordinateUncertainty"):
            if col in frame.columns:
                frame[col] = pd.to_numeric(frame[col], errors="coerce")
        bad = ~frame["latitude"].between(-90, 90) | ~frame["longitude"].between(-180, 180)
        if bad.any():
            raise InputDataError(
                f"{target}: deployment {frame['deploymentID'][bad].iloc[0]} has coordinates outside "
                "WGS 84 degrees; give latitude and longitude in decimal degrees."
            )
        if (frame["deploymentEnd"] < frame["deploymentStart"]).any():
            d = frame["deploymentID"][frame["deploymentEnd"] < frame["deploymentStart"]].iloc[0]
            raise InputDataError(
                f"{target}: deployment {d} ends before it starts; fix deploymentStart or deploymentEnd."
            )
    if name == "observations":
        bad = ~frame["observationType"].isin(_OBSERVATION_TYPES)
        if bad.any():
            raise InputDataError(
                f"{target}: observationType {frame['observationType'][bad].iloc[0]!r} is not one "
                f"of {', '.join(sorted(_OBSERVATION_TYPES))}; fix it."
            )
        frame["count"] = pd.to_numeric(frame.get("count"), errors="coerce")
    return frame


def read_package(folder: str | os.PathLike[str], *, timezone_name: str | None = None) -> Package:
    """Read and check a Camtrap DP 1.0 package (a folder holding ``datapackage.json``).

    Parameters
    ----------
    folder
        The package folder (or its ``datapackage.json``).
    timezone_name
        IANA time zone for timestamps written without an offset (not valid Camtrap DP).

    Raises
    ------
    InputDataError
        The descriptor or a table misses what the standard requires, or a value is malformed.
    """
    folder = Path(folder)
    if folder.name == "datapackage.json":
        folder = folder.parent
    descriptor, paths = read_descriptor(folder)
    tz = check_timezone(timezone_name)
    tables = {name: read_table(paths[name], name, tz) for name in FIELDS}
    dep_ids = set(tables["deployments"]["deploymentID"])
    for name in ("media", "observations"):
        orphan = ~tables[name]["deploymentID"].isin(dep_ids)
        if orphan.any():
            raise InputDataError(
                f"{folder}: {name} names deployment {tables[name]['deploymentID'][orphan].iloc[0]!r}, "
                "which deployments.csv lacks; add the deployment or fix the id."
            )
    return Package(descriptor, tables["deployments"], tables["media"], tables["observations"], folder)


def read_descriptor(folder: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Path]]:
    """A package's ``datapackage.json``, checked for what Camtrap DP 1.0 requires, and the paths of
    its three tables (inside the folder: a descriptor cannot make habitatmap read elsewhere)."""
    from habitatmap.io.paths import resolve_inside
    from habitatmap.io.text import read_json

    folder = Path(folder)
    desc_path = folder / "datapackage.json"
    if not desc_path.is_file():
        raise InputDataError(f"{folder} holds no datapackage.json; give a Camtrap DP package folder.")
    descriptor = read_json(desc_path, what="Camtrap DP descriptor")
    if not isinstance(descriptor, dict):
        raise InputDataError(f"{desc_path} is not a JSON object; give a Camtrap DP descriptor.")
    missing = [k for k in _PACKAGE_REQUIRED if k not in descriptor]
    if missing:
        raise InputDataError(
            f"{desc_path} lacks the required propert{'y' if len(missing) == 1 else 'ies'} "
            f"{', '.join(missing)} of Camtrap DP 1.0; add them."
        )
    project = descriptor.get("project")
    pmissing = [k for k in _PROJECT_REQUIRED if not isinstance(project, dict) or k not in project]
    if pmissing:
        raise InputDataError(
            f"{desc_path}: project lacks {', '.join(pmissing)}; Camtrap DP 1.0 requires them."
        )
    resources = {r.get("name"): r for r in descriptor.get("resources", []) if isinstance(r, dict)}
    paths = {}
    for name in FIELDS:
        if name not in resources:
            raise InputDataError(
                f"{desc_path} lists no {name} resource; Camtrap DP needs deployments, media and observations."
            )
        path = resources[name].get("path")
        target = resolve_inside(
            folder,
            path if isinstance(path, str) and path else f"{name}.csv",
            what=f"{name} table of {folder}",
            listed_in=desc_path,
        )
        if not target.is_file():
            raise InputDataError(
                f"The package {folder} has no {name} table ({target.name}); add it or fix the "
                "resource's path in datapackage.json."
            )
        paths[name] = target
    return descriptor, paths


def _iso(series: pd.Series) -> pd.Series:
    out = series.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out.where(series.notna(), "")


def _ordered(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    cols = [c for c in FIELDS[table] if c in frame.columns]
    cols += [c for c in frame.columns if c not in cols and not c.startswith("_")]
    out = frame[cols].copy()
    for c in _TIMES[table]:
        if c in out.columns and pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = _iso(out[c])
    return out


def _coverage(pkg: Package) -> dict[str, Any]:
    dep = pkg.deployments
    w, e = float(dep["longitude"].min()), float(dep["longitude"].max())
    s, n = float(dep["latitude"].min()), float(dep["latitude"].max())
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    names = (
        sorted(set(pkg.observations["scientificName"].dropna()))
        if "scientificName" in pkg.observations
        else []
    )
    return {
        "spatial": {"type": "Polygon", "bbox": [w, s, e, n], "coordinates": [ring]},
        "temporal": {
            "start": dep["deploymentStart"].min().strftime("%Y-%m-%d"),
            "end": dep["deploymentEnd"].max().strftime("%Y-%m-%d"),
        },
        "taxonomic": [{"scientificName": nm} for nm in names],
    }


def write_package(pkg: Package, folder: str | os.PathLike[str]) -> list[str]:
    """Write ``pkg`` as a Camtrap DP 1.0 package into ``folder`` (which must exist; use an
    :class:`~habitatmap.io.atomic.OutputFolder` for an atomic write). Returns the file names."""
    folder = Path(folder)
    desc = dict(pkg.descriptor)
    desc["profile"] = PROFILE
    desc.setdefault("created", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    desc.update(_coverage(pkg))
    desc["resources"] = [
        r for r in desc.get("resources", []) if isinstance(r, dict) and r.get("name") not in FIELDS
    ]
    files = []
    for name in ("deployments", "media", "observations"):
        frame = _ordered(getattr(pkg, name), name)
        frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        desc["resources"].insert(
            len(files),
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": _SCHEMA.format(name),
            },
        )
        files.append(f"{name}.csv")
    (folder / "datapackage.json").write_text(
        json.dumps(desc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return ["datapackage.json", *files]


def round_coordinates(deployments: pd.DataFrame, decimals: int) -> tuple[pd.DataFrame, float]:
    """Deployments with latitude and longitude rounded to ``decimals`` places.

    ``coordinateUncertainty`` becomes at least the largest error the rounding can add (half a
    step in each axis, in metres, at the deployment's latitude) plus what it was. Returns the
    table and the coordinate precision in degrees.
    """
    out = deployments.copy()
    step = 10.0**-decimals
    lat = out["latitude"].astype(float)
    half_y = step / 2 * 111_320.0
    half_x = step / 2 * 111_320.0 * np.cos(np.radians(lat.abs().clip(upper=89.0) + step / 2))
    added = np.ceil(np.hypot(half_x, half_y))
    before = (
        pd.to_numeric(out.get("coordinateUncertainty"), errors="coerce").fillna(0.0)
        if "coordinateUncertainty" in out
        else 0.0
    )
    out["latitude"] = lat.round(decimals)
    out["longitude"] = out["longitude"].astype(float).round(decimals)
    out["coordinateUncertainty"] = (before + added).astype(int)
    return out, step


def merge_packages(
    a: Package,
    b: Package,
    *,
    sides: tuple[str, str] = ("A", "B"),
    cells: Any = None,
    sensitive: set[str] | None = None,
    decimals: int = 2,
) -> Package:
    """Merge two sides' packages into one.

    Parameters
    ----------
    a, b
        The packages (timestamps already in UTC).
    sides
        Short names of the two sides (``RUS``, ``CHN``): prefixes for clashing ids and the
        ``side`` column added to the deployments.
    cells
        Monitoring-grid cells (GeoDataFrame with ``cell_id``); each deployment gets ``cell_id``.
    sensitive
        Scientific names whose presence in the merged package makes it round every deployment's
        coordinates to ``decimals`` places (the package is for sharing).
    decimals
        Decimal places kept for sensitive packages (2: about 1.1 km of latitude).
    """
    clashes: dict[str, set[str]] = {}
    for name, col in (
        ("deployments", "deploymentID"),
        ("media", "mediaID"),
        ("observations", "observationID"),
    ):
        clashes[name] = set(getattr(a, name)[col]) & set(getattr(b, name)[col])
    dep_clash = bool(clashes["deployments"])
    notes = []
    parts = {n: [] for n in ("deployments", "media", "observations")}
    for side, pkg in zip(sides, (a, b), strict=True):
        dep, med, obs = pkg.deployments.copy(), pkg.media.copy(), pkg.observations.copy()
        dep["side"] = side

        def fix(series: pd.Series, clash: bool, side: str = side) -> pd.Series:
            return (side + ":" + series.astype(str)) if clash else series

        dep["deploymentID"] = fix(dep["deploymentID"], dep_clash)
        if "locationID" in dep:
            dep["locationID"] = dep["locationID"].where(
                dep["locationID"].isna(), fix(dep["locationID"], dep_clash)
            )
        med["deploymentID"] = fix(med["deploymentID"], dep_clash)
        obs["deploymentID"] = fix(obs["deploymentID"], dep_clash)
        med["mediaID"] = fix(med["mediaID"], bool(clashes["media"]))
        if "mediaID" in obs:
            obs["mediaID"] = obs["mediaID"].where(
                obs["mediaID"].isna(), fix(obs["mediaID"], bool(clashes["media"]))
            )
        obs["observationID"] = fix(obs["observationID"], bool(clashes["observations"]))
        # Individual ids stay as they are: a leopard both sides know by one id is one animal.
        parts["deployments"].append(dep)
        parts["media"].append(med)
        parts["observations"].append(obs)
    tables = {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    for name, ids in clashes.items():
        if ids:
            notes.append(f"{len(ids)} {name} id(s) used by both sides were prefixed with the side's name")
    dep = tables["deployments"]
    if cells is not None and len(dep):
        dep = _assign_cells(dep, cells)
    desc = {
        k: v for k, v in a.descriptor.items() if k not in ("resources", "spatial", "temporal", "taxonomic")
    }
    desc["name"] = f"{a.descriptor.get('name', sides[0])}-{b.descriptor.get('name', sides[1])}-merged".lower()
    desc["created"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    contributors = list(a.descriptor.get("contributors", [])) + [
        c for c in b.descriptor.get("contributors", []) if c not in a.descriptor.get("contributors", [])
    ]
    desc["contributors"] = contributors
    proj_a, proj_b = dict(a.descriptor["project"]), b.descriptor["project"]
    proj_a["title"] = f"{proj_a.get('title', '')} + {proj_b.get('title', '')}".strip(" +")
    proj_a["captureMethod"] = sorted(
        set(proj_a.get("captureMethod", [])) | set(proj_b.get("captureMethod", []))
    )
    proj_a["observationLevel"] = sorted(
        set(proj_a.get("observationLevel", [])) | set(proj_b.get("observationLevel", []))
    )
    proj_a["individualAnimals"] = bool(proj_a.get("individualAnimals")) or bool(
        proj_b.get("individualAnimals")
    )
    desc["project"] = proj_a
    desc["sources"] = [{"title": f"habitatmap monitor merge ({sides[0]} + {sides[1]})"}]
    present = set(tables["observations"].get("scientificName", pd.Series(dtype=str)).dropna())
    if sensitive and present & sensitive:
        dep, step = round_coordinates(dep, decimals)
        desc["coordinatePrecision"] = step
        notes.append(
            f"coordinates rounded to {decimals} decimal places for {', '.join(sorted(present & sensitive))}"
        )
    return Package(desc, dep, tables["media"], tables["observations"], None, notes)


def _assign_cells(dep: pd.DataFrame, cells: Any) -> pd.DataFrame:
    import geopandas as gpd

    from habitatmap.geodesy import to_crs

    pts = gpd.GeoDataFrame(
        dep[["deploymentID"]].copy(),
        geometry=gpd.points_from_xy(dep["longitude"], dep["latitude"]),
        crs="EPSG:4326",
    )
    moved, _ = to_crs(pts, cells.crs, what="deployments")
    joined = gpd.sjoin(moved, cells[["cell_id", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    out = dep.copy()
    out["cell_id"] = joined["cell_id"].reindex(out.index).to_numpy()
    return out


def read_wildlife_insights(
    folder: str | os.PathLike[str], *, timezone_name: str, images: str = "images.csv"
) -> Package:
    """A Wildlife Insights export (``deployments.csv`` and ``images.csv``, optional
    ``projects.csv``) as a Camtrap DP package: one media record and one media-level observation per
    image, local times moved from ``timezone_name`` to UTC, blanks as ``blank``, Homo sapiens as
    ``human``, the binomial from ``genus`` and ``species``."""
    check_timezone(timezone_name)
    folder = Path(folder)
    dpath, ipath = folder / "deployments.csv", folder / images
    for p in (dpath, ipath):
        if not p.is_file():
            raise InputDataError(
                f"The Wildlife Insights export {folder} has no {p.name}; give the unzipped download folder."
            )
    try:
        dep = pd.read_csv(dpath, dtype=str, keep_default_na=False, na_values=[""])
        img = pd.read_csv(ipath, dtype=str, keep_default_na=False, na_values=[""])
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputDataError(f"{folder}: a Wildlife Insights table cannot be read as CSV ({exc}).") from exc
    need_d = ("deployment_id", "longitude", "latitude", "start_date", "end_date")
    need_i = ("deployment_id", "image_id", "timestamp", "is_blank")
    for path, frame, need in ((dpath, dep, need_d), (ipath, img, need_i)):
        miss = [c for c in need if c not in frame.columns]
        if miss:
            raise InputDataError(
                f"{path} lacks {', '.join(miss)}; it is not a Wildlife Insights export table."
            )
    deployments = pd.DataFrame(
        {
            "deploymentID": dep["deployment_id"],
            "locationID": dep.get("placename"),
            "locationName": dep.get("placename"),
            "latitude": dep["latitude"],
            "longitude": dep["longitude"],
            "deploymentStart": dep["start_date"],
            "deploymentEnd": dep["end_date"],
            "cameraID": dep.get("camera_id"),
            "featureType": None,
            "deploymentComments": dep.get("recorded_by"),
        }
    )
    deployments = _parse_times(deployments, "deployments", dpath, timezone_name)
    for c in ("latitude", "longitude"):
        deployments[c] = pd.to_numeric(deployments[c], errors="coerce")
    # A WI end date at midnight means "that day": the camera ran through it.
    whole = deployments["deploymentEnd"].dt.tz_convert(timezone_name).dt.strftime("%H:%M:%S") == "00:00:00"
    deployments.loc[whole, "deploymentEnd"] += pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
    blank = img["is_blank"].astype(str).isin(("1", "true", "True"))
    genus, species = img.get("genus"), img.get("species")
    name = (
        (genus.fillna("") + " " + species.fillna("")).str.strip()
        if genus is not None
        else pd.Series("", index=img.index)
    )
    fallback = next((img[c] for c in ("family", "order", "class") if c in img), None)
    if fallback is not None:
        name = name.where(name != "", fallback.fillna(""))
    kind = np.where(
        blank, "blank", np.where(name == "Homo sapiens", "human", np.where(name != "", "animal", "unknown"))
    )
    media = pd.DataFrame(
        {
            "mediaID": img["image_id"],
            "deploymentID": img["deployment_id"],
            "captureMethod": "activityDetection",
            "timestamp": img["timestamp"],
            "filePath": img.get("location", img.get("filename")),
            "filePublic": "false",
            "fileName": img.get("filename"),
            "fileMediatype": "image/jpeg",
        }
    )
    media = _parse_times(media, "media", ipath, timezone_name)
    obs = pd.DataFrame(
        {
            "observationID": img["image_id"] + "_1",
            "deploymentID": img["deployment_id"],
            "mediaID": img["image_id"],
            "eventStart": media["timestamp"],
            "eventEnd": media["timestamp"],
            "observationLevel": "media",
            "observationType": kind,
            "scientificName": name.where(name != "").where(kind == "animal"),
            "count": pd.to_numeric(img.get("number_of_objects"), errors="coerce"),
            "individualID": img.get("individual_id"),
            "classificationMethod": "human",
            "classifiedBy": img.get("identified_by"),
        }
    )
    projects = folder / "projects.csv"
    title = "Wildlife Insights project"
    if projects.is_file():
        pr = pd.read_csv(projects, dtype=str, keep_default_na=False)
        if "project_name" in pr and len(pr):
            title = str(pr["project_name"].iloc[0])
    desc = {
        "profile": PROFILE,
        "name": folder.name.lower(),
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "contributors": [{"title": "Wildlife Insights export", "role": "publisher"}],
        "project": {
            "title": title,
            "samplingDesign": "systematicRandom",
            "captureMethod": ["activityDetection"],
            "individualAnimals": bool(obs["individualID"].notna().any()) if "individualID" in obs else False,
            "observationLevel": ["media"],
        },
        "sources": [{"title": "Wildlife Insights", "path": "https://www.wildlifeinsights.org"}],
    }
    pkg = Package(desc, deployments, media, obs, folder)
    desc.update(_coverage(pkg))
    unknown = ~obs["deploymentID"].isin(set(deployments["deploymentID"]))
    if unknown.any():
        raise InputDataError(
            f"{ipath}: image {img['image_id'][unknown].iloc[0]} names deployment "
            f"{obs['deploymentID'][unknown].iloc[0]}, which deployments.csv lacks."
        )
    return pkg
