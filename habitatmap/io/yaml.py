"""YAML files the project reads (legend, crosswalks, mappings, site files): parsed safely."""

from __future__ import annotations

import os

from habitatmap.errors import ConfigError, HabitatmapError
from habitatmap.io.paths import check_local_path

__all__ = ["read_yaml"]


def read_yaml(path: str | os.PathLike[str], *, what: str, missing: str,
              error: type[HabitatmapError] = ConfigError) -> object:
    """Parse a YAML file safely (``yaml.safe_load``), with every failure as one sentence.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (``"legend file"``, ``"crosswalk"``).
    missing
        The fix to suggest when the file does not exist.
    error
        The exception class to raise (the caller's kind of user error).

    Raises
    ------
    HabitatmapError
        Of class ``error``: missing file, not UTF-8, or invalid YAML (with the line).
    """
    import yaml

    p = check_local_path(path, what=what)
    if not p.is_file():
        raise error(f"{p}: {what} not found; {missing}.")
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise error(f"{p}: {what} is not UTF-8 text; save it as UTF-8.") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "syntax error"
        raise error(f"{p}: invalid YAML{at} ({problem}); fix the syntax.") from None
