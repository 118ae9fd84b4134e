"""``habitatmap circuitscape CONFIG.ini``: run a Circuitscape configuration without Julia."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console

__all__ = ["circuitscape"]


@app.command("circuitscape")
def circuitscape(
    config: Path = typer.Argument(..., dir_okay=False, help="A Circuitscape .ini file (raster data)."),
) -> None:
    """Run a Circuitscape .ini file and write Circuitscape's output files.

    Paths in the .ini are relative to the folder you run the command from, as in Circuitscape.
    Example: habitatmap circuitscape corridors.ini
    """
    from habitatmap.corridors.circuitscape.run import run_config

    result = run_config(config)
    console.print(f"{result.scenario}: {len(result.files)} file(s) written", highlight=False)
    if result.files:
        console.print(f"  in {result.files[0].parent}", highlight=False)
    if result.scenario == "pairwise" and result.resistances is not None and result.ids is not None:
        n = len(result.ids)
        connected = int(((result.resistances >= 0).sum() - n) // 2)
        console.print(f"  {connected} of {n * (n - 1) // 2} pairs connected", highlight=False)
