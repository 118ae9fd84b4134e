"""Options shared by several commands, defined once (``Annotated`` types for Typer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from habitatmap.errors import ConfigError
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
    "Workers",
    "number",
    "parse_date",
    "parse_date_range",
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


def number(*, minimum: float | None = None, maximum: float | None = None, min_open: bool = False,
           max_open: bool = False, integer: bool = False) -> Callable[[str], float | int]:
    """A Typer ``parser`` for a numeric option: finite (no NaN or infinity), in range, whole if asked.

    Every numeric option of the command line uses it, so ``--max-distance nan`` is refused like
    ``--max-distance -1``, with the same kind of sentence (:func:`habitatmap.values.number`).
    """
    from habitatmap.values import number as check

    def parse(text: str) -> float | int:
        if isinstance(text, int | float) and not isinstance(text, bool):
            text = str(text)  # a default value
        try:
            return check(text, what="the value", minimum=minimum, maximum=maximum, min_open=min_open,
                         max_open=max_open, integer=integer)
        except ConfigError as err:
            raise typer.BadParameter(str(err)) from None

    parse.__name__ = "integer" if integer else "number"  # Typer shows it as the metavar
    return parse


Workers = Annotated[int | None, typer.Option("--workers", parser=number(minimum=1, maximum=64, integer=True),
                                             help="Local cluster of N worker processes (default: threads).")]
Threads = Annotated[int | None, typer.Option("--threads", parser=number(minimum=1, integer=True),
                                             help="Threads on this machine.")]
Retries = Annotated[int, typer.Option("--retries", parser=number(minimum=0, maximum=100, integer=True),
                                      help="Retries of a failed HTTP request (timeouts, 429, 5xx), with "
                                           "exponential backoff.")]
AoiOption = Annotated[str | None, typer.Option("--aoi", help=AOI_HELP)]
BboxOption = Annotated[str | None, typer.Option("--bbox", help=BBOX_HELP)]


def parse_date(value: str | None, option: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` option's date (None stays None); anything else is one sentence."""
    from habitatmap.values import quote

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {quote(value)}: not a date; use YYYY-MM-DD, e.g. 2021-06-01.") from None


def parse_date_range(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    """``--start`` and ``--end`` as dates, either open; a start after the end is one sentence."""
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if first and last and first > last:
        raise ConfigError(f"--start {first} is after --end {last}; swap them.")
    return first, last
