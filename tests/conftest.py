"""Shared fixtures: paths of the checkout, the bundled sample, a small generated sample, CLI runner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "tumen"
LEGEND = ROOT / "styles" / "legend.yaml"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    assert (SAMPLE / "metadata.json").is_file(), "bundled sample missing: run `make sample-data`"
    return SAMPLE


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small (160 x 160 px) sample generated with the same code, for fast checks."""
    from habitatmap.sampledata import generate

    return generate(tmp_path_factory.mktemp("small") / "tumen", size=160)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """The demo, run once through the CLI: (output folder, click Result)."""
    from habitatmap.cli import app

    out = tmp_path_factory.mktemp("demo") / "out"
    result = CliRunner().invoke(app, ["demo", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out, result


@pytest.fixture()
def cli():
    """Invoke the CLI in-process; returns the click Result."""
    from habitatmap.cli import app

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return run


def qgis_python() -> str | None:
    """Debian's python3 with QGIS bindings, if installed."""
    exe = shutil.which("python3", path="/usr/bin")
    if exe is None:
        return None
    ok = subprocess.run([exe, "-c", "import qgis.core"], capture_output=True).returncode == 0
    return exe if ok else None


@pytest.fixture()
def site_copy(tmp_path):
    """``site_copy(old, new, ...)``: the Tumen site file copied beside its sample (a copied
    workflows/ folder and a link to sample_data/), with each ``old`` text replaced by ``new``."""

    def make(*edits: str, name: str = "tumen.yaml") -> Path:
        folder = tmp_path / "site"
        if not folder.exists():
            shutil.copytree(ROOT / "workflows", folder / "workflows")
            (folder / "sample_data").symlink_to(ROOT / "sample_data")
        text = (ROOT / "workflows" / "tumen.yaml").read_text(encoding="utf-8")
        for old, new in zip(edits[::2], edits[1::2], strict=True):
            assert old in text, old
            text = text.replace(old, new)
        p = folder / "workflows" / name
        p.write_text(text, encoding="utf-8")
        return p

    return make
