"""The demo workflow: everything the toolkit can do so far, run on the bundled Tumen sample.

:func:`demo_workflow` finds the sample: in a checkout it is ``sample_data/tumen``; an installed
package carries only its checksums, so the sample is regenerated (seeded, 10 s) into a cache folder
beside copies of the site files and checked against those checksums. :func:`run_demo` is then a
composition of the library's steps, each writing through :mod:`habitatmap.io` and adding its
provenance record to the demo's.
"""

from __future__ import annotations

import os
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from habitatmap import __version__
from habitatmap.errors import HabitatmapWarning, InputDataError
from habitatmap.legend.model import Legend
from habitatmap.provenance import Provenance
from habitatmap.workflow.site import Site, load_site

if TYPE_CHECKING:  # the heavier stacks load when the demo runs
    from habitatmap.composite.build import CompositeResult
    from habitatmap.habitat.classify import ClassifyResult
    from habitatmap.habitat.polygonize import PolygonizeResult
    from habitatmap.scenes.items import SceneSummary
    from habitatmap.scenes.pull import PullResult

__all__ = ["DemoResult", "cache_dir", "demo_workflow", "run_demo"]


def cache_dir() -> Path:
    """Where an installed habitatmap keeps regenerated sample data: ``$HABITATMAP_CACHE``, else
    ``$XDG_CACHE_HOME/habitatmap``, else ``~/.cache/habitatmap``."""
    if os.environ.get("HABITATMAP_CACHE"):
        return Path(os.environ["HABITATMAP_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "habitatmap"


def _sample_ok(folder: Path) -> bool:
    from habitatmap.sampledata import verify

    try:
        verify(folder)
    except InputDataError:
        return False
    return True


def demo_workflow(workflow: str | os.PathLike[str] | None = None, *,
                  cache: str | os.PathLike[str] | None = None) -> Path:
    """The site file to run the demo with, its sample data present and verified.

    Parameters
    ----------
    workflow
        A site file (default: the packaged ``workflows/tumen.yaml``).
    cache
        Where to regenerate a sample the installation does not carry (default: :func:`cache_dir`).

    Returns
    -------
    pathlib.Path
        ``workflow`` itself when its sample is there; else the copy in the cache, beside a
        regenerated sample.

    Raises
    ------
    InputDataError
        The sample is present but damaged, or the regenerated one does not match the checksums of
        the bundled one although made with the same library versions.
    """
    from habitatmap.resources import data_path
    from habitatmap.sampledata import generate, verify

    wf = Path(workflow) if workflow is not None else data_path("workflows", "tumen.yaml")
    site = load_site(wf)
    rel = site.inputs.sample_data
    sample = site.resolve(rel)
    if (sample / "stac").is_dir():
        verify(sample)  # a checkout: its own sample, exactly as committed
        return wf
    reference = _reference_meta(sample)
    root = Path(cache) if cache is not None else cache_dir() / f"demo-{__version__}"
    target = root / rel
    if not _sample_ok(target):
        generate(target, seed=int(reference["seed"]))
    meta = verify(target)
    if meta.get("software") == reference.get("software") and meta["files"] != reference["files"]:
        raise InputDataError(f"{target}: the regenerated sample differs from the bundled one's checksums "
                             "although made with the same library versions; please report this as a bug.")
    if meta.get("software") != reference.get("software"):
        warnings.warn(f"{target}: sample regenerated with other library versions than the bundled one's "
                      "(its own checksums hold; bytes may differ slightly).", HabitatmapWarning, stacklevel=2)
    copy = root / wf.parent.name
    copy.mkdir(parents=True, exist_ok=True)
    for f in wf.parent.iterdir():
        if f.suffix in (".yaml", ".geojson") and f.is_file():
            shutil.copyfile(f, copy / f.name)
    return copy / wf.name


def _reference_meta(sample: Path) -> dict[str, Any]:
    from habitatmap.io.text import read_json
    from habitatmap.resources import data_path

    for candidate in (sample / "metadata.json", data_path("sample_data", "tumen", "metadata.json")):
        if candidate.is_file():
            return read_json(candidate, what="sample metadata")
    raise InputDataError(f"{sample}: no sample data and no sample checksums to regenerate it from; "
                         "reinstall habitatmap or run from a checkout.")


@dataclass
class DemoResult:
    """What the demo did: written files (label, path), the scenes it found, each step's result."""

    written: list[tuple[str, Path]] = field(default_factory=list)
    scenes: list[SceneSummary] = field(default_factory=list)
    sample_meta: dict = field(default_factory=dict)
    pull: PullResult | None = None
    composites: dict[str, CompositeResult] = field(default_factory=dict)
    classification: ClassifyResult | None = None
    basemap: Any = None
    sheets: dict = field(default_factory=dict)
    polygons: PolygonizeResult | None = None
    corridors: dict = field(default_factory=dict)
    webmap: Path | None = None
    provenance: Provenance | None = None


def run_demo(site: Site, legend: Legend, out_dir: str | os.PathLike[str]) -> DemoResult:
    """Run the site's workflow on its sample data and write the products into ``out_dir``.

    Steps: verify the sample data against its checksums; export the legend in every format and
    language; search the sample's STAC catalog for scenes over the site's area; pull them onto one
    grid, cloud-masked; build the site's seasonal composites; classify them into the habitat map,
    assess it against the validation sample and trace it into polygons; build the base map and
    print the area's sheet; corridors; the web map; and one provenance record of it all.
    """
    from habitatmap.io.lock import FolderLock

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputDataError(f"{out}: is a file, but --out must be a folder; choose a folder name.")
    out.mkdir(parents=True, exist_ok=True)
    with FolderLock(out):
        return _run(site, legend, out)


def _run(site: Site, legend: Legend, out: Path) -> DemoResult:
    from habitatmap.area import read_area
    from habitatmap.io.atomic import clean_own_leftovers, write_json
    from habitatmap.legend.export import EXPORT_FORMATS, export_legend
    from habitatmap.sampledata import verify

    clean_own_leftovers(out)
    result = DemoResult()
    record = Provenance("demo", parameters={"site": site.id, "languages": list(site.languages)})
    result.provenance = record
    sample_dir = site.resolve(site.inputs.sample_data)
    result.sample_meta = verify(sample_dir)
    record.add_input("sample data", sample_dir, checksum=False, synthetic=result.sample_meta.get("synthetic"),
                     seed=result.sample_meta.get("seed"))
    record.add_input("legend", legend.source, id=legend.id, version=legend.version)

    legend_dir = out / "legend"
    legend_dir.mkdir(exist_ok=True)
    for fmt in EXPORT_FORMATS:
        for lang in site.languages:
            path = export_legend(legend, fmt, legend_dir / f"habitat_legend_{lang}.{fmt}", lang=lang)
            result.written.append((f"legend {fmt} ({lang})", path))

    area = read_area(site.resolve(site.inputs.aoi))
    _scenes(site, area, out, result)
    if site.classification is not None:
        _habitat(site, legend, out, result)
    if site.inputs.boundaries and site.inputs.mapping is not None:
        _basemap(site, legend, area, out, result)
    if site.corridors is not None and result.classification is not None and result.basemap is not None:
        result.corridors = _corridors(site, legend, out, result)
    if result.basemap is not None:
        from habitatmap.webmap.build import build_webmap

        habitat = result.classification.map.path if result.classification is not None else None
        web = build_webmap(result.basemap.path, out / "map.html", legend, habitat=habitat,
                           corridors=out if result.corridors else None, lang="en")
        result.webmap = web.path
        result.written.append(("web map (offline HTML)", web.path))
    summary = write_json(out / "summary.json", _summary(site, result))
    result.written.append(("summary of the results", summary))
    record.set_outputs({str(p.relative_to(out)): p for _, p in result.written})
    result.written.append(("provenance", write_json(out / "provenance.json", record.to_dict())))
    return result


def _summary(site: Site, result: DemoResult) -> dict[str, Any]:
    """What the demo found, for people and tests (how it was made is in provenance.json)."""
    cls = result.classification
    acc = cls.assessment.accuracy if cls is not None and cls.assessment is not None else None
    return {
        "site": site.id,
        "synthetic_sample": bool(result.sample_meta.get("synthetic")),
        "scenes": [s.id for s in result.scenes],
        "grid": result.pull.grid.to_dict() if result.pull is not None else None,
        "composites": {name: {"scenes": c.scenes, "bands": c.bands,
                              "no_clear_observation_fraction": round(c.empty_fraction, 6)}
                       for name, c in result.composites.items()},
        "classification": None if cls is None else {
            "features": cls.model.feature_names, "mmu_pixels": cls.map.mmu_pixels,
            "training_samples": len(cls.training) if cls.training is not None else None,
            "mapped_pixels": {str(k): v for k, v in cls.map.mapped_pixels.items()},
            "overall_accuracy": round(acc.overall_accuracy, 4) if acc else None},
        "sheets_of_area_centre": result.sheets,
        "corridors": result.corridors or None,
    }


def _scenes(site: Site, area: Any, out: Path, result: DemoResult) -> None:
    from habitatmap.composite.build import CompositeSettings, composite_scenes, parse_months
    from habitatmap.composite.indices import parse_indices
    from habitatmap.io.text import read_json
    from habitatmap.scenes.items import summarize_item
    from habitatmap.scenes.pull import PullSettings, pull_scenes
    from habitatmap.scenes.search import SceneQuery, search_scenes, write_items

    query = SceneQuery(area=area, start=site.scenes.start, end=site.scenes.end,
                       max_cloud=site.scenes.max_cloud, platforms=tuple(site.scenes.platforms))
    items = search_scenes(site.resolve(site.inputs.stac), query)
    result.scenes = [summarize_item(i) for i in items]
    result.written.append(("scenes found (STAC items)", write_items(items, out / "items.json")))
    pull_settings = PullSettings(crs=site.crs)
    result.pull = pull_scenes(items, area, out / "scenes", pull_settings, source=str(out / "items.json"))
    result.written.append(("pulled scenes manifest", result.pull.manifest))
    manifest = read_json(result.pull.manifest, what="pull manifest")
    result.provenance.parts.append(Provenance.from_dict(manifest["provenance"]))
    for name, spec in site.composites.items():
        settings = CompositeSettings(method=spec.method, months=parse_months(spec.months),
                                     indices=parse_indices(spec.indices, pull_settings.bands))
        comp = composite_scenes(out / "scenes", out / f"composite_{name}.tif", settings)
        result.composites[name] = comp
        result.written.append((f"{name} composite (months {spec.months})", comp.path))
        if comp.provenance is not None:
            result.provenance.parts.append(comp.provenance)


def _habitat(site: Site, legend: Legend, out: Path, result: DemoResult) -> None:
    from habitatmap.habitat.classify import ClassifySettings, classify_composites
    from habitatmap.habitat.polygonize import polygonize_map
    from habitatmap.scale import DEFAULT_MMU_HA

    spec = site.classification
    assert spec is not None
    settings = ClassifySettings(mmu_ha=spec.mmu_ha if spec.mmu_ha is not None else DEFAULT_MMU_HA)
    # A designed and labelled reference sample makes the report: no cross-validation report first.
    designed = spec.reference_design is not None and spec.reference_design.label_from is not None
    result.classification = cls = classify_composites(
        [result.composites[name].path for name in spec.composites], out / "habitat.tif", legend,
        training=str(site.resolve(spec.training)), model=spec.model, seed=spec.seed,
        label_field=spec.label_field,
        validation=str(site.resolve(spec.validation)) if spec.validation else None,
        report_dir=None if designed else out / "accuracy", model_out=out / "habitat_model.skops",
        settings=settings)
    result.written.append(("habitat map", cls.map.path))
    if cls.map.method_path is not None:
        result.written.append(("habitat map: method per pixel", cls.map.method_path))
    result.written.append(("habitat model (skops)", cls.model_path))
    if spec.reference_design is not None:
        _designed_assessment(site, spec.reference_design, legend, out, cls, result)
    result.written += [("accuracy report", p) for p in cls.report_paths]
    if cls.map.provenance is not None:
        result.provenance.parts.append(cls.map.provenance)
    result.polygons = polygonize_map(cls.map.path, out / "habitats.gpkg", legend)
    result.written.append(("habitat polygons", result.polygons.path))


def _designed_assessment(site: Site, spec: Any, legend: Legend, out: Path, cls: Any,
                         result: DemoResult) -> None:
    """Draw the reference sample from the map itself (Olofsson et al. 2014), label it from the
    site's reference raster, and assess the map with it: real confidence intervals."""
    from habitatmap.habitat.accuracy import assess_map, build_report, write_report
    from habitatmap.habitat.accuracy.design import design_sample, label_from_raster, write_design

    design = design_sample(cls.map.path, legend, target_se=spec.target_se, n=spec.n,
                           min_per_class=spec.min_per_class, users_accuracy=spec.users_accuracy,
                           seed=spec.seed)
    if spec.label_from is None:
        path = write_design(design, out / "reference_sample_to_label.gpkg", map_path=str(cls.map.path))
        result.written.append(("reference sample to label (designed)", path))
        return
    labelled = label_from_raster(design, site.resolve(spec.label_from), legend)
    path = write_design(labelled, out / "reference_sample.gpkg", map_path=str(cls.map.path))
    result.written.append(("reference sample (designed, labelled)", path))
    cls.assessment = assess_map(cls.map.path, path, legend, method_path=cls.map.method_path,
                                method_pixels=cls.map.method_pixels)
    cls.report_paths = write_report(build_report(cls.assessment, legend), legend, out / "accuracy")


def _basemap(site: Site, legend: Legend, area: Any, out: Path, result: DemoResult) -> None:
    from habitatmap.basemap.build import build_basemap, write_basemap
    from habitatmap.basemap.mapping import load_mapping
    from habitatmap.basemap.sheetmap import render_sheet
    from habitatmap.basemap.sheets import locate

    habitat = result.classification.map.path if result.classification is not None else None
    assert site.inputs.mapping is not None
    built = build_basemap([str(site.resolve(Path(b))) for b in site.inputs.boundaries],
                          load_mapping(site.resolve(site.inputs.mapping)), legend=legend, crs=site.crs,
                          habitat=habitat)
    result.basemap = write_basemap(built, out / "basemap.gpkg", legend)
    result.written.append(("base map 1:100000", result.basemap.path))
    if built.provenance is not None:
        result.provenance.parts.append(built.provenance)
    centre = area.lonlat.centroid
    result.sheets = {k: v.sheet.code for k, v in locate(centre.x, centre.y).items()}
    code = result.sheets["sk42"]
    sheet = render_sheet(code, result.basemap.path, out / f"sheet_{code}.pdf", legend, lang="en")
    result.written.append((f"map sheet {code} (1:100000 PDF)", sheet.path))


def _corridors(site: Site, legend: Legend, out: Path, result: DemoResult) -> dict:
    """Resistance, least-cost corridors, circuit theory and border crossings for the site's species."""
    from habitatmap.corridors.border import run_border
    from habitatmap.corridors.currents import run_circuit
    from habitatmap.corridors.leastcost import run_leastcost
    from habitatmap.corridors.resistance import resistance_surface
    from habitatmap.io.text import read_json

    spec = site.corridors
    assert spec is not None and result.classification is not None and result.basemap is not None
    basemap = result.basemap.path
    cores = f"{basemap}:{spec.cores_layer}"
    border = f"{basemap}:{spec.border_layer}" if spec.border_layer else None
    res = resistance_surface(result.classification.map.path, spec.species,
                             out / f"resistance_{spec.species}.tif", legend)
    result.written.append((f"resistance ({spec.species})", res.path))
    lc = run_leastcost(res.path, cores, out / "leastcost", select=spec.cores_select, border=border)
    result.written += [(f"least-cost corridors: {f}", lc.out / f) for f in lc.files]
    circ = run_circuit(res.path, out / "circuit", focal=cores, select=spec.cores_select)
    result.written += [(f"circuit theory: {f}", circ.out / f) for f in circ.files]
    info: dict = {"species": spec.species, "leastcost": lc.table,
                  "effective_resistance": {f"{circ.names.get(int(a), a)} - {circ.names.get(int(b), b)}":
                                           float(circ.resistances[i, j])
                                           for i, a in enumerate(circ.ids) for j, b in enumerate(circ.ids)
                                           if i < j} if circ.resistances is not None else {}}
    folders = [lc.out, circ.out]
    if border is not None:
        # The cores are short-circuit regions: every core cell carries the whole current, so the
        # border inside them is left out.
        bc = run_border(circ.out / "cum_current.tif", border, out / "border", segment_km=spec.segment_km,
                        exclude=cores, exclude_select=spec.cores_select)
        result.written += [(f"border crossings: {f}", bc.out / f) for f in bc.files]
        ranked = sorted((s for s in bc.segments if s["rank"]), key=lambda s: s["rank"])
        info["border_top_segments"] = ranked[:3]
        info["pinch_points"] = len(bc.pinch_points)
        folders.append(bc.out)
    for folder in folders:
        result.provenance.parts.append(Provenance.from_dict(read_json(folder / "provenance.json")))
    return info
