"""Helpers shared by the benchmark scripts (run as ``python benchmarks/bench_*.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# getrusage's ru_maxrss survives exec on Linux (it starts from the forking parent's RSS), so a
# measured child reads its peak from VmHWM, the high-water mark of its own address space. Prepend
# this to the code a child runs.
PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""


def child(code: str, *args: object) -> dict:
    """Run ``code`` in a fresh Python process (so its peak memory is its own); its last stdout line
    is JSON."""
    run = subprocess.run([sys.executable, "-c", code, *map(str, args)], check=True, cwd=ROOT,
                         capture_output=True, text=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def build_once(outputs: Sequence[Path], make: Callable[[list[Path]], None]) -> None:
    """Make benchmark inputs once: ``make`` writes temporary names beside ``outputs``, which are
    renamed into place only when all are written, so an interrupted run never leaves a half-written
    input that a later run would take as finished."""
    if all(p.exists() for p in outputs):
        return
    for p in outputs:
        p.parent.mkdir(parents=True, exist_ok=True)
    tmps = [p.with_name(f".{p.stem}.tmp-{os.getpid()}{p.suffix}") for p in outputs]
    try:
        make(tmps)
        for tmp, dest in zip(tmps, outputs, strict=True):
            os.replace(tmp, dest)
    finally:
        for tmp in tmps:
            tmp.unlink(missing_ok=True)
