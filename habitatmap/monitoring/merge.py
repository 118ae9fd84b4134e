"""``monitor merge`` as a runner: read two sides' packages (or Wildlife Insights exports), merge them
(:func:`~habitatmap.monitoring.camtrapdp.merge_packages`) and write the joint package with its
provenance record."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from habitatmap.errors import ConfigError

__all__ = ["PRODUCT", "SENSITIVE", "MergeRun", "read_side", "run_merge"]

PRODUCT = "monitoring.merge"

#: Species whose coordinates a shared package rounds by default (poaching risk).
SENSITIVE = ("Panthera pardus orientalis", "Panthera tigris altaica", "Panthera uncia", "Otocolobus manul")


def read_side(
    path: str | os.PathLike[str], *, timezone_name: str | None = None, wildlife_insights: bool = False
) -> Any:
    """One side's data: a Camtrap DP package, or a Wildlife Insights export (asked for, or a folder
    with ``images.csv`` and no ``datapackage.json``), whose times need ``timezone_name``."""
    from habitatmap.monitoring.camtrapdp import read_package, read_wildlife_insights

    path = Path(path)
    if wildlife_insights or (not (path / "datapackage.json").is_file() and (path / "images.csv").is_file()):
        if timezone_name is None:
            raise ConfigError(
                f"{path} is a Wildlife Insights export, whose times have no offset; give "
                "--timezone (e.g. Asia/Vladivostok)."
            )
        return read_wildlife_insights(path, timezone_name=timezone_name)
    return read_package(path, timezone_name=timezone_name)


@dataclass
class MergeRun:
    """What :func:`run_merge` wrote: the joint package (in memory too) and its folder."""

    package: Any
    out: Path


def run_merge(
    a: str | os.PathLike[str],
    b: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    sides: tuple[str, str] = ("A", "B"),
    grid: str | os.PathLike[str] | None = None,
    share: bool = False,
    sensitive: list[str] | None = None,
    decimals: int = 2,
    timezone_name: str | None = None,
    wildlife_insights: bool = False,
) -> MergeRun:
    """Merge two sides' packages into the Camtrap DP package ``out``.

    Parameters
    ----------
    a, b
        The two sides' packages (or Wildlife Insights exports).
    sides
        Their short names (``RUS``, ``CHN``).
    grid
        A monitoring grid: each deployment gets its ``cell_id``.
    share
        Round the coordinates when the package holds a ``sensitive`` species (default
        :data:`SENSITIVE`) to ``decimals`` places.
    timezone_name, wildlife_insights
        See :func:`read_side`.
    """
    from habitatmap.io.atomic import OutputFolder
    from habitatmap.monitoring.camtrapdp import merge_packages, write_package
    from habitatmap.monitoring.cells import read_cells
    from habitatmap.provenance import Provenance

    if len(sides) != 2 or not all(sides) or sides[0] == sides[1]:
        raise ConfigError(
            f"--sides {','.join(sides)!r}: give two different names separated by a comma, e.g. RUS,CHN."
        )
    pa = read_side(a, timezone_name=timezone_name, wildlife_insights=wildlife_insights)
    pb = read_side(b, timezone_name=timezone_name, wildlife_insights=wildlife_insights)
    merged = merge_packages(
        pa,
        pb,
        sides=sides,
        cells=read_cells(grid) if grid is not None else None,
        sensitive=set(sensitive or SENSITIVE) if share else None,
        decimals=decimals,
    )
    record = Provenance(
        PRODUCT,
        parameters={
            "sides": list(sides),
            "share": share,
            "decimals": decimals,
            "sensitive": sorted(sensitive or SENSITIVE) if share else [],
            "timezone": timezone_name,
        },
    )
    for side, path in zip(sides, (a, b), strict=True):
        record.add_input(f"package {side}", Path(path))
    if grid is not None:
        record.add_input("grid", grid)
    with OutputFolder(out, product=PRODUCT) as folder:
        write_package(merged, folder.staging)
        folder.set_record(record)
    return MergeRun(merged, Path(out))
