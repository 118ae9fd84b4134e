"""``habitatmap composite``: a cloud-free composite of pulled scenes, with indices."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path
from habitatmap.cli._progress import block_progress
from habitatmap.cli.options import Scheduler, Threads, parse_date_range
from habitatmap.composite.indices import INDICES

__all__ = ["composite"]


@app.command("composite")
def composite(
    folder: Path = typer.Argument(..., file_okay=False, help="Folder written by 'scenes pull'."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="Output COG."),
    method: str = typer.Option("median", "--method", help="median or medoid."),
    months: str | None = typer.Option(None, "--months", help="Months to use, e.g. 6-9, 11-2 or 6,7,9."),
    start: str | None = typer.Option(None, "--start", help="First acquisition date to use, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="Last acquisition date to use, YYYY-MM-DD."),
    indices: str | None = typer.Option(None, "--indices",
                                       help=f"Indices to add, comma-separated: {','.join(INDICES)}."),
    scheduler: Scheduler = None,
    threads: Threads = None,
) -> None:
    """Composite clear observations per pixel (median or medoid), add indices and a clear-count band.

    --start and --end keep the scenes of a date range (one year's composite from a longer pull).

    Example: habitatmap composite scenes/ --out summer.tif --months 6-8 --indices ndvi,nbr
    """
    from habitatmap.composite.build import CompositeSettings, composite_scenes
    from habitatmap.composite.indices import parse_indices
    from habitatmap.composite.spec import parse_months
    from habitatmap.scenes.pull import load_manifest

    manifest = load_manifest(folder)
    first, last = parse_date_range(start, end)
    settings = CompositeSettings(method=method, months=parse_months(months), start=first, end=last,
                                 indices=parse_indices(indices, manifest["settings"]["bands"]),
                                 scheduler=scheduler, threads=threads)
    with block_progress("composite") as progress:
        result = composite_scenes(folder, out, settings, progress=progress)
    console.print(f"{settings.method} of {len(result.scenes)} scenes; bands: {', '.join(result.bands)}")
    echo_path("composite", result.path)
