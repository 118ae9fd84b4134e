"""Faults around the input: a full disk, a read-only folder, SIGTERM and Ctrl-C in the middle of a
write, two runs into one folder at once. The commands run as real processes; the full and
read-only disks are real tmpfs mounts (root) or real permission bits (other users)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hostile.conftest import STAGING, Tree, no_staging

BIN = Path(sys.executable).parent / "habitatmap"


def _run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, timeout=300,
                          **kwargs)


class _Result:
    """A finished process shaped like click's Result, for :func:`refused`."""

    def __init__(self, proc) -> None:
        self.exit_code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr


def _refused(proc, *mentions):
    from tests.hostile.conftest import refused

    return refused(_Result(proc), *mentions)


@contextlib.contextmanager
def _mount(folder: Path, options: str):
    """A real tmpfs at ``folder``; skips the test when mounting is not allowed here."""
    folder.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.decode().strip()}): run the suite as root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "300k", keep: dict[str, bytes] | None = None):
    """A folder on a tiny disk holding ``keep`` (a user's files)."""
    with _mount(folder, f"size={size}") as f:
        for name, data in (keep or {}).items():
            (f / name).write_bytes(data)
        yield f


@contextlib.contextmanager
def read_only(folder: Path, keep: dict[str, bytes]):
    """A read-only folder holding ``keep``."""
    if os.geteuid() != 0:  # permission bits bind every user but root
        folder.mkdir(parents=True)
        for name, data in keep.items():
            (folder / name).write_bytes(data)
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    with _mount(folder, "size=1m") as f:
        for name, data in keep.items():
            (f / name).write_bytes(data)
        subprocess.run(["mount", "-o", "remount,ro", str(f)], check=True)
        yield f


KEEP = {"notes.txt": b"field notes: do not lose\n", "summer.tif": b"an earlier composite\n"}


def _unchanged(folder: Path, keep: dict[str, bytes]) -> None:
    for name, data in keep.items():
        assert (folder / name).read_bytes() == data, f"{name} changed"
    left = [p.name for p in folder.iterdir() if STAGING.match(p.name)]
    assert not left, f"staging files left: {left}"


# --- a full disk ------------------------------------------------------------------------------------

def test_composite_onto_a_full_disk(products, tmp_path):
    with full_disk(tmp_path / "disk", keep=KEEP) as disk:
        proc = _run("composite", products / "scenes", "--out", disk / "summer.tif", "--months", "6-9")
        msg = _refused(proc, str(disk / "summer.tif"), "the disk is full")
        assert "free" in msg
        _unchanged(disk, KEEP)


def test_resistance_onto_a_full_disk(products, tmp_path):
    with full_disk(tmp_path / "disk", size="100k", keep=KEEP) as disk:
        proc = _run("corridors", "resistance", products / "habitat.tif", "--species", "amur_leopard",
                    "--out", disk / "r.tif")
        _refused(proc, str(disk / "r.tif"), "the disk is full")
        _unchanged(disk, KEEP)


def test_sheet_map_onto_a_full_disk(products, tmp_path):
    with full_disk(tmp_path / "disk", size="64k", keep=KEEP) as disk:
        proc = _run("sheet-map", "K-52-46", "--basemap", products / "basemap.gpkg", "--out", disk / "s.pdf")
        _refused(proc, str(disk / "s.pdf"), "the disk is full")
        _unchanged(disk, KEEP)


def test_leastcost_folder_onto_a_full_disk(products, tmp_path):
    with full_disk(tmp_path / "disk", size="400k", keep=KEEP) as disk:
        proc = _run("corridors", "leastcost", "-r", products / "resistance_amur_leopard.tif",
                    "--cores", f"{products / 'basemap.gpkg'}:zones", "--select", "zone_class=core",
                    "--out", disk)
        _refused(proc, "the disk is full")
        _unchanged(disk, KEEP)
        assert sorted(p.name for p in disk.iterdir()) == sorted(KEEP)


def test_basemap_onto_a_full_disk(tmp_path):
    from tests.conftest import SAMPLE

    b = SAMPLE / "boundaries"
    with full_disk(tmp_path / "disk", size="96k", keep=KEEP) as disk:
        layers = [b / "ru_leopard_np.shp", b / "ru_leopard_np_zones.shp",
                  f"{b / 'cn_tlnp.gpkg'}:国家公园范围", f"{b / 'cn_tlnp.gpkg'}:功能分区",
                  b / "border_wgs84.geojson"]
        proc = _run("basemap", *[x for layer in layers for x in ("--layer", layer)],
                    "--out", disk / "basemap.gpkg")
        _refused(proc, "basemap.gpkg", "the disk is full")
        _unchanged(disk, KEEP)


# --- a read-only folder -------------------------------------------------------------------------------

def test_classify_into_a_read_only_folder(products, tmp_path):
    from tests.conftest import SAMPLE

    with read_only(tmp_path / "ro", KEEP) as ro:
        proc = _run("classify", products / "composite_summer.tif", products / "composite_autumn.tif",
                    "--training", SAMPLE / "samples" / "training_points.gpkg", "--out", ro / "habitat.tif")
        _refused(proc, str(ro))
        _unchanged(ro, KEEP)


def test_legend_export_into_a_read_only_folder(tmp_path):
    with read_only(tmp_path / "ro", KEEP) as ro:
        proc = _run("legend", "export", "--format", "qml", "--out", ro / "legend.qml")
        _refused(proc, str(ro))
        _unchanged(ro, KEEP)


# --- SIGTERM and Ctrl-C in the middle of a write ------------------------------------------------------

def _interrupt_when_writing(args, folder: Path, sig: int) -> subprocess.CompletedProcess:
    """Start a command, send ``sig`` as soon as it has a staging file in ``folder``."""
    proc = subprocess.Popen([str(BIN), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(STAGING.match(p.name) for p in folder.rglob(".*")):
            proc.send_signal(sig)
            break
        time.sleep(0.005)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)],
                         ids=["sigterm", "ctrl-c"])
def test_composite_interrupted_mid_write_keeps_the_earlier_output(products, tmp_path, sig, code):
    out = tmp_path / "out"
    out.mkdir()
    for name, data in KEEP.items():
        (out / name).write_bytes(data)
    proc = _interrupt_when_writing(["composite", products / "scenes", "--out", out / "summer.tif",
                                    "--months", "6-9", "--threads", "1"], out, sig)
    if proc.returncode == 0:
        pytest.skip("the composite finished before the signal arrived")
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and "partial ones removed" in proc.stderr
    _unchanged(out, KEEP)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)],
                         ids=["sigterm", "ctrl-c"])
def test_circuit_interrupted_leaves_the_folder_as_it_was(products, tmp_path, sig, code):
    out = tmp_path / "circuit"
    out.mkdir()
    for name, data in KEEP.items():
        (out / name).write_bytes(data)
    tree = Tree(out)
    proc = _interrupt_when_writing(["corridors", "circuit", "-r", products / "resistance_amur_leopard.tif",
                                    "--focal", f"{products / 'basemap.gpkg'}:zones", "--select",
                                    "zone_class=core", "--pair-maps", "--out", out], out, sig)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    tree.unchanged()
    no_staging(out)


@pytest.mark.slow  # 30 s; the runner's resume rule itself is tested on a small graph in the default run
def test_a_workflow_killed_mid_run_resumes_at_the_step_it_was_in(tmp_path):
    """SIGTERM once the pull has finished: the run exits 143 with nothing half-written; the next
    run skips the finished steps and completes."""
    import json

    from tests.conftest import ROOT

    out = tmp_path / "run"
    proc = subprocess.Popen([str(BIN), "run", ROOT / "workflows" / "tumen.yaml", "--out", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pulled = out / ".habitatmap" / "steps" / "pull.json"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None and not pulled.exists():
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "partial ones removed" in err
    no_staging(out)
    done = {p.stem for p in (out / ".habitatmap" / "steps").glob("*.json")}
    assert {"legend", "search", "pull"} <= done and "webmap" not in done
    steps = out / ".habitatmap" / "steps"
    finished = {p.stem: json.loads(p.read_text())["finished"] for p in steps.glob("*")}
    again = subprocess.run([str(BIN), "run", ROOT / "workflows" / "tumen.yaml", "--out", out],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    after = {p.stem: json.loads(p.read_text())["finished"] for p in steps.glob("*")}
    assert all(after[k] == v for k, v in finished.items())  # what had finished was not redone
    assert "webmap" in after and (out / "map.html").is_file() and (out / "catalog.json").is_file()


# --- two runs at once -----------------------------------------------------------------------------------

def test_two_leastcost_runs_into_one_folder(products, tmp_path):
    out = tmp_path / "lc"
    args = ["corridors", "leastcost", "-r", products / "resistance_amur_leopard.tif",
            "--cores", f"{products / 'basemap.gpkg'}:zones", "--select", "zone_class=core", "--out", out]
    first = subprocess.Popen([str(BIN), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.exists() and any(out.iterdir())) and first.poll() is None:
        time.sleep(0.005)
    second = _run(*args)
    first.communicate(timeout=300)
    assert first.returncode == 0
    if second.returncode == 0:
        pytest.skip("the first run finished before the second started")
    _refused(second, str(out), "another")
    assert (out / "corridors.csv").is_file()
    no_staging(out)


@pytest.mark.slow  # about 13 s; tests/unit/io/test_lock.py refuses a lock another process holds
def test_two_pulls_into_one_folder(products, tmp_path):
    from tests.conftest import ROOT

    out = tmp_path / "scenes"
    args = ["scenes", "pull", products / "items.json", "--aoi", ROOT / "workflows" / "tumen_aoi.geojson",
            "--out", out, "--workers", "1"]
    first = subprocess.Popen([str(BIN), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and first.poll() is None and \
            not (out.exists() and any(STAGING.match(p.name) for p in out.iterdir())):
        time.sleep(0.005)
    second = _run(*args)
    first.communicate(timeout=300)
    assert first.returncode == 0, first.stderr
    if second.returncode == 0:
        pytest.skip("the first pull finished before the second started")
    _refused(second, str(out), "another")
    no_staging(out)
