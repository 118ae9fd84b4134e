"""The steps of a site's workflow: what each one reads, decides on, writes and finds.

:func:`site_steps` turns a :class:`~habitatmap.workflow.site.Site` into an ordered list of
:class:`Step` (every step after the steps it depends on): legend, search, pull (and a second pull
that keeps snow when a composite asks for it), one composite per season, classify, accuracy,
polygonize, basemap, sheet, and per corridor species resistance, least cost, circuit, Omniscape (when
the site asks for it) and border; zoning; the monitoring grid, stations, (a synthetic survey,) the
joint package, its summary and SECR density;
then the web map and the catalog of products. Each step's ``params`` and ``files`` (its external
inputs) with the outputs of the steps it depends on make its cache key (:mod:`.runner`).

Output names inside the run's folder are fixed (``composite_<name>.tif``, ``habitat.tif``,
``basemap.gpkg``, ``leastcost/`` ...), so that a re-run finds them and other tools can too; with
more than one corridor species the corridor folders carry the species (``leastcost_<species>/``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from habitatmap.provenance import Provenance

if TYPE_CHECKING:
    from habitatmap.legend.model import Legend
    from habitatmap.workflow.site import CorridorSpec, Site

__all__ = ["Step", "StepContext", "StepOutcome", "site_steps"]


@dataclass
class StepContext:
    """What a step's action gets: the site, the legend, the run folder, the findings of the steps
    before it, and progress callbacks (``progress(done, total)``, ``scene_progress(id, done, total)``)."""

    site: Site
    legend: Legend
    out: Path
    facts: dict[str, dict[str, Any]]
    progress: Callable[[int, int], None] = lambda done, total: None
    scene_progress: Callable[[str, int, int], None] = lambda item, done, total: None


@dataclass
class StepOutcome:
    """What a step wrote (names relative to the run folder: files or folders), what it found, the
    provenance records of its products and the products to catalogue."""

    outputs: list[str]
    facts: dict[str, Any] = field(default_factory=dict)
    provenance: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Step:
    """One step of the workflow.

    Attributes
    ----------
    name
        Unique name, ``kind`` or ``kind:qualifier`` (``composite:summer``).
    deps
        Names of the steps whose outputs this one reads.
    params
        The settings that decide the result (part of the cache key).
    files
        External input files or folders by role (their checksums are part of the key).
    action
        Does the work; returns a :class:`StepOutcome`.
    remote
        Reads a remote service whose answers cannot be checksummed (a STAC API): the step stays
        cached until its parameters change or it is forced.
    dask
        Computes on the run's dask client.
    """

    name: str
    deps: tuple[str, ...]
    params: dict[str, Any]
    files: dict[str, Path]
    action: Callable[[StepContext], StepOutcome]
    remote: bool = False
    dask: bool = False

    @property
    def kind(self) -> str:
        """The step's kind: its name before any ``:``."""
        return self.name.split(":", 1)[0]


def _record(prov: Provenance | None) -> list[dict[str, Any]]:
    return [prov.to_dict()] if prov is not None else []


def _folder_record(folder: Path) -> list[dict[str, Any]]:
    from habitatmap.io.text import read_json

    p = folder / "provenance.json"
    return [read_json(p, what="provenance record")] if p.is_file() else []


def _product(path: str, title: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"path": path, "title": title, "kind": kind, **extra}


# --- the steps' actions -------------------------------------------------------------------------


def _legend(ctx: StepContext) -> StepOutcome:
    from habitatmap.legend.export import EXPORT_FORMATS, export_legend

    folder = ctx.out / "legend"
    folder.mkdir(exist_ok=True)
    files = [export_legend(ctx.legend, fmt, folder / f"habitat_legend_{lang}.{fmt}", lang=lang)
             for fmt in EXPORT_FORMATS for lang in ctx.site.languages]
    first = ctx.site.languages[0]
    return StepOutcome(["legend"], facts={"files": len(files)},
                       products=[_product(f"legend/habitat_legend_{first}.json",
                                          "The shared habitat legend (JSON; QML, SLD and CLR beside it, "
                                          f"in {', '.join(ctx.site.languages)})", "json")])


def _search(ctx: StepContext) -> StepOutcome:
    from habitatmap.area import read_area
    from habitatmap.scenes.items import summarize_item, unique_items
    from habitatmap.scenes.search import SceneQuery, search_scenes, write_items

    site = ctx.site
    area = read_area(site.resolve(site.aoi))
    items: list[Any] = []
    for r in site.scenes.dates:
        query = SceneQuery(area=area, start=r.start, end=r.end, max_cloud=site.scenes.max_cloud,
                           platforms=tuple(site.scenes.platforms), collection=site.scenes.collection,
                           limit=site.scenes.limit)
        items += search_scenes(site.stac_source(), query)
    items = sorted(unique_items(items, site.stac_source()), key=lambda i: (i.datetime, i.id))
    if not items:
        from habitatmap.errors import CatalogError

        raise CatalogError(f"{site.stac_source()}: no scene over {site.aoi} matches site.scenes of "
                           f"{site.source}; widen the dates or raise max_cloud.")
    write_items(items, ctx.out / "items.json")
    return StepOutcome(["items.json"], facts={
        "source": site.stac_source(), "scenes": [asdict(s) for s in map(summarize_item, items)]})


def _pull(keep_snow: bool) -> Callable[[StepContext], StepOutcome]:
    def action(ctx: StepContext) -> StepOutcome:
        from habitatmap.area import read_area
        from habitatmap.io.text import read_json
        from habitatmap.scenes.items import load_items
        from habitatmap.scenes.pull import PullSettings, pull_scenes

        site = ctx.site
        folder = "scenes_snow" if keep_snow else "scenes"
        settings = PullSettings(crs=site.crs, resolution=site.scenes.resolution, keep_snow=keep_snow,
                                requester_pays=site.scenes.requester_pays, allow_ballpark=site.allow_ballpark)
        items = load_items(ctx.out / "items.json")
        result = pull_scenes(items, read_area(site.resolve(site.aoi)), ctx.out / folder, settings,
                             source=str(ctx.out / "items.json"), progress=ctx.scene_progress,
                             prune=True)
        result.raise_for_failures()
        manifest = read_json(result.manifest, what="pull manifest")
        return StepOutcome([folder], facts={
            "grid": result.grid.to_dict(), "scenes": [o.id for o in result.outcomes],
            "keep_snow": keep_snow}, provenance=[manifest["provenance"]] if "provenance" in manifest else [])
    return action


def _composite(name: str, year: int | None = None) -> Callable[[StepContext], StepOutcome]:
    """The site's composite ``name``; with ``year``, of that calendar year's scenes only
    (``composite_<name>_<year>.tif``, for the change steps)."""
    def action(ctx: StepContext) -> StepOutcome:
        import datetime as dt

        from habitatmap.composite.build import CompositeSettings, composite_scenes
        from habitatmap.composite.indices import parse_indices
        from habitatmap.composite.spec import parse_months
        from habitatmap.scenes.defaults import DEFAULT_BANDS

        spec = ctx.site.composites[name]
        span = {"start": dt.date(year, 1, 1), "end": dt.date(year, 12, 31)} if year is not None else {}
        settings = CompositeSettings(method=spec.method, months=parse_months(spec.months),
                                     indices=parse_indices(spec.indices, DEFAULT_BANDS), **span)
        scenes = ctx.out / ("scenes_snow" if spec.keep_snow else "scenes")
        stem = f"composite_{name}" if year is None else f"composite_{name}_{year}"
        comp = composite_scenes(scenes, ctx.out / f"{stem}.tif", settings, progress=ctx.progress)
        of = "" if year is None else f" of {year}"
        return StepOutcome([comp.path.name], facts={
            "scenes": comp.scenes, "bands": comp.bands, "months": spec.months, "method": spec.method,
            "no_clear_observation_fraction": round(comp.empty_fraction, 6),
            **({"year": year} if year is not None else {})},
            provenance=_record(comp.provenance),
            products=[_product(comp.path.name, f"{name} composite{of} (months {spec.months}, {spec.method})",
                               "raster", scenes=comp.scenes)])
    return action


def _classify_settings(spec: Any) -> Any:
    """Smoothing of the site's habitat maps (every year's map is smoothed the same way)."""
    from habitatmap.habitat.classify import ClassifySettings
    from habitatmap.scale import DEFAULT_MMU_HA

    return ClassifySettings(mmu_ha=spec.mmu_ha if spec.mmu_ha is not None else DEFAULT_MMU_HA,
                            majority=spec.majority)


def _mapped_pixels(legend: Legend, counts: dict[Any, int]) -> dict[str, int]:
    """A map's pixel count per class key (nodata left out)."""
    return {legend.by_code(int(k)).key: int(v) for k, v in counts.items() if int(k) != legend.nodata}


def _classify(ctx: StepContext) -> StepOutcome:
    from habitatmap.habitat.classify import classify_composites

    site, spec = ctx.site, ctx.site.classification
    assert spec is not None
    settings = _classify_settings(spec)
    # Without a reference sample the report comes from cross-validation of the training samples.
    cv = spec.validation is None and spec.reference_design is None
    cls = classify_composites(
        [ctx.out / f"composite_{c}.tif" for c in spec.composites], ctx.out / "habitat.tif", ctx.legend,
        training=str(site.resolve(spec.training)), model=spec.model, seed=spec.seed,
        label_field=spec.label_field, report_dir=ctx.out / "accuracy" if cv else None,
        model_out=ctx.out / "habitat_model.skops", settings=settings, gap_fill=spec.gap_fill,
        allow_ballpark=site.allow_ballpark, progress=ctx.progress)
    outputs = ["habitat.tif", "habitat_model.skops"]
    if cls.map.method_path is not None:
        outputs.append(cls.map.method_path.name)
    if cv:
        outputs.append("accuracy")
    scenes = sorted({s for c in spec.composites
                     for s in ctx.facts.get(f"composite:{c}", {}).get("scenes", [])})
    facts: dict[str, Any] = {
        "features": len(cls.model.feature_names), "model": spec.model,
        "training_samples": len(cls.training) if cls.training is not None else 0,
        "mmu_pixels": cls.map.mmu_pixels,
        "mapped_pixels": _mapped_pixels(ctx.legend, cls.map.mapped_pixels)}
    if cls.assessment is not None:
        facts["accuracy"] = _accuracy_facts(cls.assessment)
    products = [_product("habitat.tif", "Habitat map (shared legend)", "classes", scenes=scenes)]
    if cv:
        products.append(_product("accuracy/report.md", "Accuracy report (spatial cross-validation)",
                                 "report"))
    if cls.map.method_path is not None:
        products.append(_product(cls.map.method_path.name, "How each pixel of the habitat map was classified",
                                 "raster", scenes=scenes))
    return StepOutcome(outputs, facts=facts, provenance=_record(cls.map.provenance), products=products)


def _accuracy_facts(assessment: Any) -> dict[str, Any]:
    acc = assessment.accuracy
    return {"reference": str(assessment.reference), "design": assessment.design,
            "overall_accuracy": round(float(acc.overall_accuracy), 4),
            "overall_accuracy_ci95": round(1.96 * float(acc.overall_accuracy_se), 4), "n": int(acc.n)}


def _accuracy(ctx: StepContext) -> StepOutcome:
    from habitatmap.habitat.accuracy import assess_map, build_report, write_report

    site, spec = ctx.site, ctx.site.classification
    assert spec is not None
    habitat = ctx.out / "habitat.tif"
    method = ctx.out / "habitat_method.tif"
    method_path = method if method.is_file() else None
    outputs = ["accuracy"]
    if spec.reference_design is not None:
        from habitatmap.habitat.accuracy.design import design_sample, label_from_raster, write_design

        d = spec.reference_design
        design = design_sample(habitat, ctx.legend, target_se=d.target_se, n=d.n,
                               min_per_class=d.min_per_class, users_accuracy=d.users_accuracy, seed=d.seed)
        if d.label_from is None:
            path = write_design(design, ctx.out / "reference_sample_to_label.gpkg", map_path=str(habitat))
            return StepOutcome([path.name], facts={"to_label": path.name, "n": len(design.points)},
                               products=[_product(path.name, "Reference sample to label", "vector")])
        labelled = label_from_raster(design, site.resolve(d.label_from), ctx.legend)
        reference = write_design(labelled, ctx.out / "reference_sample.gpkg", map_path=str(habitat))
        outputs.append(reference.name)
    else:
        assert spec.validation is not None
        reference = site.resolve(spec.validation)
    assessment = assess_map(habitat, reference, ctx.legend, label_field=spec.label_field,
                            allow_ballpark=site.allow_ballpark, method_path=method_path)
    write_report(build_report(assessment, ctx.legend), ctx.legend, ctx.out / "accuracy")
    products = [_product("accuracy/report.md", "Accuracy report (area-weighted, 95 % intervals)", "report")]
    if spec.reference_design is not None:
        products.append(_product("reference_sample.gpkg", "Reference sample (designed, labelled)", "vector"))
    return StepOutcome(outputs, facts=_accuracy_facts(assessment), products=products)


def _polygonize(ctx: StepContext) -> StepOutcome:
    from habitatmap.habitat.polygonize import polygonize_map

    res = polygonize_map(ctx.out / "habitat.tif", ctx.out / "habitats.gpkg", ctx.legend)
    return StepOutcome(["habitats.gpkg"], facts={"polygons": res.polygons, "tolerance_m": res.tolerance_m},
                       products=[_product("habitats.gpkg", "Habitat polygons (1:100000)", "vector")])


def _basemap(ctx: StepContext) -> StepOutcome:
    from habitatmap.basemap.build import build_basemap, write_basemap
    from habitatmap.basemap.mapping import load_mapping

    site, spec = ctx.site, ctx.site.basemap
    assert spec is not None
    layers = [site.resolve_layer(s) for s in spec.layers]
    if spec.mapping is not None:
        mapping = load_mapping(site.resolve(spec.mapping))
    else:
        from habitatmap.basemap.infer import infer_mapping

        mapping, _ = infer_mapping(layers)
    habitat = ctx.out / "habitat.tif"
    built = build_basemap(layers, mapping, legend=ctx.legend, crs=site.crs,
                          habitat=habitat if habitat.is_file() and site.classification else None,
                          allow_ballpark=site.allow_ballpark)
    res = write_basemap(built, ctx.out / "basemap.gpkg", ctx.legend)
    ops = {Path(i.source).name: i.operation.description for i in res.inputs if i.operation is not None}
    return StepOutcome(["basemap.gpkg"], facts={"crs": str(res.crs), "layers": dict(res.layers),
                                                "operations": ops},
                       provenance=_record(built.provenance),
                       products=[_product("basemap.gpkg", "Base map 1:100000 of both sides", "vector")])


def _sheet(ctx: StepContext) -> StepOutcome:
    from habitatmap.area import read_area
    from habitatmap.basemap.sheetmap import render_sheet
    from habitatmap.basemap.sheets import locate

    centre = read_area(ctx.site.resolve(ctx.site.aoi)).lonlat.centroid
    sheets = {k: v.sheet.code for k, v in locate(centre.x, centre.y).items()}
    code = sheets["sk42"]
    res = render_sheet(code, ctx.out / "basemap.gpkg", ctx.out / f"sheet_{code}.pdf", ctx.legend,
                       lang=ctx.site.webmap_lang, allow_ballpark=ctx.site.allow_ballpark)
    return StepOutcome([res.path.name], facts={"sheets": sheets},
                       products=[_product(res.path.name, f"Map sheet {code} (1:100000, PDF)", "document")])


def _folders(site: Site, spec: CorridorSpec) -> dict[str, str]:
    suffix = f"_{spec.species}" if len(site.corridors) > 1 else ""
    return {k: f"{k}{suffix}" for k in ("leastcost", "circuit", "border", "omniscape")}


def _cores(ctx: StepContext, spec: CorridorSpec) -> str:
    if spec.cores.file is not None:
        return ctx.site.resolve_layer(spec.cores.file)
    return f"{ctx.out / 'basemap.gpkg'}:{spec.cores.layer}"


def _resistance(spec: CorridorSpec) -> Callable[[StepContext], StepOutcome]:
    def action(ctx: StepContext) -> StepOutcome:
        from habitatmap.corridors.resistance import resistance_surface

        name = f"resistance_{spec.species}.tif"
        resistance_surface(ctx.out / "habitat.tif", spec.species, ctx.out / name, ctx.legend,
                           allow_ballpark=ctx.site.allow_ballpark)
        return StepOutcome([name], facts={"species": spec.species},
                           products=[_product(name, f"Movement resistance ({spec.species})", "raster")])
    return action


def _leastcost(spec: CorridorSpec) -> Callable[[StepContext], StepOutcome]:
    def action(ctx: StepContext) -> StepOutcome:
        from habitatmap.corridors.leastcost import run_leastcost

        folder = _folders(ctx.site, spec)["leastcost"]
        border = f"{ctx.out / 'basemap.gpkg'}:{spec.border_layer}" if spec.border_layer and ctx.site.basemap \
            else None
        lc = run_leastcost(ctx.out / f"resistance_{spec.species}.tif", _cores(ctx, spec), ctx.out / folder,
                           select=spec.cores.select, border=border, allow_ballpark=ctx.site.allow_ballpark)
        return StepOutcome([folder], facts={"species": spec.species, "links": lc.table},
                           provenance=_folder_record(lc.out),
                           products=[_product(f"{folder}/corridors.gpkg",
                                              f"Least-cost corridors ({spec.species})", "vector")])
    return action


def _circuit(spec: CorridorSpec) -> Callable[[StepContext], StepOutcome]:
    def action(ctx: StepContext) -> StepOutcome:
        from habitatmap.corridors.currents import run_circuit

        folder = _folders(ctx.site, spec)["circuit"]
        circ = run_circuit(ctx.out / f"resistance_{spec.species}.tif", ctx.out / folder,
                           focal=_cores(ctx, spec), select=spec.cores.select,
                           allow_ballpark=ctx.site.allow_ballpark)
        pairs = {f"{circ.names.get(int(a), a)} - {circ.names.get(int(b), b)}": float(circ.resistances[i, j])
                 for i, a in enumerate(circ.ids) for j, b in enumerate(circ.ids)
                 if i < j} if circ.resistances is not None else {}
        return StepOutcome([folder], facts={"species": spec.species, "effective_resistance": pairs},
                           provenance=_folder_record(circ.out),
                           products=[_product(f"{folder}/cum_current.tif",
                                              f"Cumulative corridor current ({spec.species})", "raster")])
    return action


def _omniscape(spec: CorridorSpec) -> Callable[[StepContext], StepOutcome]:
    def action(ctx: StepContext) -> StepOutcome:
        from habitatmap.corridors.omniscape.options import OmniscapeOptions
        from habitatmap.corridors.omniscape.product import run_omniscape

        om = spec.omniscape
        assert om is not None
        folder = _folders(ctx.site, spec)["omniscape"]
        opts = OmniscapeOptions(radius=om.radius, block_size=om.block_size, buffer=om.buffer,
                                source_from_resistance=True, r_cutoff=om.r_cutoff, calc_flow_potential=True,
                                calc_normalized_current=True)
        run = run_omniscape(ctx.out / f"resistance_{spec.species}.tif", ctx.out / folder, opts)
        shares = _ratio_shares(ctx.out / folder / "normalized_cum_currmap.tif")
        return StepOutcome([folder], facts={"species": spec.species, "targets": run.targets,
                                            "windows": run.solved, "radius_cells": om.radius, **shares},
                           provenance=_folder_record(run.out),
                           products=[_product(f"{folder}/normalized_cum_currmap.tif",
                                              f"Normalised current, Omniscape ({spec.species})", "raster"),
                                     _product(f"{folder}/cum_currmap.tif",
                                              f"Cumulative current, Omniscape ({spec.species})", "raster")])
    return action


def _ratio_shares(path: Path) -> dict[str, float]:
    """Shares (%) of the cells with flow where normalised current is channelled (> 1.5) or impeded
    (< 1 / 1.5), from an overview of at most 1024 px a side (memory stays flat)."""
    import numpy as np

    from habitatmap.io.raster import open_raster, read_window

    with open_raster(path, what="normalised current") as ds:
        scale = max(1, -(-max(ds.width, ds.height) // 1024))
        arr = read_window(ds, 1, out_shape=(-(-ds.height // scale), -(-ds.width // scale)), path=path)
    flow = np.isfinite(arr) & (arr > 0)
    n = max(int(flow.sum()), 1)
    return {"channelled_pct": round(100.0 * float((arr[flow] > 1.5).sum()) / n, 1),
            "impeded_pct": round(100.0 * float((arr[flow] < 1 / 1.5).sum()) / n, 1)}


def _border(spec: CorridorSpec) -> Callable[[StepContext], StepOutcome]:
    def action(ctx: StepContext) -> StepOutcome:
        from habitatmap.corridors.border import run_border

        names = _folders(ctx.site, spec)
        cores = _cores(ctx, spec)
        # The cores are short-circuit regions: every core cell carries the whole current, so the
        # border inside them is left out.
        bc = run_border(ctx.out / names["circuit"] / "cum_current.tif",
                        f"{ctx.out / 'basemap.gpkg'}:{spec.border_layer}", ctx.out / names["border"],
                        segment_km=spec.segment_km, exclude=cores, exclude_select=spec.cores.select,
                        allow_ballpark=ctx.site.allow_ballpark)
        ranked = sorted((s for s in bc.segments if s["rank"]), key=lambda s: s["rank"])
        return StepOutcome([names["border"]], facts={"species": spec.species, "top_segments": ranked[:3],
                                                     "pinch_points": len(bc.pinch_points)},
                           provenance=_folder_record(bc.out),
                           products=[_product(f"{names['border']}/border.gpkg",
                                              f"Corridor current across the border ({spec.species})",
                                              "vector")])
    return action


def _zoning(ctx: StepContext) -> StepOutcome:
    from habitatmap.zoning.run import run_compare

    site, spec = ctx.site, ctx.site.zoning
    assert spec is not None
    basemap = ctx.out / "basemap.gpkg"
    corridor = next((c for c in site.corridors if c.species == spec.species), None)
    current = ctx.out / _folders(site, corridor)["circuit"] / "cum_current.tif" if corridor else None
    habitat = ctx.out / "habitat.tif" if site.classification is not None else None
    run = run_compare(
        [f"{basemap}:{spec.zones_layer}"], ctx.out / "zoning", ctx.legend,
        mapping=str(site.resolve(spec.mapping)) if spec.mapping else None, habitat=habitat,
        current=current, border=f"{basemap}:{spec.border_layer}" if spec.border_layer else None,
        species=spec.species if habitat is not None else None, max_resistance=spec.max_resistance,
        exclude=_cores(ctx, corridor) if corridor else None,
        exclude_select=corridor.cores.select if corridor else None, mismatch_km=spec.mismatch_km,
        segment_km=spec.segment_km, lang=site.webmap_lang, allow_ballpark=site.allow_ballpark)
    facts: dict[str, Any] = {"crs": run.crs, "levels": [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in run.areas[run.areas["park"] == "(all)"].to_dict("records")]}
    if run.segments is not None:
        mism = run.segments[run.segments["mismatch"]]
        facts.update(segments=len(run.segments), mismatched=len(mism),
                     mismatched_km=round(float(mism["length_km"].sum()), 3),
                     conflicts=int((run.segments["conflicts"] != "").sum()))
    return StepOutcome(["zoning"], facts=facts, provenance=_folder_record(run.out), products=[
        _product("zoning/zoning.gpkg", "Protection levels of both sides, border mismatch, gaps", "vector"),
        _product("zoning/report.md", "Zoning compared across the border (report)", "report"),
        *([_product("zoning/swipe.html", "Swipe map of both sides' protection levels", "html")]
          if (run.out / "swipe.html").is_file() else [])])


def _webmap(ctx: StepContext) -> StepOutcome:
    from habitatmap.webmap.build import build_webmap

    site = ctx.site
    habitat = ctx.out / "habitat.tif" if site.classification is not None else None
    corridors = None
    if site.corridors:
        names = _folders(site, site.corridors[0])
        corridors = ctx.out / names["circuit"]
        if len(site.corridors) == 1:
            corridors = ctx.out  # the folder holding circuit/ and leastcost/
    omni = next((c for c in site.corridors if c.omniscape is not None), None)
    build_webmap(ctx.out / "basemap.gpkg", ctx.out / "map.html", ctx.legend, habitat=habitat,
                 corridors=corridors, lang=site.webmap_lang,
                 zoning=ctx.out / "zoning" if site.zoning is not None else None,
                 omniscape=ctx.out / _folders(site, omni)["omniscape"] if omni is not None else None,
                 burns=[ctx.out / f"burn_{f.date}" for f in site.change.fires] if site.change else (),
                 change=ctx.out / "change" if site.change is not None and site.change.years else None)
    return StepOutcome(["map.html"], facts={"path": "map.html"},
                       products=[_product("map.html", "Offline web map of everything", "html")])


# --- the graph ----------------------------------------------------------------------------------


def _files(site: Site, **roles: Any) -> dict[str, Path]:
    return {role: site.resolve(p) for role, p in roles.items() if p is not None}


def site_steps(site: Site, legend: Legend) -> list[Step]:
    """The site's workflow as steps, each after the steps it depends on.

    Parameters
    ----------
    site
        The validated site file.
    legend
        The legend in use (its file is an input of every step that maps classes).
    """
    from habitatmap.io.paths import split_layer

    lg = {"legend": Path(legend.source)} if getattr(legend, "source", None) else {}
    legend_id = {"legend": f"{legend.id} {legend.version}"}
    common = {"crs": site.crs, "allow_ballpark": site.allow_ballpark}
    if site.datum_params is not None:
        common["datum_params"] = str(site.datum_params)
    steps = [Step("legend", (), {"languages": site.languages, **legend_id}, dict(lg), _legend)]
    sc = site.scenes
    remote = site.stac_source().startswith(("http://", "https://"))
    search_files = _files(site, aoi=site.aoi)
    if not remote:
        search_files["catalog"] = Path(site.stac_source()).parent
    steps.append(Step("search", (), {
        "stac": sc.stac if remote else "(local catalog)", "collection": sc.collection,
        "dates": [[str(r.start), str(r.end)] for r in sc.dates], "max_cloud": sc.max_cloud,
        "platforms": sc.platforms, "limit": sc.limit}, search_files, _search, remote=remote))
    snow = sorted({spec.keep_snow for spec in site.composites.values()})
    for keep in snow:
        steps.append(Step("pull:snow" if keep else "pull", ("search",), {
            **common, "resolution": sc.resolution, "keep_snow": keep, "requester_pays": sc.requester_pays},
            _files(site, aoi=site.aoi), _pull(keep), dask=True))
    for name, spec in site.composites.items():
        steps.append(Step(f"composite:{name}", ("pull:snow" if spec.keep_snow else "pull",),
                          spec.model_dump(mode="json"), {}, _composite(name), dask=True))
    cls = site.classification
    if cls is not None:
        files = _files(site, training=split_layer(str(cls.training))[0])
        steps.append(Step("classify", tuple(f"composite:{c}" for c in cls.composites), {
            **common, **legend_id, **cls.model_dump(mode="json", exclude={"validation", "reference_design"})},
            {**files, **lg}, _classify, dask=True))
        if cls.validation is not None or cls.reference_design is not None:
            design = cls.reference_design.model_dump(mode="json") if cls.reference_design else None
            files = _files(site, validation=split_layer(str(cls.validation))[0] if cls.validation else None,
                           labels=cls.reference_design.label_from if cls.reference_design else None)
            steps.append(Step("accuracy", ("classify",), {**legend_id, "design": design,
                                                         "label_field": cls.label_field},
                              files, _accuracy))
        steps.append(Step("polygonize", ("classify",), dict(legend_id), {}, _polygonize))
    bm = site.basemap
    if bm is not None:
        files = {f"layer {i + 1}": site.resolve(split_layer(s)[0]) for i, s in enumerate(bm.layers)}
        files.update(_files(site, mapping=bm.mapping))
        deps = ("classify",) if cls is not None else ()
        steps.append(Step("basemap", deps, {**common, **legend_id, "layers": bm.layers,
                                            "mapping": "given" if bm.mapping else "inferred"},
                          files, _basemap))
        if bm.sheet:
            steps.append(Step("sheet", ("basemap",), {**legend_id, "lang": site.webmap_lang},
                              _files(site, aoi=site.aoi), _sheet))
    for spec in site.corridors:
        sp = spec.species
        core_deps = ("basemap",) if spec.cores.layer is not None else ()
        core_files = _files(site, cores=split_layer(spec.cores.file)[0] if spec.cores.file else None)
        cores = spec.cores.model_dump(mode="json")
        steps.append(Step(f"resistance:{sp}", ("classify",), {**legend_id, "species": sp}, {},
                          _resistance(spec)))
        border = ("basemap",) if spec.border_layer and bm is not None else ()
        steps.append(Step(f"leastcost:{sp}", (f"resistance:{sp}", *sorted(set(core_deps) | set(border))),
                          {"cores": cores, "border_layer": spec.border_layer}, core_files, _leastcost(spec)))
        steps.append(Step(f"circuit:{sp}", (f"resistance:{sp}", *core_deps), {"cores": cores}, core_files,
                          _circuit(spec)))
        if spec.omniscape is not None:
            params = spec.omniscape.model_dump(mode="json")
            steps.append(Step(f"omniscape:{sp}", (f"resistance:{sp}",), params, {}, _omniscape(spec)))
        if spec.border_layer and bm is not None:
            steps.append(Step(f"border:{sp}", (f"circuit:{sp}", "basemap"),
                              {"cores": cores, "border_layer": spec.border_layer,
                               "segment_km": spec.segment_km}, core_files, _border(spec)))
    zs = site.zoning
    if zs is not None:
        deps = ["basemap", *(["classify"] if cls is not None else [])]
        if zs.species is not None and any(c.species == zs.species for c in site.corridors):
            deps.append(f"circuit:{zs.species}")
        steps.append(Step("zoning", tuple(deps), {**legend_id, **zs.model_dump(mode="json"),
                                                  "lang": site.webmap_lang},
                          _files(site, mapping=zs.mapping), _zoning))
    if site.monitoring is not None and cls is not None:
        from habitatmap.workflow.monitoring import monitoring_steps

        steps += monitoring_steps(site, legend_id, zoning=zs is not None, basemap=bm is not None)
    if site.change is not None:
        from habitatmap.workflow.change import change_steps

        steps += change_steps(site, legend_id, basemap=bm is not None)
    if bm is not None:
        kinds = ("basemap", "classify", "leastcost", "circuit", "omniscape", "zoning", "change", "burn")
        deps = tuple(s.name for s in steps if s.kind in kinds)
        steps.append(Step("webmap", deps, {**legend_id, "lang": site.webmap_lang}, {}, _webmap))
    # The legend (names, colours, resistances) and an agency's datum parameters decide the results
    # of every step that uses them: their contents are inputs, whatever their version strings say.
    for s in steps:
        if s.kind not in ("search", "pull", "composite"):
            s.files.update(lg)
        if site.datum_params is not None and s.kind not in ("legend", "search", "composite"):
            s.files["datum parameters"] = site.resolve(site.datum_params)
    return steps
