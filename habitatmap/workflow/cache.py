"""The workflow cache: one record per finished step, and checksums that are not computed twice.

A step's record (``OUT/.habitatmap/steps/<step>.json``) is written only after the step has
written all its outputs, so an interrupted step has no record and runs again, while the steps
before it are skipped. The record holds the step's cache key (the canonical hash of a
:class:`habitatmap.provenance.Provenance` of its parameters, its inputs' checksums and the software
version), the parts of that key (to say *why* a step changed), its outputs with size, modification
time and SHA-256 (to see that nobody changed or deleted them), and what the step found (``facts``).

File checksums are kept by (path, size, modification time) in ``OUT/.habitatmap/checksums.json``,
so an unchanged re-run reads no file twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from habitatmap.errors import ConfigError

__all__ = ["RUN_FOLDER", "Checksums", "StepRecord", "folder_files", "output_entries", "outputs_problem",
           "read_record", "record_path", "write_record"]

#: The runner's own folder inside a workflow's output folder.
RUN_FOLDER = ".habitatmap"
_SCHEMA = "habitatmap-step/1"
#: Files of one Shapefile (or similar multi-file formats) that count as the one input.
_SIBLINGS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd")
#: Most files hashed inside one input folder (a static STAC catalog).
_MAX_FOLDER_FILES = 200_000


@dataclass
class StepRecord:
    """What a finished step left: its key, the key's parts, its outputs and its findings."""

    step: str
    kind: str
    key: str
    params: dict[str, Any]
    inputs: dict[str, str]
    deps: dict[str, str]
    version: str
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    provenance: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    finished: str = ""
    seconds: float = 0.0

    def digest(self) -> str:
        """Hash of the step's outputs (names and checksums): what a following step's key sees."""
        import hashlib

        from habitatmap.provenance import canonical_json

        doc = {k: v["sha256"] for k, v in sorted(self.outputs.items())}
        return hashlib.sha256(canonical_json(doc).encode()).hexdigest()


def record_path(out: Path, step: str) -> Path:
    """Where the record of ``step`` lives (``:`` in step names becomes ``--``)."""
    return out / RUN_FOLDER / "steps" / f"{step.replace(':', '--')}.json"


def read_record(out: Path, step: str) -> StepRecord | None:
    """The step's record, or None if it never finished (or its record is unreadable)."""
    p = record_path(out, step)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
        if doc.pop("schema", None) != _SCHEMA:
            return None
        return StepRecord(**doc)
    except (OSError, ValueError, TypeError):
        return None


def write_record(out: Path, record: StepRecord) -> Path:
    """Write the record atomically (last, after the step's outputs)."""
    from habitatmap.io.atomic import write_json

    p = record_path(out, record.step)
    p.parent.mkdir(parents=True, exist_ok=True)
    return write_json(p, {"schema": _SCHEMA, **asdict(record)})


def folder_files(path: Path) -> list[Path]:
    """The files under ``path`` (itself if a file), sorted, without staging or lock files."""
    from habitatmap.io.atomic import is_staging

    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    files = sorted(p for p in path.rglob("*") if p.is_file() and not is_staging(p)
                   and not any(is_staging(q) for q in p.relative_to(path).parents if q.name)
                   and not p.name.endswith((".lock", ".aux.xml")))
    if len(files) > _MAX_FOLDER_FILES:
        raise ConfigError(f"{path}: more than {_MAX_FOLDER_FILES} files; point the site file at the "
                          "catalog's own folder, not a folder above it.")
    return files


class Checksums:
    """SHA-256 of files, remembered by (size, modification time) between runs."""

    def __init__(self, out: Path) -> None:
        self.path = out / RUN_FOLDER / "checksums.json"
        self._known: dict[str, list[Any]] = {}
        self._dirty = False
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(doc, dict):
                self._known = {k: v for k, v in doc.items() if isinstance(v, list) and len(v) == 3}
        except (OSError, ValueError):
            pass

    def file(self, path: Path) -> str:
        """The file's SHA-256 (read again only when its size or time changed)."""
        from habitatmap.io.atomic import sha256_file

        st = path.stat()
        key = str(path.resolve())
        known = self._known.get(key)
        if known is not None and known[0] == st.st_size and known[1] == st.st_mtime_ns:
            return str(known[2])
        digest = sha256_file(path)
        self._known[key] = [st.st_size, st.st_mtime_ns, digest]
        self._dirty = True
        return digest

    def entry(self, path: Path) -> dict[str, Any]:
        """``size``, ``mtime_ns`` and ``sha256`` of a file (an output's record entry)."""
        st = path.stat()
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": self.file(path)}

    def source(self, path: Path) -> str | None:
        """One checksum of an input: a file with its format's sibling files, or every file of a
        folder; None if it does not exist."""
        import hashlib

        if path.is_dir():
            files = folder_files(path)
            base = path
        elif path.is_file():
            files = [path]
            if path.suffix.lower() in _SIBLINGS:
                files = sorted(p for p in path.parent.glob(path.stem + ".*")
                               if p.suffix.lower() in _SIBLINGS and p.is_file())
            base = path.parent
        else:
            return None
        if files == [path]:
            return self.file(path)
        h = hashlib.sha256()
        for f in files:
            h.update(f"{f.relative_to(base).as_posix()}\0{self.file(f)}\n".encode())
        return h.hexdigest()

    def save(self) -> None:
        """Write the remembered checksums (only when something new was hashed)."""
        if not self._dirty:
            return
        from habitatmap.io.atomic import write_json

        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_json(self.path, self._known)
        self._dirty = False


def output_entries(out: Path, names: list[str], checksums: Checksums) -> dict[str, dict[str, Any]]:
    """Record entries of every file of the outputs ``names`` (files or folders, relative to ``out``)."""
    entries: dict[str, dict[str, Any]] = {}
    for name in names:
        for f in folder_files(out / name):
            entries[f.relative_to(out).as_posix()] = checksums.entry(f)
    return entries


def outputs_problem(out: Path, record: StepRecord, checksums: Checksums) -> str | None:
    """Why the step's recorded outputs no longer stand (deleted or changed), or None."""
    for rel, known in record.outputs.items():
        f = out / rel
        if not f.is_file():
            return f"missing: its output {rel} was deleted"
        st = f.stat()
        touched = st.st_size != known["size"] or st.st_mtime_ns != known["mtime_ns"]
        if touched and checksums.file(f) != known["sha256"]:
            return f"changed: its output {rel} was modified after it was written"
    return None
