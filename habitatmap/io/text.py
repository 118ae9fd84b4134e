"""Text and JSON files the project reads (manifests, items files, Circuitscape text inputs)."""

from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path
from typing import Any

from habitatmap.errors import HabitatmapError, InputDataError
from habitatmap.io.paths import check_local_path

__all__ = ["MAX_TEXT_BYTES", "parse_json", "read_json", "read_text"]

#: Largest text input read whole (a manifest, an items file, a point list).
MAX_TEXT_BYTES = 512 * 1024 * 1024


def read_text(path: str | os.PathLike[str], *, what: str = "text file", gz: bool | None = None,
              error: type[HabitatmapError] = InputDataError) -> str:
    """The UTF-8 text of a file (optionally gzipped: by default when the name ends in ``.gz``).

    Raises
    ------
    HabitatmapError
        Of class ``error``: missing, a folder, too large, not gzip when named so, not UTF-8.
    """
    p = check_local_path(path, what=what)
    if not p.is_file():
        raise error(f"{p}: {what} not found" + (" (it is a folder)" if p.is_dir() else "")
                    + "; check the path.")
    if p.stat().st_size > MAX_TEXT_BYTES:
        raise error(f"{p}: the {what} is {p.stat().st_size / 2**20:.0f} MiB, more than the "
                    f"{MAX_TEXT_BYTES / 2**20:.0f} MiB read as text; check that it is the right file.")
    raw = p.read_bytes()
    if gz if gz is not None else p.name.lower().endswith(".gz"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
                raw = fh.read(MAX_TEXT_BYTES + 1)
        except (OSError, EOFError) as err:
            raise error(f"{p}: not a readable gzip file ({err}); give the file uncompressed.") from None
        if len(raw) > MAX_TEXT_BYTES:
            raise error(f"{p}: unpacks to more than {MAX_TEXT_BYTES / 2**20:.0f} MiB; check that it is "
                        "the right file.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{p}: the {what} is not UTF-8 text; save it as UTF-8.") from None


def read_json(path: str | os.PathLike[str], *, what: str = "JSON file", fix: str = "check the file",
              error: type[HabitatmapError] = InputDataError) -> Any:
    """Parse a JSON file.

    Raises
    ------
    HabitatmapError
        Of class ``error``: unreadable, not UTF-8, or not JSON (with the line).
    """
    text = read_text(path, what=what, gz=False, error=error)
    return parse_json(text, where=str(Path(path)), what=what, fix=fix, error=error)


def parse_json(text: str | bytes, *, where: str, what: str = "JSON document", fix: str = "check the file",
               error: type[HabitatmapError] = InputDataError) -> Any:
    """Parse JSON text read from ``where`` (a file or a URL): standard JSON only (no NaN or
    Infinity), not nested beyond Python's recursion limit.

    Raises
    ------
    HabitatmapError
        Of class ``error``, one sentence naming ``where``.
    """
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise error(f"{where}: the {what} is not UTF-8 text; {fix}.") from None
    except json.JSONDecodeError as err:
        raise error(f"{where}: the {what} is not valid JSON (line {err.lineno}: {err.msg}); "
                    f"{fix}.") from None
    except _NotJsonError as err:
        raise error(f"{where}: the {what} has {err}, which JSON does not allow; {fix}.") from None
    except RecursionError:
        raise error(f"{where}: the {what} is nested too deeply to be a real document; {fix}.") from None


class _NotJsonError(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; standard JSON (and every STAC server) does not have them.
    raise _NotJsonError(name)
