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

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from habitatmap.workflow.steps import (
    Step,
    StepContext,
    StepOutcome,
    _classify_settings,
    _composite,
    _files,
    _folder_record,
    _mapped_pixels,
    _product,
    _record,
)

if TYPE_CHECKING:
    from habitatmap.workflow.site import FireSpec, Site

__all__ = ["change_steps"]


def _zones(ctx: StepContext) -> str | None:
    return f"{ctx.out / 'basemap.gpkg'}:zones" if ctx.site.basemap is not None else None


def _year_map(year: int) -> Callable[[StepContext], StepOutcome]:
    def action(ctx: StepContext) -> StepOutcome:
        from habitatmap.habitat.classify import classify_composites

        spec = ctx.site.classification
        assert spec is not None
        out = ctx.out / f"habitat_{year}.tif"
        cls = classify_composites(
            [ctx.out / f"composite_{c}_{year}.tif" for c in spec.composites],
            out,
            ctx.legend,
            model=str(ctx.out / "habitat_model.skops"),
            settings=_classify_settings(spec),
            gap_fill=spec.gap_fill,
            allow_ballpark=ctx.site.allow_ballpark,
            progress=ctx.progress,
        )
        outputs = [out.name] + ([cls.map.method_path.name] if cls.map.method_path is not None else [])
        return StepOutcome(
            outputs,
            facts={"year": year, "mapped_pixels": _mapped_pixels(ctx.legend, cls.map.mapped_pixels)},
            provenance=_record(cls.map.provenance),
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
            before, after = (site.resolve(p) for p in d.label_from)
            labelled = label_from_raster(design, before, ctx.legend, after=after)
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
        from habitatmap.change.fire import burn_from_scenes, select_fire_scenes
        from habitatmap.composite.spec import parse_months
        from habitatmap.scenes.items import load_items

        site = ctx.site
        months = parse_months(fire.months) or frozenset()
        chosen = select_fire_scenes(
            load_items(ctx.out / "items.json"), fire.date, months, assessment=fire.assessment
        )
        names = (ctx.out / f"burn_{fire.date}_pre.tif", ctx.out / f"burn_{fire.date}_post.tif")
        folder = ctx.out / f"burn_{fire.date}"
        res = burn_from_scenes(
            ctx.out / "scenes",
            chosen,
            months,
            names,
            folder,
            thresholds=str(site.resolve(fire.thresholds)) if fire.thresholds else None,
            reference=site.resolve_layer(fire.reference) if fire.reference else None,
            zones=_zones(ctx),
            mmu_ha=fire.mmu_ha,
            lang=site.webmap_lang,
            allow_ballpark=site.allow_ballpark,
        )
        whole = res.areas[res.areas["zone"] == "(all)"]
        classes = {r["class"]: r["area_ha"] for r in whole.to_dict("records")}
        return StepOutcome(
            [folder.name, *(p.name for p in names)],
            facts={
                "date": str(fire.date),
                "burned_ha": round(res.burned_ha, 2),
                "classes_ha": classes,
                "pre_scenes": [i.id for i in chosen.pre],
                "post_scenes": [i.id for i in chosen.post],
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
                        _composite(name, year),
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
