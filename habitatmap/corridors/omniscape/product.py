"""``habitatmap corridors omniscape``: Omniscape on a resistance COG, written as COGs with provenance."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from habitatmap.corridors.omniscape.options import OmniscapeOptions, check_options
from habitatmap.provenance import Provenance

__all__ = ["PRODUCT", "OmniscapeRun", "run_omniscape"]

PRODUCT = "corridors.omniscape"


@dataclass
class OmniscapeRun:
    """What ``corridors omniscape`` wrote and did."""

    out: Path
    files: list[str] = field(default_factory=list)
    targets: int = 0
    solved: int = 0
    tasks: int = 0
    seconds: float = 0.0


def run_omniscape(resistance: str | os.PathLike[str], out: str | os.PathLike[str], options: OmniscapeOptions,
                  *,
                  sources: str | os.PathLike[str] | None = None, scheduler: str | None = None,
                  workers: int | None = None,
                  on_task: Callable[[int, int], None] | None = None) -> OmniscapeRun:
    """Run Omniscape on a resistance raster and write ``cum_currmap.tif``, ``flow_potential.tif``
    and ``normalized_cum_currmap.tif`` (as asked by ``options``) with ``provenance.json``.

    Parameters
    ----------
    resistance
        Resistance GeoTIFF (e.g. from ``corridors resistance``); NaN or nodata cells are impassable.
    out
        Output folder (kept: only this product's files are replaced).
    options
        Omniscape options; its file options other than the conditions are set from the arguments.
    sources
        Source strength raster on the resistance's grid (unless ``options.source_from_resistance``).
    scheduler, workers, on_task
        As for :func:`habitatmap.corridors.omniscape.run.omniscape`.
    """
    from habitatmap.corridors.omniscape.output import write_cogs
    from habitatmap.corridors.omniscape.run import omniscape
    from habitatmap.io.atomic import OutputFolder

    opts = dataclasses.replace(options, resistance_file=Path(resistance),
                               source_file=Path(sources) if sources is not None else None,
                               source=f"corridors omniscape --resistance {resistance}")
    check_options(opts, where=opts.source)
    record = Provenance(PRODUCT, parameters=opts.parameters())
    record.add_input("resistance", resistance)
    if sources is not None and not opts.source_from_resistance:
        record.add_input("sources", sources)
    for role, path in zip(("condition1", "condition1_future", "condition2", "condition2_future"),
                          opts.condition_files(), strict=True):
        if path is not None:
            record.add_input(role, path)
    if opts.reclassify_resistance and opts.reclass_table is not None:
        record.add_input("reclass_table", opts.reclass_table)
    with OutputFolder(out, product=PRODUCT) as folder:
        with omniscape(opts, folder.staging / "sums", scheduler=scheduler, workers=workers,
                       on_task=on_task) as maps:
            record.parameters["targets"] = maps.targets
            files = write_cogs(maps, folder.staging, record.tags())
        folder.set_record(record)
    return OmniscapeRun(Path(out), [*files, "provenance.json"], maps.targets, maps.solved, maps.tasks,
                        maps.seconds)
