"""The monitoring steps of a site's workflow: grid, stations, a synthetic survey (the sample only),
the joint package, its summary and SECR density (``site.monitoring``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from habitatmap.workflow.steps import Step, StepContext, StepOutcome, _files, _folder_record, _product

if TYPE_CHECKING:
    from habitatmap.workflow.site import Site

__all__ = ["monitoring_steps"]


def _grid(ctx: StepContext) -> StepOutcome:
    from habitatmap.monitoring.cells import run_grid_make

    site, mon = ctx.site, ctx.site.monitoring
    assert mon is not None
    (ctx.out / "monitoring").mkdir(exist_ok=True)
    zones = (
        f"{ctx.out / 'zoning' / 'zoning.gpkg'}:levels"
        if site.zoning is not None
        else f"{ctx.out / 'basemap.gpkg'}:zones"
        if site.basemap is not None
        else None
    )
    run = run_grid_make(
        str(site.resolve(site.aoi)),
        mon.cell_km,
        ctx.out / "monitoring" / "grid.gpkg",
        ctx.legend,
        zones=zones,
        habitat=ctx.out / "habitat.tif",
        species=list(site.species),
        lang=site.webmap_lang,
        allow_ballpark=site.allow_ballpark,
    )
    return StepOutcome(
        ["monitoring/grid.gpkg"],
        facts={"cells": len(run.cells), "crs": run.crs, "cell_km": mon.cell_km, "region": run.region},
        products=[_product("monitoring/grid.gpkg", "Joint monitoring grid (equal-area cells)", "vector")],
    )


def _stations(ctx: StepContext) -> StepOutcome:
    from habitatmap.monitoring.stations import run_stations

    mon = ctx.site.monitoring
    assert mon is not None
    run = run_stations(
        ctx.out / "monitoring" / "grid.gpkg",
        ctx.out / "monitoring" / "stations.gpkg",
        ctx.legend,
        per_cell=mon.per_cell,
        habitat_keys=mon.habitat or None,
        habitat_map=ctx.out / "habitat.tif",
        min_spacing=mon.min_spacing_m,
        lang=ctx.site.webmap_lang,
        allow_ballpark=ctx.site.allow_ballpark,
    )
    return StepOutcome(
        ["monitoring/stations.gpkg", "monitoring/stations_deployments.csv"],
        facts={"stations": len(run.stations), "cells_without": run.cells_without},
        products=[_product("monitoring/stations.gpkg", "Camera-trap stations on the grid", "vector")],
    )


def _survey(ctx: StepContext) -> StepOutcome:
    from habitatmap.monitoring.survey import run_survey

    mon = ctx.site.monitoring
    assert mon is not None and mon.survey is not None
    sv = mon.survey
    run = run_survey(
        ctx.out / "monitoring" / "stations.gpkg",
        ctx.out / "monitoring" / "grid.gpkg",
        ctx.out / "habitat.tif",
        ctx.out / "monitoring" / "survey",
        ctx.legend,
        species=mon.species,
        density_per_100km2=sv.density_per_100km2,
        sigma_m=sv.sigma_m,
        g0=sv.g0,
        days=sv.days,
        start=str(sv.start),
        suitable_keys=mon.habitat or None,
        seed=sv.seed,
    )
    return StepOutcome(
        ["monitoring/survey"],
        facts={
            "animals": run.animals,
            "detected": run.detected,
            "density_per_100km2": run.density_per_100km2,
            "sides": sorted(run.packages),
        },
        provenance=_folder_record(ctx.out / "monitoring" / "survey"),
    )


def _packages(ctx: StepContext) -> list[Path]:
    mon = ctx.site.monitoring
    assert mon is not None
    if mon.packages:
        return [ctx.site.resolve(p) for p in mon.packages]
    return [ctx.out / "monitoring" / "survey" / c for c in ctx.site.countries]


def _merge(ctx: StepContext) -> StepOutcome:
    from habitatmap.monitoring.merge import run_merge

    a, b = _packages(ctx)
    run = run_merge(
        a,
        b,
        ctx.out / "monitoring" / "joint",
        sides=(ctx.site.countries[0], ctx.site.countries[1]),
        grid=ctx.out / "monitoring" / "grid.gpkg",
    )
    merged = run.package
    return StepOutcome(
        ["monitoring/joint"],
        facts={"deployments": len(merged.deployments), "observations": len(merged.observations)},
        provenance=_folder_record(run.out),
        products=[
            _product(
                "monitoring/joint/datapackage.json", "Joint camera-trap data package (Camtrap DP 1.0)", "data"
            )
        ],
    )


def _summary(ctx: StepContext) -> StepOutcome:
    from habitatmap.monitoring.summary import run_summary

    mon = ctx.site.monitoring
    assert mon is not None
    s, _ = run_summary(
        ctx.out / "monitoring" / "joint",
        ctx.out / "monitoring" / "grid.gpkg",
        ctx.out / "monitoring" / "summary",
        gap_minutes=mon.gap_minutes,
        occasion_days=mon.occasion_days,
        lang=ctx.site.webmap_lang,
    )
    sides = {
        f"{r['side']}": round(float(r["rai"]), 3)
        for _, r in s.sides.iterrows()
        if r["species"] == mon.species and math.isfinite(r["rai"])
    }
    return StepOutcome(
        ["monitoring/summary"],
        facts={"records": s.records, "detections": s.detections, "rai": sides},
        provenance=_folder_record(ctx.out / "monitoring" / "summary"),
        products=[
            _product("monitoring/summary/summary.gpkg", "Detections per grid cell (RAI)", "vector"),
            _product("monitoring/summary/report.md", "Camera-trap summary (report)", "report"),
        ],
    )


def _density(ctx: StepContext) -> StepOutcome:
    from habitatmap.monitoring.density import run_density

    mon = ctx.site.monitoring
    assert mon is not None and mon.density is not None
    dn = mon.density
    run = run_density(
        ctx.out / "monitoring" / "joint",
        ctx.out / "monitoring" / "density",
        species=mon.species,
        habitat=ctx.out / "habitat.tif",
        legend=ctx.legend,
        suitable_keys=mon.habitat or None,
        buffer_m=dn.buffer_m,
        spacing_m=dn.spacing_m,
        occasions=dn.occasions,
        detectfn=dn.detectfn,
        lang=ctx.site.webmap_lang,
        allow_ballpark=ctx.site.allow_ballpark,
    )
    d = run.fit.estimates.loc["D"]
    facts = {
        "individuals": run.fit.n,
        "density_per_100km2": round(float(d["estimate"]) * 1e4, 3),
        "lcl": round(float(d["lcl"]) * 1e4, 3),
        "ucl": round(float(d["ucl"]) * 1e4, 3),
        "sigma_m": round(run.fit.value("sigma"), 1),
        "realised_n": round(float(run.fit.region.loc["R.N", "estimate"]), 2),
    }
    if mon.survey is not None:
        facts["true_density_per_100km2"] = mon.survey.density_per_100km2
    return StepOutcome(
        ["monitoring/density"],
        facts=facts,
        provenance=_folder_record(run.out),
        products=[_product("monitoring/density/report.md", "SECR density (report)", "report")],
    )


def monitoring_steps(site: Site, legend_id: dict[str, Any], *, zoning: bool, basemap: bool) -> list[Step]:
    """The monitoring steps, after the classification (and the zoning or base map they read).

    Parameters
    ----------
    site
        The site (its ``monitoring`` section set).
    legend_id
        The legend's id and version (part of every step's key).
    zoning, basemap
        Whether the site has those steps (the grid takes its zones from them).
    """
    mon = site.monitoring
    assert mon is not None
    steps: list[Step] = []
    mdeps = ("classify", *(["zoning"] if zoning else ["basemap"] if basemap else []))
    steps.append(
        Step(
            "grid",
            mdeps,
            {**legend_id, "cell_km": mon.cell_km, "lang": site.webmap_lang, "species": list(site.species)},
            _files(site, aoi=site.aoi),
            _grid,
        )
    )
    steps.append(
        Step(
            "stations",
            ("grid", "classify"),
            {
                **legend_id,
                "per_cell": mon.per_cell,
                "habitat": mon.habitat,
                "min_spacing_m": mon.min_spacing_m,
            },
            {},
            _stations,
        )
    )
    merge_deps: tuple[str, ...] = ("grid",)
    pkg_files: dict[str, Path] = {}
    if mon.survey is not None:
        steps.append(
            Step(
                "survey",
                ("stations", "grid", "classify"),
                {"species": mon.species, "habitat": mon.habitat, **mon.survey.model_dump(mode="json")},
                {},
                _survey,
            )
        )
        merge_deps = ("grid", "survey")
    else:
        pkg_files = {f"package {i + 1}": site.resolve(p) for i, p in enumerate(mon.packages)}
    steps.append(Step("merge", merge_deps, {"sides": list(site.countries)}, pkg_files, _merge))
    steps.append(
        Step(
            "summary",
            ("merge", "grid"),
            {"gap_minutes": mon.gap_minutes, "occasion_days": mon.occasion_days, "lang": site.webmap_lang},
            {},
            _summary,
        )
    )
    if mon.density is not None:
        steps.append(
            Step(
                "density",
                ("merge", "classify"),
                {"species": mon.species, "habitat": mon.habitat, **mon.density.model_dump(mode="json")},
                {},
                _density,
            )
        )
    return steps
