"""The change steps of a site's workflow (``site.change``): each year's composites and habitat map,
their change with losses and gains by zone (and area-adjusted estimates from a reference sample),
and the burn severity of each fire.

- ``composite:<name>:<year>``: the site's composite ``<name>`` restricted to one calendar year
  (``composite_<name>_<year>.tif``);
- ``classify:<year>``: that year's composites mapped with the site's trained model
  (``habitat_<year>.tif``), so both years share one model and one legend;
- ``change``: :func:`habitatmap.change.habitat.run_habitat_change` of the two years into
  ``change/``, by the base map's zones; with ``reference_design`` a sample of the change map
  (``change_reference_sample.gpkg``, its pairs as strata), labelled from two reference rasters when
  given, and the area-adjusted estimates;
- ``burn:<date>``: the snow-free scenes of the seasons before and after the fire among the site's
  pulled scenes (:func:`habitatmap.change.fire.select_fire_scenes`), composited
  (``burn_<date>_pre.tif``, ``burn_<date>_post.tif``), and
  :func:`habitatmap.change.burn.run_burn` into ``burn_<date>/``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from habitatmap.workflow.steps import Step, StepContext, StepOutcome, _files, _folder_record, _product

if TYPE_CHECKING:
    from habitatmap.workflow.site import FireSpec, Site

__all__ = ["change_steps"]


def _zones(ctx: StepContext) -> str | None:
    return f"{ctx.out / 'basemap.gpkg'}:zones" if ctx.site.basemap is not None else None


def _year_composite(name: str, year: int) -> Callable[[StepContext], StepOutcome]:
    def action(ctx: StepContext) -> StepOutcome:
        from habitatmap.composite.build import CompositeSettings, composite_scenes
        from habitatmap.composite.indices import parse_indices
        from habitatmap.composite.spec import parse_months
        from habitatmap.scenes.defaults import DEFAULT_BANDS

        spec = ctx.site.composites[name]
        settings = CompositeSettings(
            method=spec.method,
            months=parse_months(spec.months),
            start=dt.date(year, 1, 1),
            end=dt.date(year, 12, 31),
            indices=parse_indices(spec.indices, DEFAULT_BANDS),
        )
        scenes = ctx.out / ("scenes_snow" if spec.keep_snow else "scenes")
        path = ctx.out / f"composite_{name}_{year}.tif"
        comp = composite_scenes(scenes, path, settings, progress=ctx.progress)
        return StepOutcome(
            [path.name],
            facts={
                "year": year,
                "scenes": comp.scenes,
                "no_clear_observation_fraction": round(comp.empty_fraction, 6),
            },
            provenance=[comp.provenance.to_dict()] if comp.provenance else [],
            products=[
                _product(
                    path.name,
                    f"{name} composite of {year} (months {spec.months})",
                    "raster",
                    scenes=comp.scenes,
                )
            ],
        )

    return action


def _year_map(year: int) -> Callable[[StepContext], StepOutcome]:
    def action(ctx: StepContext) -> StepOutcome:
        from habitatmap.habitat.classify import ClassifySettings, classify_composites
        from habitatmap.scale import DEFAULT_MMU_HA

        spec = ctx.site.classification
        assert spec is not None
        settings = ClassifySettings(
            mmu_ha=spec.mmu_ha if spec.mmu_ha is not None else DEFAULT_MMU_HA, majority=spec.majority
        )
        out = ctx.out / f"habitat_{year}.tif"
        cls = classify_composites(
            [ctx.out / f"composite_{c}_{year}.tif" for c in spec.composites],
            out,
            ctx.legend,
            model=str(ctx.out / "habitat_model.skops"),
            settings=settings,
            gap_fill=spec.gap_fill,
            allow_ballpark=ctx.site.allow_ballpark,
            progress=ctx.progress,
        )
        outputs = [out.name] + ([cls.map.method_path.name] if cls.map.method_path is not None else [])
        mapped = {
            ctx.legend.by_code(int(k)).key: int(v)
            for k, v in cls.map.mapped_pixels.items()
            if int(k) != ctx.legend.nodata
        }
        return StepOutcome(
            outputs,
            facts={"year": year, "mapped_pixels": mapped},
            provenance=[cls.map.provenance.to_dict()] if cls.map.provenance else [],
            products=[_product(out.name, f"Habitat map of {year} (the site's model)", "classes")],
        )

    return action


def _change(ctx: StepContext) -> StepOutcome:
    from habitatmap.change.habitat import run_habitat_change

    site, spec = ctx.site, ctx.site.change
    assert spec is not None
    y1, y2 = spec.years
    maps = [ctx.out / f"habitat_{y}.tif" for y in (y1, y2)]
    common = {"zones": _zones(ctx), "lang": site.webmap_lang, "allow_ballpark": site.allow_ballpark}
    run = run_habitat_change(*maps, ctx.out / "change", ctx.legend, **common)
    outputs = ["change"]
    products = [
        _product("change/change.tif", f"Habitat change {y1}-{y2} (from x 100 + to)", "raster"),
        _product("change/changes.csv", f"Losses and gains of each habitat {y1}-{y2} by zone", "table"),
        _product("change/report.md", f"Habitat change {y1}-{y2} (report)", "report"),
    ]
    facts: dict[str, Any] = {
        "years": [y1, y2],
        "changed_ha": round(run.changed_ha, 2),
        "top_changes": _top_changes(run.matrix),
    }
    d = spec.reference_design
    if d is not None:
        from habitatmap.habitat.accuracy.design import design_sample, label_from_raster, write_design

        change_map = ctx.out / "change" / "change.tif"
        design = design_sample(change_map, ctx.legend, n=d.n, min_per_class=d.min_per_class, seed=d.seed)
        if not d.label_from:
            path = write_design(
                design, ctx.out / "change_reference_sample_to_label.gpkg", map_path=str(change_map)
            )
            outputs.append(path.name)
            facts["to_label"] = path.name
        else:
            # The reference change is the change between the two reference rasters.
            with tempfile.TemporaryDirectory(dir=ctx.out, prefix=".truth-change-") as tmp:
                truth = run_habitat_change(*(site.resolve(p) for p in d.label_from), f"{tmp}/c", ctx.legend)
                labelled = label_from_raster(design, truth.out / "change.tif", ctx.legend)
            sample = write_design(
                labelled, ctx.out / "change_reference_sample.gpkg", map_path=str(change_map)
            )
            outputs.append(sample.name)
            run = run_habitat_change(*maps, ctx.out / "change", ctx.legend, reference=str(sample), **common)
            assert run.adjusted is not None
            facts["adjusted"] = [
                {k: row[k] for k in ("code", "from", "to", "mapped_ha", "adjusted_ha", "ci95_ha")}
                for row in run.adjusted.to_dict("records")
                if row["from"] != row["to"]
            ]
            facts["n"] = len(labelled.points)
            products.append(
                _product("change/adjusted.csv", f"Area-adjusted change {y1}-{y2} (95 % intervals)", "table")
            )
            products.append(_product(sample.name, "Reference sample of the change map (labelled)", "vector"))
    return StepOutcome(outputs, facts=facts, provenance=_folder_record(ctx.out / "change"), products=products)


def _top_changes(matrix: Any, k: int = 5) -> list[dict[str, Any]]:
    rows = [
        {"from": f, "to": t, "ha": round(float(matrix.loc[f, t]), 2)}
        for f in matrix.index
        for t in matrix.columns
        if f != t and matrix.loc[f, t] > 0
    ]
    return sorted(rows, key=lambda r: -r["ha"])[:k]


def _burn(fire: FireSpec) -> Callable[[StepContext], StepOutcome]:
    def action(ctx: StepContext) -> StepOutcome:
        from habitatmap.change.burn import run_burn
        from habitatmap.change.fire import select_fire_scenes
        from habitatmap.composite.build import CompositeSettings, composite_scenes
        from habitatmap.composite.spec import parse_months
        from habitatmap.scenes.items import load_items

        site = ctx.site
        months = parse_months(fire.months) or frozenset()
        chosen = select_fire_scenes(
            load_items(ctx.out / "items.json"), fire.date, months, assessment=fire.assessment
        )
        names = []
        for side, (first, last) in zip(("pre", "post"), chosen.ranges(), strict=True):
            path = ctx.out / f"burn_{fire.date}_{side}.tif"
            composite_scenes(
                ctx.out / "scenes", path, CompositeSettings(months=months, start=first, end=last)
            )
            names.append(path)
        folder = ctx.out / f"burn_{fire.date}"
        context = {
            "fire_date": str(fire.date),
            "assessment": fire.assessment,
            "months": sorted(months),
            "pre_scenes": [i.id for i in chosen.pre],
            "post_scenes": [i.id for i in chosen.post],
        }
        res = run_burn(
            *names,
            folder,
            thresholds=str(site.resolve(fire.thresholds)) if fire.thresholds else None,
            reference=site.resolve_layer(fire.reference) if fire.reference else None,
            zones=_zones(ctx),
            mmu_ha=fire.mmu_ha,
            lang=site.webmap_lang,
            allow_ballpark=site.allow_ballpark,
            context=context,
        )
        whole = res.areas[res.areas["zone"] == "(all)"]
        classes = {r["class"]: r["area_ha"] for r in whole.to_dict("records")}
        return StepOutcome(
            [folder.name, *(p.name for p in names)],
            facts={
                "date": str(fire.date),
                "burned_ha": round(res.burned_ha, 2),
                "classes_ha": classes,
                "pre_scenes": context["pre_scenes"],
                "post_scenes": context["post_scenes"],
            },
            provenance=_folder_record(folder),
            products=[
                _product(
                    f"{folder.name}/severity.tif", f"Burn severity of the fire of {fire.date}", "classes"
                ),
                _product(f"{folder.name}/burned.gpkg", f"Burned area of the fire of {fire.date}", "vector"),
                _product(
                    f"{folder.name}/report.md", f"Burn severity of the fire of {fire.date} (report)", "report"
                ),
            ],
        )

    return action


def change_steps(site: Site, legend_id: dict[str, Any], *, basemap: bool) -> list[Step]:
    """The change steps, after the pull, the classification and (for the zones) the base map.

    Parameters
    ----------
    site
        The site (its ``change`` section set).
    legend_id
        The legend's id and version (part of every step's key).
    basemap
        Whether the site has a base map (its ``zones`` layer splits the areas).
    """
    spec = site.change
    assert spec is not None
    steps: list[Step] = []
    zone_deps = ("basemap",) if basemap else ()
    cls = site.classification
    if spec.years and cls is not None:
        for year in spec.years:
            for name in cls.composites:
                comp = site.composites[name]
                steps.append(
                    Step(
                        f"composite:{name}:{year}",
                        ("pull:snow" if comp.keep_snow else "pull",),
                        {**comp.model_dump(mode="json"), "year": year},
                        {},
                        _year_composite(name, year),
                        dask=True,
                    )
                )
            steps.append(
                Step(
                    f"classify:{year}",
                    ("classify", *(f"composite:{c}:{year}" for c in cls.composites)),
                    {
                        **legend_id,
                        "year": year,
                        "mmu_ha": cls.mmu_ha,
                        "majority": cls.majority,
                        "gap_fill": cls.gap_fill,
                    },
                    {},
                    _year_map(year),
                    dask=True,
                )
            )
        design = spec.reference_design
        files = (
            {f"reference {i + 1}": site.resolve(p) for i, p in enumerate(design.label_from)} if design else {}
        )
        steps.append(
            Step(
                "change",
                (*(f"classify:{y}" for y in spec.years), *zone_deps),
                {
                    **legend_id,
                    "years": spec.years,
                    "lang": site.webmap_lang,
                    "design": design.model_dump(mode="json") if design else None,
                },
                files,
                _change,
            )
        )
    for fire in spec.fires:
        files = _files(site, thresholds=fire.thresholds)
        if fire.reference:
            from habitatmap.io.paths import split_layer

            files["reference"] = site.resolve(split_layer(fire.reference)[0])
        steps.append(
            Step(
                f"burn:{fire.date}",
                ("search", "pull", *zone_deps),
                {**fire.model_dump(mode="json"), "lang": site.webmap_lang},
                files,
                _burn(fire),
            )
        )
    return steps
