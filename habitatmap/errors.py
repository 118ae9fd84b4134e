"""The project's exceptions and warnings.

Every user-facing error is a :class:`HabitatmapError`; its message is one plain sentence that names
the file, the problem and the fix. The CLI prints that sentence and exits with code 2. Subclasses
also derive from the matching built-in (``ValueError``, ``OSError``) so that library callers can
catch them the usual way.
"""

from __future__ import annotations

__all__ = [
    "AssetError",
    "CatalogError",
    "ConfigError",
    "GeodesyError",
    "HabitatmapError",
    "HabitatmapWarning",
    "InputDataError",
    "LegendError",
    "OutputError",
    "Terminated",
    "reason",
]


class HabitatmapError(Exception):
    """Base class for errors caused by the user's input or environment."""


class LegendError(HabitatmapError, ValueError):
    """A legend file is missing, unreadable or invalid."""


class ConfigError(HabitatmapError, ValueError):
    """A workflow or configuration file is invalid."""


class InputDataError(HabitatmapError, ValueError):
    """An input data set (raster, vector, catalog) cannot be used as given."""


class CatalogError(InputDataError):
    """A STAC catalog, collection or item cannot be read or is not usable."""


class AssetError(InputDataError):
    """A remote or local asset (a band file of a scene) cannot be read or fails its checks."""


class GeodesyError(InputDataError):
    """A coordinate transformation would be silently inaccurate (e.g. a ballpark datum shift)."""


class OutputError(HabitatmapError, OSError):
    """An output cannot be written or failed validation after writing."""


class HabitatmapWarning(UserWarning):
    """Something the user should know about; the run continues."""


class Terminated(BaseException):
    """The process was asked to stop (SIGTERM, e.g. a batch scheduler's kill).

    Raised from the signal handler (see :func:`habitatmap.parallel.raise_on_sigterm`) so that, as
    with Ctrl-C, every ``finally`` runs and no temporary file is left behind. Like
    ``KeyboardInterrupt`` it is not an ``Exception``, so ordinary error handling does not swallow it.
    """


_WRAPPER = ("See previous exception", "see previous exception")


def reason(err: BaseException, limit: int = 200) -> str:
    """The useful first line of an exception's message, for the middle of an error sentence.

    GDAL errors reach us wrapped ("Read failed. See previous exception for details."): the message
    of the exception underneath is used instead. An ``OSError``'s ``[Errno 28]`` prefix is dropped
    for its plain text ("No space left on device"). At most ``limit`` characters, one line.
    """
    seen = 0
    while any(w in str(err) for w in _WRAPPER) and seen < 5:
        inner = err.__cause__ or err.__context__
        if inner is None:
            break
        err, seen = inner, seen + 1
    if isinstance(err, OSError) and err.strerror:
        text = err.strerror
    else:
        text = str(err).strip()
        for w in _WRAPPER:
            text = text.split(w)[0].rstrip(" .") if w in text else text
    line = " ".join(text.splitlines()[0].split()) if text.strip() else type(err).__name__
    return line if len(line) <= limit else line[:limit] + "…"
