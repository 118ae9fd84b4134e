"""The shared habitat legend: load, validate and query ``styles/legend.yaml``.

The legend is the single source of class codes, keys, names in English, Russian, Chinese and
Mongolian, colours, crosswalks (ESA WorldCover, IUCN habitats) and per-species movement resistance.
Loading validates everything and reports the first problem as one sentence naming the file, the
class and the fix.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from habitatmap.errors import LegendError
from habitatmap.resources import data_path
from habitatmap.values import field_path, quote

__all__ = [
    "DEFAULT_LEGEND_PATH",
    "LANGUAGES",
    "RESISTANCE_MAX",
    "RESISTANCE_MIN",
    "WORLDCOVER_CLASSES",
    "HabitatClass",
    "Legend",
    "Names",
    "check_language",
    "legend_from_mapping",
    "load_legend",
]

LANGUAGES: tuple[str, ...] = ("en", "ru", "zh", "mn", "kk")

#: ESA WorldCover 2021 class codes and names.
WORLDCOVER_CLASSES: dict[int, str] = {
    10: "Tree cover", 20: "Shrubland", 30: "Grassland", 40: "Cropland", 50: "Built-up",
    60: "Bare / sparse vegetation", 70: "Snow and ice", 80: "Permanent water bodies",
    90: "Herbaceous wetland", 95: "Mangroves", 100: "Moss and lichen",
}

#: Level-1 codes of the IUCN Habitats Classification Scheme v3.1.
IUCN_LEVEL1: dict[int, str] = {
    1: "Forest", 2: "Savanna", 3: "Shrubland", 4: "Grassland", 5: "Wetlands (inland)",
    6: "Rocky areas", 7: "Caves and Subterranean Habitats (non-aquatic)", 8: "Desert",
    9: "Marine Neritic", 10: "Marine Oceanic", 11: "Marine Deep Ocean Floor", 12: "Marine Intertidal",
    13: "Marine Coastal/Supratidal", 14: "Artificial/Terrestrial", 15: "Artificial/Aquatic",
    16: "Introduced Vegetation", 17: "Other", 18: "Unknown",
}

RESISTANCE_MIN, RESISTANCE_MAX = 1.0, 1000.0
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


#: The legend shipped with the package (single-sourced in the project's ``styles/`` folder).
DEFAULT_LEGEND_PATH = data_path("styles", "legend.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


class Names(_Strict):
    """A text in every legend language."""

    en: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    mn: str = Field(min_length=1)
    kk: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """Return the text in ``lang`` (one of :data:`LANGUAGES`)."""
        return str(getattr(self, lang))


class Resistance(_Strict):
    """Movement resistance of one class for one species."""

    value: float = Field(ge=RESISTANCE_MIN, le=RESISTANCE_MAX)
    rationale: str = Field(min_length=1)


class IucnHabitat(_Strict):
    """Crosswalk to the IUCN Habitats Classification Scheme."""

    level1: int
    level1_name: str
    level2: str | None = None
    level2_name: str | None = None

    @field_validator("level1")
    @classmethod
    def _known_level1(cls, v: int) -> int:
        if v not in IUCN_LEVEL1:
            raise ValueError(f"is not an IUCN level-1 habitat code (1..18), got {v}")
        return v


class Species(_Strict):
    """A species the legend gives resistances for."""

    scientific: str = Field(min_length=1)
    names: Names


class HabitatClass(_Strict):
    """One class of the shared legend."""

    code: int = Field(ge=1, le=254)
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    names: Names
    colour: str
    definition: str = Field(min_length=1)
    worldcover: int
    iucn: IucnHabitat
    resistance: dict[str, Resistance]

    @field_validator("colour")
    @classmethod
    def _hex_colour(cls, v: str) -> str:
        if not _HEX.match(v):
            raise ValueError(f"must be a hex colour like '#1b5e20', got {quote(v)}")
        return v.lower()

    @field_validator("worldcover")
    @classmethod
    def _worldcover(cls, v: int) -> int:
        if v not in WORLDCOVER_CLASSES:
            raise ValueError(f"must be an ESA WorldCover code {sorted(WORLDCOVER_CLASSES)}, got {v}")
        return v

    @property
    def rgba(self) -> tuple[int, int, int, int]:
        """The colour as an (r, g, b, 255) tuple."""
        h = self.colour.lstrip("#")
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255)

    def name(self, lang: str = "en") -> str:
        """The class name in ``lang``."""
        return self.names.get(lang)


class LegendMeta(_Strict):
    """Legend-wide metadata."""

    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    nodata: int = Field(default=0, ge=0, le=255)
    title: Names
    species: dict[str, Species] = Field(min_length=1)


class Legend(_Strict):
    """A validated habitat legend.

    Use :func:`load_legend` to read one; the constructor does not run the cross-class checks.
    """

    legend: LegendMeta
    classes: list[HabitatClass] = Field(min_length=1)
    source: str = Field(default="<memory>", exclude=True)

    @property
    def id(self) -> str:
        """Legend identifier."""
        return self.legend.id

    @property
    def version(self) -> str:
        """Legend version string (recorded in every product's provenance)."""
        return self.legend.version

    @property
    def nodata(self) -> int:
        """Raster value meaning "no data" in classified maps."""
        return self.legend.nodata

    @property
    def species(self) -> list[str]:
        """Species keys with resistances."""
        return list(self.legend.species)

    @property
    def codes(self) -> list[int]:
        """Class codes in legend order."""
        return [c.code for c in self.classes]

    @cached_property
    def _by_code(self) -> dict[int, HabitatClass]:
        return {c.code: c for c in self.classes}

    @cached_property
    def _by_key(self) -> dict[str, HabitatClass]:
        return {c.key: c for c in self.classes}

    def by_code(self, code: int) -> HabitatClass:
        """Return the class with ``code``; raise :class:`LegendError` if there is none."""
        try:
            return self._by_code[int(code)]
        except KeyError:
            raise LegendError(
                f"{self.source}: no class has code {code}; known codes are {self.codes}."
            ) from None

    def by_key(self, key: str) -> HabitatClass:
        """Return the class with ``key``; raise :class:`LegendError` if there is none."""
        try:
            return self._by_key[key]
        except KeyError:
            raise LegendError(
                f"{self.source}: no class has key {quote(key)}; known keys are {sorted(self._by_key)}."
            ) from None

    def lookup(self, label: str | int) -> HabitatClass:
        """Return the class for a label that is a legend key or a code (int or digit string)."""
        if isinstance(label, int) or (isinstance(label, str) and label.strip().isdigit()):
            return self.by_code(int(label))
        return self.by_key(str(label).strip())

    def colormap(self) -> dict[int, tuple[int, int, int, int]]:
        """GDAL colour table: code -> RGBA, with nodata transparent."""
        cmap = {self.nodata: (0, 0, 0, 0)}
        cmap.update({c.code: c.rgba for c in self.classes})
        return cmap

    def names(self, lang: str = "en") -> dict[int, str]:
        """Code -> class name in ``lang``."""
        check_language(lang)
        return {c.code: c.name(lang) for c in self.classes}

    def resistance(self, species: str) -> dict[int, float]:
        """Code -> resistance for ``species``."""
        if species not in self.legend.species:
            raise LegendError(
                f"{self.source}: no resistances for species {quote(species)}; "
                f"choose one of {', '.join(self.species)}."
            )
        return {c.code: c.resistance[species].value for c in self.classes}


def check_language(lang: str) -> str:
    """Return ``lang`` if it is a legend language, else raise :class:`LegendError`."""
    if lang not in LANGUAGES:
        raise LegendError(f"unknown language {quote(lang)}; choose one of {', '.join(LANGUAGES)}.")
    return lang


def _describe_class(raw: Any, index: int) -> str:
    try:
        entry = raw["classes"][index]
        return f"class {quote(entry.get('key', '?'))} (code {quote(entry.get('code', '?'))})"
    except (KeyError, IndexError, TypeError, AttributeError):
        return f"class #{index + 1}"


def _first_error(path: str, raw: Any, err: ValidationError) -> LegendError:
    e = err.errors()[0]
    loc = list(e["loc"])
    if len(loc) >= 2 and loc[0] == "classes" and isinstance(loc[1], int):
        where = _describe_class(raw, loc[1])
        field = field_path(loc[2:]) or "entry"
    else:
        where = "legend"
        field = field_path(loc)
    msg = e["msg"]
    if e["type"] == "missing":
        problem = f"'{field}' is missing"
    elif e["type"] == "extra_forbidden":
        problem = f"'{field}' is not a legend field (check the spelling)"
    else:
        msg = msg.removeprefix("Value error, ")
        problem = f"'{field}' {msg[0].lower()}{msg[1:]}"
        if "input" in e and e["type"] != "value_error" and not isinstance(e["input"], dict | list):
            problem += f" (got {quote(e['input'])})"
    return LegendError(f"{path}: {where}: {problem}; correct it in the legend file.")


def _check_consistency(legend: Legend, path: str) -> None:
    seen_codes: dict[int, str] = {}
    seen_keys: set[str] = set()
    species = set(legend.legend.species)
    if legend.nodata in {c.code for c in legend.classes}:
        raise LegendError(
            f"{path}: class code {legend.nodata} is the legend's nodata value; "
            "give the class another code."
        )
    for c in legend.classes:
        where = f"class {quote(c.key)} (code {c.code})"
        if c.code in seen_codes:
            raise LegendError(
                f"{path}: {where}: code {c.code} is already used by class {quote(seen_codes[c.code])}; "
                "codes must be unique."
            )
        if c.key in seen_keys:
            raise LegendError(f"{path}: {where}: key {quote(c.key)} is used twice; keys must be unique.")
        seen_codes[c.code] = c.key
        seen_keys.add(c.key)
        missing = sorted(species - set(c.resistance))
        if missing:
            raise LegendError(
                f"{path}: {where}: no resistance for {', '.join(missing)}; "
                "add a value and rationale for every species in the legend."
            )
        extra = sorted(set(c.resistance) - species)
        if extra:
            raise LegendError(
                f"{path}: {where}: resistance given for unknown species {', '.join(extra)}; "
                "declare it under legend.species or remove it."
            )


def legend_from_mapping(data: Mapping[str, Any], *, source: str = "<memory>") -> Legend:
    """Validate a parsed legend document and return a :class:`Legend`.

    Parameters
    ----------
    data
        The parsed YAML document (``legend`` and ``classes`` keys).
    source
        Name used in error messages (normally the file path).

    Raises
    ------
    LegendError
        With one sentence naming the source, the class and the problem.
    """
    if not isinstance(data, Mapping) or "classes" not in data or "legend" not in data:
        raise LegendError(
            f"{source}: not a habitat legend (expected top-level 'legend' and 'classes' keys); "
            "start from styles/legend.yaml."
        )
    try:
        legend = Legend.model_validate({**data, "source": source})
    except ValidationError as err:
        raise _first_error(source, data, err) from None
    _check_consistency(legend, source)
    return legend


def load_legend(path: str | os.PathLike[str] | None = None) -> Legend:
    """Read and validate a legend YAML file.

    Parameters
    ----------
    path
        Legend file; the bundled ``styles/legend.yaml`` when ``None``.

    Returns
    -------
    Legend
        The validated legend.

    Raises
    ------
    LegendError
        If the file is missing, is not YAML, or fails validation.

    Examples
    --------
    >>> legend = load_legend()
    >>> legend.by_key("wetland").name("zh")
    '湿地'
    """
    from habitatmap.io.yaml import read_yaml

    p = Path(path) if path is not None else DEFAULT_LEGEND_PATH
    data = read_yaml(p, what="legend file", missing="pass an existing YAML file with --legend",
                     error=LegendError)
    return legend_from_mapping(data, source=str(p))
