"""Options shared by several commands, defined once (``Annotated`` types for Typer)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from habitatmap.legend.model import LANGUAGES

__all__ = [
    "AOI_HELP",
    "BALLPARK_HELP",
    "BBOX_HELP",
    "AllowBallpark",
    "AoiOption",
    "BboxOption",
    "Lang",
    "OutDir",
    "OutFile",
    "Retries",
    "Scheduler",
    "Threads",
]

BALLPARK_HELP = ("Accept a zero-shift datum step from an older datum (Pulkovo 1942, Beijing 1954, "
                 "Xian 1980), which misplaces features by up to ~100 m.")
AOI_HELP = "Area of interest: any vector file GDAL reads, in any CRS (FILE or FILE:LAYER)."
BBOX_HELP = "Area of interest as W,S,E,N in WGS 84 degrees (instead of --aoi)."

AllowBallpark = Annotated[bool, typer.Option("--allow-ballpark", help=BALLPARK_HELP)]
Lang = Annotated[str, typer.Option("--lang", "-l", help=f"Language: {', '.join(LANGUAGES)}.")]
OutFile = Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help="Output file.")]
OutDir = Annotated[Path, typer.Option("--out", "-o", file_okay=False,
                                      help="Output folder (kept: only this command's own products "
                                           "are replaced).")]
Scheduler = Annotated[str | None, typer.Option("--scheduler", envvar="HABITATMAP_SCHEDULER",
                                               help="dask.distributed scheduler address (default: this "
                                                    "machine).")]
Threads = Annotated[int | None, typer.Option("--threads", min=1, help="Threads on this machine.")]
Retries = Annotated[int, typer.Option("--retries", min=0, help="Retries of a failed HTTP request "
                                      "(timeouts, 429, 5xx), with exponential backoff.")]
AoiOption = Annotated[str | None, typer.Option("--aoi", help=AOI_HELP)]
BboxOption = Annotated[str | None, typer.Option("--bbox", help=BBOX_HELP)]
