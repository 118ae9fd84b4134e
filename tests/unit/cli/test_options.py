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
    number,
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


def test_number_parser_refuses_nan_infinity_and_out_of_range():
    parse = number(minimum=0, min_open=True, maximum=10)
    assert parse("2.5") == 2.5 and parse(3) == 3
    for bad in ("nan", "inf", "-inf", "0", "11", "abc", "1e999"):
        try:
            parse(bad)
        except typer.BadParameter as err:
            assert "finite number" in str(err) or "out of range" in str(err)
        else:
            raise AssertionError(f"{bad} accepted")
    whole = number(minimum=1, integer=True)
    assert whole("4") == 4 and whole.__name__ == "integer"


def test_nan_options_give_one_line_and_exit_2(cli, tmp_path):
    r = cli("sheets", "locate", "nan", "43")
    assert r.exit_code == 2 and r.stderr.startswith("Error: Invalid value for 'lon'")
    assert r.stderr.count("\n") == 1 and "habitatmap sheets locate --help" in r.stderr
    r = cli("corridors", "border", "--current", tmp_path / "c.tif", "--border", "b.gpkg",
            "--segment-km", "inf", "--out", tmp_path)
    assert r.exit_code == 2 and "'--segment-km'" in r.stderr and "not a finite number" in r.stderr


def test_parse_date():
    import datetime as dt

    import pytest

    from habitatmap.cli.options import parse_date, parse_date_range
    from habitatmap.errors import ConfigError

    assert parse_date("2022-04-20", "--fire-date") == dt.date(2022, 4, 20)
    assert parse_date(None, "--start") is None
    with pytest.raises(ConfigError, match=r"--start '20\.4\.2022': not a date; use YYYY-MM-DD"):
        parse_date("20.4.2022", "--start")
    assert parse_date_range("2021-01-01", None) == (dt.date(2021, 1, 1), None)
    with pytest.raises(ConfigError, match="--start 2022-01-01 is after --end 2021-12-31; swap them"):
        parse_date_range("2022-01-01", "2021-12-31")
