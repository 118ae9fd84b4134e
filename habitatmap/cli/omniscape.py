"""``habitatmap omniscape CONFIG.ini``: run an Omniscape.jl configuration without Julia."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console
from habitatmap.cli._progress import block_progress
from habitatmap.cli.options import Scheduler, Workers

__all__ = ["omniscape"]


@app.command("omniscape")
def omniscape(
    config: Path = typer.Argument(..., dir_okay=False, help="An Omniscape.jl .ini file."),
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Run an Omniscape .ini file unchanged and write Omniscape's output folder (project_name).

    Paths in the .ini are relative to the folder you run the command from, as in Omniscape.
    Example: habitatmap omniscape leopard.ini
    """
    from habitatmap.corridors.omniscape.ini import run_ini

    with block_progress("windows (tiles)") as update:
        run = run_ini(config, scheduler=scheduler, workers=workers, on_task=update)
    console.print(f"{run.targets} targets, {run.solved} windows solved in {run.seconds:.1f} s",
                  highlight=False)
    console.print(f"  {len(run.files)} file(s) in {run.folder}", highlight=False)
