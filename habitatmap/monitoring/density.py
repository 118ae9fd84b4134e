"""``habitatmap monitor density``: SECR density of individually identified animals from a package.

Reads a Camtrap DP package, takes the observations of one species that carry an ``individualID``,
moves the deployments onto the habitat map's CRS (datum-guarded), builds the capture history
(detectors = locations, occasions = equal spans of the survey, usage = the share of each occasion a
camera ran) and a habitat mask (points on the suitable classes within a buffer of the detectors),
fits the SECR model (:mod:`habitatmap.monitoring.secr`) and writes the estimates, the realised
number, the capture history and mask in secr's text formats, and a report.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.monitoring.secr import SecrFit

__all__ = ["PRODUCT", "DensityRun", "run_density", "write_density"]

PRODUCT = "monitoring.density"


@dataclass
class DensityRun:
    """What :func:`run_density` found and wrote."""

    fit: SecrFit
    out: Path
    species: str
    crs: str


def _report(fit: SecrFit, species: str, lang: str, buffer_m: float, spacing_m: float) -> str:
    from habitatmap.legend.labels import label

    name = {"D": "D (/100 km²)", "g0": "g0", "lambda0": "lambda0", "sigma": "sigma (m)"}
    lines = [
        f"# {label('density_report', lang)}: {species}",
        "",
        f"- {label('individuals', lang)}: {fit.n}; {label('detections', lang)}: {fit.detections}; "
        f"{label('occasions', lang)}: {fit.occasions}; "
        f"{label('stations', lang)}: {fit.detectors} ({fit.detector})",
        f"- {label('mask_area', lang)}: {fit.mask_area_ha / 100:.1f} km² ({fit.mask_points} × "
        f"{spacing_m:g} m; buffer {buffer_m:g} m); detection function {fit.detectfn}",
        f"- log L = {fit.loglik:.4f}, AIC = {fit.aic:.2f}",
        "",
        f"| {label('parameter', lang)} | {label('estimate', lang)} | {label('se', lang)} | "
        f"{label('interval_95', lang)} |",
        "|---|---|---|---|",
    ]
    for key, row in fit.estimates.iterrows():
        scale = 1e4 if key == "D" else 1.0
        lines.append(
            f"| {name.get(str(key), str(key))} | {row['estimate'] * scale:.4g} | {row['se'] * scale:.3g} | "
            f"{row['lcl'] * scale:.4g} – {row['ucl'] * scale:.4g} |"
        )
    lines += [
        "",
        f"| | {label('estimate', lang)} | {label('se', lang)} | {label('interval_95', lang)} |",
        "|---|---|---|---|",
    ]
    for key, title in (("E.N", label("expected_n", lang)), ("R.N", label("realised_n", lang))):
        r = fit.region.loc[key]
        lines.append(f"| {title} | {r['estimate']:.1f} | {r['se']:.2f} | {r['lcl']:.1f} – {r['ucl']:.1f} |")
    return "\n".join(lines) + "\n"


def write_density(
    fit: SecrFit,
    ch: Any,
    mask: Any,
    folder: Path,
    *,
    species: str,
    lang: str,
    buffer_m: float,
    spacing_m: float,
) -> list[str]:
    """Write the fit's tables, secr's text files and the report into ``folder``."""
    from habitatmap.monitoring.capthist import write_secr_text

    est = fit.estimates.copy()
    est.index.name = "parameter"
    est.to_csv(folder / "estimates.csv", lineterminator="\n")
    reg = fit.region.copy()
    reg.index.name = "quantity"
    reg.to_csv(folder / "region_n.csv", lineterminator="\n")
    (folder / "fit.json").write_text(
        json.dumps({"species": species, **fit.as_dict()}, indent=2) + "\n", encoding="utf-8"
    )
    files = ["estimates.csv", "region_n.csv", "fit.json", *write_secr_text(ch, folder, stem="secr_")]
    # secr's read.mask() reads a header line and x y columns.
    np.savetxt(folder / "secr_mask.txt", mask.xy, fmt="%.2f", header="x y", comments="")
    (folder / "report.md").write_text(_report(fit, species, lang, buffer_m, spacing_m), encoding="utf-8")
    return [*files, "secr_mask.txt", "report.md"]


def run_density(
    package: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    species: str,
    habitat: str | os.PathLike[str],
    legend: Any,
    suitable_keys: list[str] | None = None,
    buffer_m: float = 5000.0,
    spacing_m: float = 250.0,
    occasions: int = 10,
    detectfn: str = "HN",
    detector: str = "proximity",
    lang: str = "en",
    allow_ballpark: bool = False,
) -> DensityRun:
    """Estimate density (see the module text).

    Parameters
    ----------
    package
        Camtrap DP package folder.
    out
        Output folder.
    species
        Scientific name of the identified animals.
    habitat, legend, suitable_keys
        Habitat map, legend and the classes the animals live in (default: every mapped class).
    buffer_m, spacing_m
        Mask buffer around the detectors and point spacing.
    occasions
        Number of sampling occasions the survey is cut into.
    detectfn, detector
        ``HN`` or ``HHN``; ``proximity`` (cameras) or ``multi``.
    """
    import geopandas as gpd

    from habitatmap.geodesy import to_crs
    from habitatmap.io.atomic import OutputFolder
    from habitatmap.io.raster import read_raster
    from habitatmap.monitoring.camtrapdp import read_package
    from habitatmap.monitoring.capthist import capture_history_from_package
    from habitatmap.monitoring.mask import habitat_mask
    from habitatmap.monitoring.secr import fit_secr
    from habitatmap.provenance import Provenance

    if buffer_m <= 0 or spacing_m <= 0:
        raise ConfigError(
            f"--buffer {buffer_m} and --spacing {spacing_m} must both be positive distances in metres."
        )
    pkg = read_package(package)
    raster = read_raster(habitat, what="habitat map", require_single_band=True)
    crs = raster.grid.require_projected(str(habitat), why="the mask needs metres").to_string()
    dep = pkg.deployments
    pts = gpd.GeoDataFrame(
        dep[["deploymentID"]], geometry=gpd.points_from_xy(dep["longitude"], dep["latitude"]), crs="EPSG:4326"
    )
    moved, op = to_crs(pts, crs, allow_ballpark=allow_ballpark, what=f"deployments of {package}")
    xy = np.column_stack([moved.geometry.x, moved.geometry.y])
    if "individualID" not in pkg.observations:
        raise InputDataError(
            f"The package {package} has no individualID column; density needs identified animals."
        )
    ch = capture_history_from_package(
        pkg.observations, dep, xy=xy, species=species, occasions=occasions, detector=detector, crs=crs
    )
    if ch.n == 0:
        known = sorted(set(pkg.observations["scientificName"].dropna()))
        raise InputDataError(
            f"The package {package} has no identified individual of {species!r}; check the name "
            f"(it has {', '.join(known[:6]) or 'none'})."
        )
    suitable = {legend.lookup(k).code for k in suitable_keys} if suitable_keys else None
    mask = habitat_mask(
        ch.xy, buffer_m, spacing_m, habitat=raster.data, grid=raster.grid, suitable=suitable, crs=crs
    )
    fit = fit_secr(ch, mask, detectfn=detectfn)
    record = Provenance(
        PRODUCT,
        parameters={
            "species": species,
            "suitable": sorted(suitable_keys or []),
            "buffer_m": buffer_m,
            "spacing_m": spacing_m,
            "occasions": occasions,
            "detectfn": detectfn,
            "detector": detector,
        },
    )
    record.add_input("package", Path(package) / "datapackage.json")
    record.add_input("observations", Path(package) / "observations.csv")
    record.add_input("habitat", habitat)
    if op is not None:
        record.add_operation(f"deployments of {package}", op)
    with OutputFolder(out, product=PRODUCT) as folder:
        write_density(
            fit, ch, mask, folder.staging, species=species, lang=lang, buffer_m=buffer_m, spacing_m=spacing_m
        )
        folder.set_record(record)
    return DensityRun(fit, Path(out), species, crs)
