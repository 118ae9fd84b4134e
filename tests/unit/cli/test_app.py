"""The command-line interface, in-process and as the installed console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from habitatmap import __version__
from tests.conftest import ROOT

BIN = Path(sys.executable).parent / "habitatmap"


def _commands(group, prefix=()):
    import typer.main

    cmd = typer.main.get_command(group) if not hasattr(group, "commands") else group
    for name, sub in cmd.commands.items():
        path = (*prefix, name)
        yield path, sub
        if hasattr(sub, "commands"):
            yield from _commands(sub, path)


def test_app_state_and_echo_path(cli, tmp_path, capsys):
    from habitatmap.cli._app import app, echo_path, state

    assert app.info.name == "habitatmap"
    echo_path("label", tmp_path)
    assert str(tmp_path) in capsys.readouterr().out
    import typer

    ctx = typer.Context(typer.main.get_command(app))
    assert state(ctx).legend.id == "habitatmap-transboundary"


def test_echo_operations_names_each_move_and_flags_ballpark(capsys):
    from habitatmap.cli._app import echo_operations
    from habitatmap.geodesy import DatumOperation

    echo_operations({
        "zones.gpkg": DatumOperation("EPSG:28422", "EPSG:4326", "Pulkovo 1942 to WGS 84 (20)", 3.0, False),
        "xian.gpkg": DatumOperation("EPSG:4610", "EPSG:4326", "Ballpark geographic offset", None, True),
        "same.gpkg": None})
    out = capsys.readouterr().out
    assert "zones.gpkg: moved with Pulkovo 1942 to WGS 84 (20) (accuracy 3 m)" in out
    assert "xian.gpkg: moved with Ballpark geographic offset (zero-shift ballpark step" in out
    assert "same.gpkg" not in out


def test_version_and_help(cli):
    r = cli("--version")
    assert r.exit_code == 0 and __version__ in r.stdout
    r = cli("--help")
    assert r.exit_code == 0 and "legend" in r.stdout and "demo" in r.stdout


def test_every_command_has_help_with_an_example(cli):
    from habitatmap.cli import app

    paths = [p for p, _ in _commands(app)]
    assert ("legend", "show") in paths and ("legend", "export") in paths
    for path in paths:
        r = cli(*path, "--help")
        assert r.exit_code == 0, path
        assert "Example" in r.stdout, f"no example in help of {' '.join(path)}"


def test_unwritable_output_is_one_sentence(cli):
    # /proc refuses new files even for root, unlike a chmod-ed folder.
    if not Path("/proc/self").exists():
        pytest.skip("needs Linux /proc for a folder nobody can write to")
    r = cli("legend", "export", "-f", "json", "-o", "/proc/l.json")
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    assert "/proc/l.json: cannot create files in /proc" in r.stderr.replace("\n", "")


def test_console_script_and_shim():
    r = subprocess.run([str(BIN), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and __version__ in r.stdout
    r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "legend", "show", "--lang", "mn"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "Мануул" in r.stdout
    r = subprocess.run([str(BIN), "--legend", "/nonexistent.yaml", "legend", "show"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "legend file not found" in r.stderr and "Traceback" not in r.stderr


