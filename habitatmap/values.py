"""Checking values that come from users and files: numbers that must be finite and in range, and
short quotes of bad values for messages.

Every numeric option of the command line, every number in a YAML file, an ``.ini``, an ASCII grid
header or a point list goes through :func:`number`, so NaN, infinity and out-of-range values are
refused in one place with one kind of sentence. :func:`quote` keeps a message one sentence even when
the bad value is a megabyte of text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from habitatmap.errors import ConfigError, HabitatmapError

__all__ = ["MAX_QUOTE", "expect_mapping", "expect_sequence", "expect_text", "field_path", "number", "quote",
           "validation_problem"]

#: Longest prefix of a bad value quoted in a message.
MAX_QUOTE = 60


def quote(value: object, limit: int = MAX_QUOTE) -> str:
    """``value`` as a short quoted string for a message: one line, at most ``limit`` characters of it.

    >>> quote("a" * 100)[:8], len(quote("a" * 100)) < 70
    ("'aaaaaaa", True)
    """
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())  # one line: no newlines or tabs from the data
    if len(text) > limit:
        text = text[:limit] + "…"
    return repr(text) if isinstance(value, str) else text


def field_path(loc: Sequence[object]) -> str:
    """A validation error's location as ``a.b.'odd key'.0``: keys that are not plain names are
    quoted short, so a key holding a newline or a kilobyte of text keeps the message one line."""
    return ".".join(str(x) if not isinstance(x, str) or (x.isidentifier() and len(x) <= 40) else quote(x, 40)
                    for x in loc)


def validation_problem(err: Any, prefix: str = "") -> str:
    """The first error of a pydantic ``ValidationError`` as ``field: what is wrong (got VALUE)``,
    one line: the field path quoted short, the value quoted short, pydantic's class names dropped.

    ``prefix`` goes before the field path (``site.``); callers add the file and the fix.
    """
    import re

    e = err.errors()[0]
    got = "" if isinstance(e.get("input"), dict | list) or e["type"] == "missing" \
        else f" (got {quote(e.get('input'))})"
    msg = re.sub(r" or instance of \w+", "", e["msg"])  # pydantic's class names mean nothing to users
    loc = field_path(e["loc"]) or "the file"
    return f"{prefix}{loc}: {msg[0].lower()}{msg[1:]}{got}"


def _range_text(minimum: float | None, maximum: float | None, min_open: bool, max_open: bool) -> str:
    lo = None if minimum is None else f"{'above' if min_open else 'at least'} {minimum:g}"
    hi = None if maximum is None else f"{'below' if max_open else 'at most'} {maximum:g}"
    if lo and hi:
        return f" {lo} and {hi}"
    return f" {lo or hi}" if (lo or hi) else ""


def number(value: object, *, what: str, where: str | None = None, minimum: float | None = None,
           maximum: float | None = None, min_open: bool = False, max_open: bool = False,
           integer: bool = False, error: type[HabitatmapError] = ConfigError) -> float | int:
    """A finite number (or integer) in range, parsed from ``value``, or one sentence saying why not.

    Parameters
    ----------
    value
        An ``int`` / ``float`` or text such as ``"30"`` or ``"1e-3"`` (``bool`` is refused: in YAML
        ``yes`` is a boolean, not 1).
    what
        What the value is, for the message (``"--segment-km"``, ``"resistance of forest"``).
    where
        The file or option the value came from, put first in the message.
    minimum, maximum
        Bounds; ``min_open`` / ``max_open`` exclude the bound itself.
    integer
        Require a whole number (``"3"`` or ``3.0`` give ``3``; ``3.5`` is refused).
    error
        The project's exception class to raise.

    Raises
    ------
    HabitatmapError
        Of class ``error``: not a number, NaN or infinite, not whole, or out of range.
    """
    prefix = f"{where}: " if where else ""
    kind = "a whole number" if integer else "a finite number"
    rng = _range_text(minimum, maximum, min_open, max_open)
    fix = f"; give {kind}{rng}."
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise error(f"{prefix}{what} must be {kind}{rng}, not {quote(value)}{fix}")
    try:
        x = float(value.strip()) if isinstance(value, str) else float(value)
    except (ValueError, OverflowError):
        raise error(f"{prefix}{what} must be {kind}{rng}, not {quote(value)}{fix}") from None
    if not math.isfinite(x):
        raise error(f"{prefix}{what} is {quote(value)}, which is not a finite number{fix}")
    if integer and x != int(x):
        raise error(f"{prefix}{what} must be a whole number, not {quote(value)}{fix}")
    if (minimum is not None and (x < minimum or (min_open and x == minimum))) or \
            (maximum is not None and (x > maximum or (max_open and x == maximum))):
        raise error(f"{prefix}{what} is {quote(value)}, out of range{fix}")
    if integer:
        return int(x)
    return int(value) if isinstance(value, int) else x


def expect_mapping(value: object, *, what: str, where: str,
                   error: type[HabitatmapError] = ConfigError) -> Mapping[str, Any]:
    """``value`` if it is a mapping with text keys, else one sentence naming ``where`` and ``what``."""
    if not isinstance(value, Mapping):
        raise error(f"{where}: {what} must be a mapping of names to values, not {quote(value)}; "
                    "fix the file's structure.")
    bad = [k for k in value if not isinstance(k, str | int) or isinstance(k, bool)]
    if bad:
        raise error(f"{where}: {what} has a key {quote(bad[0])} that is not a name; use plain names as keys.")
    return value


def expect_sequence(value: object, *, what: str, where: str,
                    error: type[HabitatmapError] = ConfigError) -> Sequence[Any]:
    """``value`` if it is a list, else one sentence."""
    if not isinstance(value, list | tuple):
        raise error(f"{where}: {what} must be a list, not {quote(value)}; fix the file's structure.")
    return value


def expect_text(value: object, *, what: str, where: str, max_length: int = 10_000,
                error: type[HabitatmapError] = ConfigError) -> str:
    """``value`` if it is text (numbers are accepted as their text) of at most ``max_length``
    characters, else one sentence."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise error(f"{where}: {what} must be text, not {quote(value)}; fix the file's structure.")
    text = str(value)
    if len(text) > max_length:
        raise error(f"{where}: {what} is {len(text)} characters long ({quote(text)}); keep it under "
                    f"{max_length}.")
    return text
