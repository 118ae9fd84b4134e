"""Hostile inputs: what every case asserts, and the real products they start from.

Each case runs a real command on real files made hostile (truncated, zero-byte, wrong driver,
escaping paths, payloads, ...) and asserts the promises of docs/reliability.md:

* exit code 2 and no traceback;
* one sentence on stderr (``Error: ...``, one line, ending in a full stop) that names the file or
  option, says what is wrong and gives a fix (a clause after ``;``);
* no partial output (no staging files, the output absent unless it existed before);
* every file that was there before, the user's and earlier outputs, unchanged;
* nothing executed and nothing read outside the intended files.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE

__all__ = ["Tree", "refused"]

STAGING = re.compile(r"^\..+\.hm-\d+-[0-9a-z]+")
#: Longest error sentence accepted (a message quotes at most a short prefix of a bad value).
MAX_MESSAGE = 700


def refused(result, *mentions: str, details: bool = False) -> str:
    """Assert the command refused its input as the project promises; return the sentence.

    With ``details``, ``mentions`` may be in the lines above the error (``scenes pull`` names each
    failed scene on its own line, then sums them up in the error sentence).
    """
    out = (result.stdout or "") + (result.stderr or "")
    assert result.exit_code == 2, f"exit {result.exit_code}\n{out}"
    assert "Traceback" not in out, out
    lines = [ln for ln in (result.stderr or "").splitlines() if ln.strip()]
    assert lines, "nothing on stderr"
    errors = [ln for ln in lines if ln.startswith("Error: ")]
    assert len(errors) == 1, f"expected one 'Error:' line, got:\n{result.stderr}"
    message = errors[0].removeprefix("Error: ")
    assert lines[-1] == errors[0], f"the error is not the last line:\n{result.stderr}"
    assert message.endswith("."), message
    assert len(message) <= MAX_MESSAGE, f"{len(message)} characters: {message[:200]}..."
    assert "; " in message, f"no fix in: {message}"
    assert "See previous exception" not in message and "Errno" not in message, message
    for m in mentions:
        where = result.stderr if details else message
        assert m in where, f"{m!r} not in: {where}"
    return message


class Tree:
    """The files below a folder (name -> SHA-256), to prove a failed run changed nothing."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.before = self.scan()

    def scan(self) -> dict[str, str]:
        if not self.root.exists():
            return {}
        return {p.relative_to(self.root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.root.rglob("*")) if p.is_file()}

    def unchanged(self) -> None:
        """Nothing added, removed or changed: no partial output, nothing lost, no staging file."""
        now = self.scan()
        added = sorted(set(now) - set(self.before))
        removed = sorted(set(self.before) - set(now))
        changed = sorted(k for k in set(now) & set(self.before) if now[k] != self.before[k])
        assert not (added or removed or changed), f"added {added}, removed {removed}, changed {changed}"


@pytest.fixture(scope="session")
def products(demo_run) -> Path:
    """The demo's real outputs (read only: copy before changing one)."""
    return demo_run[0]


@pytest.fixture()
def out(tmp_path) -> Path:
    """An output folder that already holds a user's notes and an earlier product."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("field notes: do not lose\n", encoding="utf-8")
    (folder / "earlier.tif").write_bytes(b"an earlier result\n")
    return folder


@pytest.fixture()
def canary(tmp_path) -> Path:
    """A file outside every input folder that no command may read or change."""
    p = tmp_path / "canary" / "secret.txt"
    p.parent.mkdir()
    p.write_text("CANARY-7f3a: must never appear in an output\n", encoding="utf-8")
    return p


def copy(src: Path, dest: Path) -> Path:
    """Copy a file or folder into ``dest`` (a folder), returning the copy."""
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / src.name
    if src.is_dir():
        shutil.copytree(src, target)
    else:
        shutil.copy2(src, target)
    return target


def truncated(src: Path, dest: Path, keep: float = 0.4) -> Path:
    """A copy of ``src`` cut to ``keep`` of its length (a download that stopped)."""
    data = src.read_bytes()
    dest.write_bytes(data[: max(1, int(len(data) * keep))])
    return dest


def no_staging(*folders: Path) -> None:
    """No staging file of a run left behind."""
    for folder in folders:
        left = [p.name for p in Path(folder).rglob(".*") if STAGING.match(p.name)]
        assert not left, f"staging files left in {folder}: {left}"


__all__ += ["ROOT", "SAMPLE", "copy", "no_staging", "truncated"]
