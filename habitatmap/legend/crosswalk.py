"""National class names -> the shared legend, through crosswalk files (``styles/crosswalks/*.yaml``).

A crosswalk maps the class names of one national legend (a Russian forest inventory, a Chinese
land-use layer) onto shared legend keys; finer national classes roll up into one shared class.
Names are matched after Unicode NFKC normalisation (full- and half-width forms alike), case
folding, trimming and treating Russian "ё" as "е", so spelling variants that mean the same match.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from habitatmap.errors import LegendError
from habitatmap.io.yaml import read_yaml
from habitatmap.legend.model import Legend
from habitatmap.resources import data_path
from habitatmap.values import expect_text, quote

__all__ = ["CROSSWALK_DIR", "Crosswalk", "load_crosswalk", "normalise_name"]

#: Crosswalks shipped with the package (single-sourced in the project's ``styles/crosswalks/``).
CROSSWALK_DIR = data_path("styles", "crosswalks")


def normalise_name(name: str) -> str:
    """The form class names are compared in."""
    text = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    return " ".join(text.replace("ё", "е").split())


@dataclass(frozen=True)
class Crosswalk:
    """A validated crosswalk.

    Attributes
    ----------
    id, country, language, title
        From the file's ``crosswalk`` header.
    mapping
        Normalised national name -> shared legend key.
    source
        The file, for messages and provenance.
    """

    id: str
    country: str
    language: str
    title: str
    mapping: dict[str, str]
    source: str

    def key_for(self, name: str) -> str | None:
        """The legend key for a national class name, or None if the crosswalk lacks it."""
        return self.mapping.get(normalise_name(name))


def load_crosswalk(path: str | os.PathLike[str], legend: Legend) -> Crosswalk:
    """Read a crosswalk YAML file and check every target is a key of ``legend``.

    Raises
    ------
    LegendError
        With one sentence naming the file, the entry and the fix.
    """
    p = Path(path)
    bundled = ", ".join(sorted(f.name for f in CROSSWALK_DIR.glob("*.yaml")))
    doc = read_yaml(p, what="crosswalk file", error=LegendError,
                    missing=f"pass an existing YAML file (bundled in styles/crosswalks: {bundled})")
    if not isinstance(doc, dict) or not isinstance(doc.get("crosswalk"), dict) \
            or not isinstance(doc.get("classes"), dict) or not doc["classes"]:
        raise LegendError(f"{p}: not a crosswalk (expected a 'crosswalk' header and a non-empty "
                          "'classes' mapping of national name: legend key); start from "
                          "styles/crosswalks/ru_forest_inventory.yaml.")
    head = doc["crosswalk"]
    target_legend = head.get("legend")
    if target_legend and target_legend != legend.id:
        raise LegendError(f"{p}: maps onto legend {quote(target_legend)}, but the legend in use is "
                          f"{quote(legend.id)}; use a crosswalk written for this legend.")
    mapping: dict[str, str] = {}
    keys = {c.key for c in legend.classes}
    for name, key in doc["classes"].items():
        name = expect_text(name, what="a national class name", where=str(p), max_length=500,
                           error=LegendError)
        key = expect_text(key, what=f"the legend key of {quote(name)}", where=str(p), max_length=100,
                          error=LegendError)
        norm = normalise_name(name)
        if str(key) not in keys:
            raise LegendError(f"{p}: {quote(name)} maps to {quote(key)}, which is not a key of legend "
                              f"{legend.id}; use one of {', '.join(sorted(keys))}.")
        if norm in mapping and mapping[norm] != key:
            raise LegendError(f"{p}: {quote(name)} appears twice with different targets "
                              f"({quote(mapping[norm])} and {quote(key)}); keep one.")
        mapping[norm] = str(key)
    header = {k: expect_text(head.get(k, default), what=f"crosswalk.{k}", where=str(p), max_length=500,
                             error=LegendError)
              for k, default in (("id", p.stem), ("country", ""), ("language", ""), ("title", ""))}
    return Crosswalk(**header, mapping=mapping, source=str(p))
