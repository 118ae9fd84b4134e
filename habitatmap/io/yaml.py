"""YAML files the project reads (legend, crosswalks, mappings, site files): parsed safely.

``yaml.safe_load`` refuses Python tags but still expands aliases: a few kilobytes of nested aliases
("billion laughs") expand to gigabytes. The loader here refuses every alias and anchor, caps the
file size and the nesting depth, and quotes at most a short prefix of anything bad.
"""

from __future__ import annotations

import os

from habitatmap.errors import ConfigError, HabitatmapError
from habitatmap.io.paths import check_local_path

__all__ = ["MAX_YAML_BYTES", "MAX_YAML_DEPTH", "compose_yaml", "parse_yaml", "read_yaml"]

#: Largest YAML file read (the bundled legend is 30 KB).
MAX_YAML_BYTES = 8 * 1024 * 1024
#: Deepest nesting of lists and mappings accepted.
MAX_YAML_DEPTH = 64


_ALIAS_FIX = ("is not accepted (aliases can expand a small file into gigabytes); write the values out "
              "in full")


class _RefusedError(Exception):
    def __init__(self, problem: str, line: int | None, fix: str = _ALIAS_FIX) -> None:
        super().__init__(problem)
        self.problem, self.line, self.fix = problem, line, fix


def _loader_class() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader without aliases and with a depth limit."""

        _depth = 0

        def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise _RefusedError(f"an alias (*{event.anchor})", event.start_mark.line + 1)
            event = self.peek_event()
            if getattr(event, "anchor", None):
                raise _RefusedError(f"an anchor (&{event.anchor})", event.start_mark.line + 1)
            self._depth += 1
            try:
                if self._depth > MAX_YAML_DEPTH:
                    raise _RefusedError(f"nesting deeper than {MAX_YAML_DEPTH} levels",
                                        event.start_mark.line + 1,
                                        "is more than a real file needs; fix the file's structure")
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return Loader


def parse_yaml(text: str, *, where: str, error: type[HabitatmapError] = ConfigError) -> object:
    """Parse YAML text safely: no Python tags, no aliases or anchors, bounded depth.

    Parameters
    ----------
    text
        The document.
    where
        The file it came from, for messages.
    error
        The exception class to raise.

    Raises
    ------
    HabitatmapError
        Of class ``error``: invalid YAML (with the line), an alias or anchor, too deep, an unknown tag.
    """
    import yaml

    loader = None
    try:
        loader = _loader_class()(text)  # the reader already refuses control characters here
        return loader.get_single_data()
    except _RefusedError as err:
        raise error(f"{where}: {err.problem} at line {err.line} {err.fix}.") from None
    except yaml.constructor.ConstructorError as err:
        mark = err.problem_mark
        at = f" at line {mark.line + 1}" if mark is not None else ""
        tag = (err.problem or "").split("tag ")[-1].strip().strip("'") or "?"
        from habitatmap.values import quote

        raise error(f"{where}: the tag {quote(tag, 40)}{at} is not accepted; use plain values "
                    "(text, numbers, lists, mappings).") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = " ".join((getattr(err, "problem", None) or getattr(err, "reason", None)
                            or "syntax error").split())[:80]
        raise error(f"{where}: invalid YAML{at} ({problem}); fix the syntax.") from None
    except RecursionError:
        raise error(f"{where}: nesting too deep to be a real file; fix the file's structure.") from None
    finally:
        if loader is not None:
            loader.dispose()


def compose_yaml(text: str) -> object:
    """The node tree of a YAML text (with each node's line), through the same safe loader as
    :func:`parse_yaml`; for pointing at the line of a bad value. Raises what PyYAML raises."""
    loader = _loader_class()(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def read_yaml(path: str | os.PathLike[str], *, what: str, missing: str,
              error: type[HabitatmapError] = ConfigError) -> object:
    """Read and parse a YAML file safely (see :func:`parse_yaml`), every failure as one sentence.

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
        Of class ``error``: missing file or a folder, too large, not UTF-8, or refused YAML.
    """
    p = check_local_path(path, what=what)
    if p.is_dir():
        raise error(f"{p}: is a folder, not a {what}; {missing}.")
    if not p.is_file():
        raise error(f"{p}: {what} not found; {missing}.")
    size = p.stat().st_size
    if size > MAX_YAML_BYTES:
        raise error(f"{p}: the {what} is {size / 2**20:.0f} MiB, more than a {what} can be "
                    f"({MAX_YAML_BYTES / 2**20:.0f} MiB); check that it is the right file.")
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{p}: {what} is not UTF-8 text; save it as UTF-8.") from None
    return parse_yaml(text, where=str(p), error=error)
