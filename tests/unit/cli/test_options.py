"""Options shared by several commands are defined once and behave the same everywhere."""

from __future__ import annotations

import typer

from habitatmap.cli.options import (
    AOI_HELP,
    BALLPARK_HELP,
    BBOX_HELP,
    AllowBallpark,
    AoiOption,
    BboxOption,
    Lang,
    OutDir,
    OutFile,
    Retries,
    Scheduler,
    Threads,
)


def test_options_are_typer_options():
    for alias in (AllowBallpark, AoiOption, BboxOption, Lang, OutDir, OutFile, Retries, Scheduler, Threads):
        assert isinstance(alias.__metadata__[0], typer.models.OptionInfo)
    assert "Pulkovo 1942" in BALLPARK_HELP and "W,S,E,N" in BBOX_HELP and "CRS" in AOI_HELP


def test_every_allow_ballpark_has_the_same_help(cli):
    for path in (("webmap",), ("webmap", "compare"), ("sheets", "locate"), ("basemap",), ("classify",),
                 ("corridors", "border"), ("scenes", "pull")):
        r = cli(*path, "--help")
        assert r.exit_code == 0 and "--allow-ballpark" in r.stdout, path
