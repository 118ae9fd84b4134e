"""The demo workflow: everything the toolkit can do so far, run on the bundled Tumen sample."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from habitatmap import __version__
from habitatmap.io import sha256_file, write_text_atomic
from habitatmap.legend import Legend
from habitatmap.legend_export import EXPORT_FORMATS, export_legend
from habitatmap.scenes import SceneSummary, read_static_items, standalone_item, summarize_item
from habitatmap.workflow import Site

__all__ = ["DemoResult", "run_demo"]


@dataclass
class DemoResult:
    """What the demo did: written files (label, path) and the scenes it found."""

    written: list[tuple[str, Path]] = field(default_factory=list)
    scenes: list[SceneSummary] = field(default_factory=list)
    sample_meta: dict = field(default_factory=dict)


def run_demo(site: Site, legend: Legend, out_dir: str | os.PathLike[str]) -> DemoResult:
    """Run the site's workflow on its sample data and write the products into ``out_dir``.

    Steps: verify the sample data against its checksums; export the legend in every format and
    language; list the sample's Landsat scenes; write a provenance record.
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

    items = read_static_items(site.resolve(site.inputs.stac))
    result.scenes = [summarize_item(i) for i in items]
    scenes_path = write_text_atomic(out / "scenes.json", json.dumps(
        {"type": "FeatureCollection", "features": [standalone_item(i) for i in items]},
        ensure_ascii=False, indent=1) + "\n")
    result.written.append(("sample scenes (STAC items)", scenes_path))

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
        },
        "outputs": [str(p.relative_to(out)) for _, p in result.written],
        "languages": list(site.languages),
    }
    prov_path = write_text_atomic(out / "provenance.json",
                                  json.dumps(provenance, ensure_ascii=False, indent=2) + "\n")
    result.written.append(("provenance", prov_path))
    return result
