"""The UI label catalogue: every word a web map, a printed sheet or a report shows, in every legend
language, from one file (``styles/labels.yaml``)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from habitatmap.errors import LegendError
from habitatmap.legend.model import LANGUAGES, check_language
from habitatmap.resources import data_path
from habitatmap.values import quote

__all__ = ["LABELS_PATH", "Labels", "label", "load_labels"]

#: The catalogue shipped with the package.
LABELS_PATH = data_path("styles", "labels.yaml")


class Labels:
    """A validated label catalogue: key -> text in each language."""

    def __init__(self, entries: dict[str, dict[str, str]], source: str) -> None:
        self.entries = entries
        self.source = source

    @property
    def keys(self) -> list[str]:
        """The label keys."""
        return list(self.entries)

    def get(self, key: str, lang: str = "en") -> str:
        """The label ``key`` in ``lang``.

        Raises
        ------
        LegendError
            For an unknown language; a missing key is a bug (``KeyError``).
        """
        check_language(lang)
        return self.entries[key][lang]

    def table(self, lang: str = "en") -> dict[str, str]:
        """Every label in ``lang``."""
        check_language(lang)
        return {k: v[lang] for k, v in self.entries.items()}


def load_labels(path: str | os.PathLike[str] | None = None) -> Labels:
    """Read and check a label catalogue (every entry needs every legend language).

    Raises
    ------
    LegendError
        Naming the file and the first entry that is wrong.
    """
    from habitatmap.io.yaml import read_yaml

    p = Path(path) if path is not None else LABELS_PATH
    doc = read_yaml(p, what="label catalogue", missing="restore styles/labels.yaml", error=LegendError)
    if not isinstance(doc, dict) or not isinstance(doc.get("labels"), dict):
        raise LegendError(f"{p}: not a label catalogue (expected a top-level 'labels' mapping); start "
                          "from styles/labels.yaml.")
    entries: dict[str, dict[str, str]] = {}
    for key, texts in doc["labels"].items():
        if not isinstance(texts, dict):
            raise LegendError(f"{p}: label {quote(key)} must map languages to texts; fix it.")
        missing = [lang for lang in LANGUAGES if not isinstance(texts.get(lang), str) or not texts[lang]]
        if missing:
            raise LegendError(f"{p}: label {quote(key)} has no text in {', '.join(missing)}; add it.")
        entries[str(key)] = {lang: str(texts[lang]) for lang in LANGUAGES}
    return Labels(entries, str(p))


@lru_cache(maxsize=1)
def _bundled() -> Labels:
    return load_labels()


def label(key: str, lang: str = "en") -> str:
    """The bundled catalogue's label ``key`` in ``lang``."""
    return _bundled().get(key, lang)
