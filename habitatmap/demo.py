"""The demo workflow: everything the toolkit can do so far, run on the bundled Tumen sample."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from habitatmap import __version__
from habitatmap.aoi import read_area
from habitatmap.composite import CompositeResult, CompositeSettings, composite_scenes, parse_months
from habitatmap.indices import parse_indices
from habitatmap.io import sha256_file, write_text_atomic
from habitatmap.legend import Legend
from habitatmap.legend_export import EXPORT_FORMATS, export_legend
from habitatmap.scale import DEFAULT_MMU_HA
from habitatmap.scenes import SceneSummary, summarize_item
from habitatmap.scenes.pull import PullResult, PullSettings, pull_scenes
from habitatmap.scenes.search import SceneQuery, search_scenes, write_items
from habitatmap.workflow import Site

if TYPE_CHECKING:  # the classification stack (numba, scikit-learn) loads when the demo runs
    from habitatmap.classify import ClassifyResult
    from habitatmap.polygonize import PolygonizeResult

__all__ = ["DemoResult", "run_demo"]


@dataclass
class DemoResult:
    """What the demo did: written files (label, path) and the scenes it found."""

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


def run_demo(site: Site, legend: Legend, out_dir: str | os.PathLike[str]) -> DemoResult:
    """Run the site's workflow on its sample data and write the products into ``out_dir``.

    Steps: verify the sample data against its checksums; export the legend in every format and
    language; search the sample's STAC catalog for scenes over the site's area; pull them onto one
    grid, cloud-masked; build the site's seasonal composites; classify them into the habitat map,
    assess it against the validation sample and trace it into polygons; write a provenance record.
    """
    from habitatmap.sampledata import verify

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = DemoResult()
    sample_dir = site.resolve(site.inputs.sample_data)
    result.sample_meta = verify(sample_dir)

    legend_dir = out / "legend"
    legend_dir.mkdir(exist_ok=True)
    for fmt in EXPORT_FORMATS:
        for lang in site.languages:
            path = export_legend(legend, fmt, legend_dir / f"habitat_legend_{lang}.{fmt}", lang=lang)
            result.written.append((f"legend {fmt} ({lang})", path))

    stac = site.resolve(site.inputs.stac)
    area = read_area(site.resolve(site.inputs.aoi))
    query = SceneQuery(area=area, start=site.scenes.start, end=site.scenes.end,
                       max_cloud=site.scenes.max_cloud, platforms=tuple(site.scenes.platforms))
    items = search_scenes(stac, query)
    result.scenes = [summarize_item(i) for i in items]
    result.written.append(("scenes found (STAC items)", write_items(items, out / "items.json")))

    pull_settings = PullSettings(crs=site.crs)
    result.pull = pull_scenes(items, area, out / "scenes", pull_settings, source=str(out / "items.json"))
    result.written.append(("pulled scenes manifest", result.pull.manifest))
    for name, spec in site.composites.items():
        settings = CompositeSettings(method=spec.method, months=parse_months(spec.months),
                                     indices=parse_indices(spec.indices, pull_settings.bands))
        comp = composite_scenes(out / "scenes", out / f"composite_{name}.tif", settings)
        result.composites[name] = comp
        result.written.append((f"{name} composite (months {spec.months})", comp.path))

    if site.classification is not None:
        from habitatmap.classify import ClassifySettings, classify_composites
        from habitatmap.polygonize import polygonize_map

        spec = site.classification
        settings = ClassifySettings(mmu_ha=spec.mmu_ha if spec.mmu_ha is not None else DEFAULT_MMU_HA)
        result.classification = cls = classify_composites(
            [result.composites[name].path for name in spec.composites], out / "habitat.tif", legend,
            training=str(site.resolve(spec.training)), model=spec.model, seed=spec.seed,
            label_field=spec.label_field,
            validation=str(site.resolve(spec.validation)) if spec.validation else None,
            report_dir=out / "accuracy", model_out=out / "habitat_model.skops", settings=settings)
        result.written.append(("habitat map", cls.map.path))
        result.written.append(("habitat model (skops)", cls.model_path))
        result.written += [("accuracy report", p) for p in cls.report_paths]
        result.polygons = polygonize_map(cls.map.path, out / "habitats.gpkg", legend)
        result.written.append(("habitat polygons", result.polygons.path))

    if site.inputs.boundaries and site.inputs.mapping is not None:
        from habitatmap.basemap import build_basemap, load_mapping
        from habitatmap.sheets import locate

        habitat = result.classification.map.path if result.classification is not None else None
        result.basemap = build_basemap([str(site.resolve(Path(b))) for b in site.inputs.boundaries],
                                       out / "basemap.gpkg", load_mapping(site.resolve(site.inputs.mapping)),
                                       crs=site.crs, habitat=habitat, legend=legend)
        result.written.append(("base map 1:100000", result.basemap.path))
        centre = area.lonlat.centroid
        result.sheets = {k: v.sheet.code for k, v in locate(centre.x, centre.y).items()}
        from habitatmap.sheetmap import render_sheet

        code = result.sheets["sk42"]
        sheet = render_sheet(code, result.basemap.path, out / f"sheet_{code}.pdf", legend, lang="en")
        result.written.append((f"map sheet {code} (1:100000 PDF)", sheet.path))

    if site.corridors is not None and result.classification is not None and result.basemap is not None:
        result.corridors = _corridors(site, legend, out, result)

    if result.basemap is not None:
        from habitatmap.webmap import build_webmap

        habitat = result.classification.map.path if result.classification is not None else None
        web = build_webmap(result.basemap.path, out / "map.html", legend, habitat=habitat,
                           corridors=out if result.corridors else None, lang="en")
        result.webmap = web.path
        result.written.append(("web map (offline HTML)", web.path))

    legend_src = Path(legend.source)
    provenance = {
        "product": "habitatmap demo",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "site": site.id,
        "software": {"habitatmap": __version__, "python": platform.python_version()},
        "legend": {"id": legend.id, "version": legend.version, "path": str(legend_src),
                   "sha256": sha256_file(legend_src) if legend_src.is_file() else None},
        "inputs": {
            "sample_data": str(sample_dir), "synthetic": result.sample_meta.get("synthetic", False),
            "seed": result.sample_meta.get("seed"),
            "stac_items": [s.id for s in result.scenes],
            "area": str(site.resolve(site.inputs.aoi)),
        },
        "grid": result.pull.grid.to_dict(),
        "area_operation": area.to_crs(result.pull.grid.crs).operation.to_dict()
        if area.crs != result.pull.grid.crs else None,
        "composites": {name: {"scenes": c.scenes, "bands": c.bands,
                              "no_clear_observation_fraction": round(c.empty_fraction, 6),
                              **site.composites[name].model_dump()}
                       for name, c in result.composites.items()},
        "classification": _classification_provenance(site, result),
        "sheets_of_area_centre": result.sheets,
        "basemap_inputs": [{"source": i.source, "operation": i.operation.to_dict() if i.operation else None}
                           for i in result.basemap.inputs] if result.basemap is not None else None,
        "corridors": {k: v for k, v in result.corridors.items() if k != "runs"} or None,
        "outputs": [str(p.relative_to(out)) for _, p in result.written],
        "languages": list(site.languages),
    }
    prov_path = write_text_atomic(out / "provenance.json",
                                  json.dumps(provenance, ensure_ascii=False, indent=2) + "\n")
    result.written.append(("provenance", prov_path))
    return result


def _corridors(site: Site, legend: Legend, out: Path, result: DemoResult) -> dict:
    """Resistance, least-cost corridors, circuit theory and border crossings for the site's species."""
    from habitatmap.corridors.border import border_crossings
    from habitatmap.corridors.circuit_run import run_circuit
    from habitatmap.corridors.leastcost import run_leastcost
    from habitatmap.corridors.resistance import resistance_surface

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
    if border is not None:
        # The cores are short-circuit regions: every core cell carries the whole current, so the
        # border inside them is left out.
        bc = border_crossings(circ.out / "cum_current.tif", border, out / "border",
                              segment_km=spec.segment_km, exclude=cores, exclude_select=spec.cores_select)
        result.written += [(f"border crossings: {f}", bc.out / f) for f in bc.files]
        ranked = sorted((s for s in bc.segments if s["rank"]), key=lambda s: s["rank"])
        info["border_top_segments"] = ranked[:3]
        info["pinch_points"] = len(bc.pinch_points)
    return info


def _classification_provenance(site: Site, result: DemoResult) -> dict | None:
    cls = result.classification
    if cls is None or site.classification is None:
        return None
    acc = cls.assessment.accuracy if cls.assessment is not None else None
    return {
        **site.classification.model_dump(mode="json"),
        "features": cls.model.feature_names,
        "training_samples": len(cls.training) if cls.training is not None else None,
        "training_dropped_on_nodata": cls.dropped_nodata,
        "training_datum_operation": cls.training.operation.to_dict()
        if cls.training is not None and cls.training.operation else None,
        "mmu_pixels": cls.map.mmu_pixels,
        "mapped_pixels": {str(k): v for k, v in cls.map.mapped_pixels.items()},
        "overall_accuracy": round(acc.overall_accuracy, 4) if acc else None,
        "software": cls.model.metadata.get("software"),
    }
