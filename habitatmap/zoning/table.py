"""The zoning table (``styles/zoning.yaml``): every zone type of the laws, its rules and its level.

:func:`load_zoning` reads and checks the table; :meth:`ZoningTable.match` finds the zone type of a
value found in a national layer (by id, or by an alias after Unicode NFKC normalisation with case
and spaces folded), optionally restricted to one country.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from habitatmap.errors import ConfigError
from habitatmap.legend.model import Names
from habitatmap.resources import data_path
from habitatmap.values import quote, validation_problem
from habitatmap.zoning.levels import ACTIVITIES, protection_level

__all__ = ["DEFAULT_ZONING_PATH", "ZoneType", "ZoningTable", "fold", "load_zoning"]

DEFAULT_ZONING_PATH = data_path("styles", "zoning.yaml")

_State = Literal["allowed", "restricted", "prohibited"]


class _Zone(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    country: str = Field(pattern=r"^[A-Z]{3}$")
    law: str = Field(min_length=3)
    edition: Literal["current", "former"]
    names: Names
    aliases: list[str] = Field(default_factory=list)
    pa_type: str = Field(min_length=1)
    iucn: Literal["Ia", "Ib", "II", "III", "IV", "V", "VI"] | None = None
    activities: dict[str, _State]

    @field_validator("activities")
    @classmethod
    def _complete(cls, v: dict[str, str]) -> dict[str, str]:
        missing = [a for a in ACTIVITIES if a not in v]
        extra = [a for a in v if a not in ACTIVITIES]
        if missing or extra:
            raise ValueError(f"activities must be exactly {', '.join(ACTIVITIES)} (missing: "
                             f"{', '.join(missing) or 'none'}; unknown: {', '.join(extra) or 'none'})")
        return v


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    zoning: dict[str, object]
    zones: list[_Zone] = Field(min_length=1)


@dataclass(frozen=True)
class ZoneType:
    """One zone type of a law: its rules and the protection level derived from them."""

    id: str
    country: str
    law: str
    edition: str
    names: Names
    aliases: tuple[str, ...]
    pa_type: str
    iucn: str | None
    activities: dict[str, str]
    level: int

    def name(self, lang: str = "en") -> str:
        """The zone type's name in ``lang``."""
        return self.names.get(lang)


def fold(text: object) -> str:
    """A value as compared with the table's ids and aliases: NFKC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


@dataclass
class ZoningTable:
    """The zone types by id, the activity names, and where the table came from."""

    zones: dict[str, ZoneType]
    activity_names: dict[str, Names]
    source: str
    version: str = ""
    _index: dict[str, list[ZoneType]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for z in self.zones.values():
            for key in {fold(z.id), *(fold(a) for a in z.aliases), *(fold(n) for n in
                                                                     (z.names.en, z.names.ru, z.names.zh))}:
                self._index.setdefault(key, []).append(z)

    def match(self, value: object, country: str | None = None) -> ZoneType | None:
        """The zone type a layer's value names (an id, an alias or a name), within ``country`` when
        given; None if nothing or more than one type matches."""
        hits = [z for z in self._index.get(fold(value), []) if country is None or z.country == country]
        unique = {z.id: z for z in hits}
        return next(iter(unique.values())) if len(unique) == 1 else None

    def activity_name(self, activity: str, lang: str = "en") -> str:
        """An activity's name in ``lang``."""
        return self.activity_names[activity].get(lang)


def load_zoning(path: str | os.PathLike[str] | None = None) -> ZoningTable:
    """Read and check a zoning table (default: the bundled ``styles/zoning.yaml``).

    Raises
    ------
    ConfigError
        Naming the file and the first entry that is wrong (a missing activity, a duplicate id, an
        alias that names two zone types of one country).
    """
    from habitatmap.io.yaml import read_yaml

    p = Path(path) if path is not None else DEFAULT_ZONING_PATH
    doc = read_yaml(p, what="zoning table", missing="restore styles/zoning.yaml or pass an existing file")
    try:
        parsed = _Doc.model_validate(doc)
    except ValidationError as err:
        raise ConfigError(f"{p}: {validation_problem(err)}; correct it in the zoning table.") from None
    names_doc = parsed.zoning.get("activities")
    if not isinstance(names_doc, dict) or set(names_doc) != set(ACTIVITIES):
        raise ConfigError(f"{p}: zoning.activities must name exactly {', '.join(ACTIVITIES)}; correct it.")
    try:
        activity_names = {a: Names.model_validate(names_doc[a]) for a in ACTIVITIES}
    except ValidationError as err:
        raise ConfigError(f"{p}: zoning.activities: {validation_problem(err)}; correct it.") from None
    zones: dict[str, ZoneType] = {}
    for z in parsed.zones:
        if z.id in zones:
            raise ConfigError(f"{p}: zone {quote(z.id)} is defined twice; give each zone type one entry.")
        zones[z.id] = ZoneType(z.id, z.country, z.law, z.edition, z.names, tuple(z.aliases), z.pa_type,
                               z.iucn, dict(z.activities), protection_level(z.activities))
    table = ZoningTable(zones, activity_names, str(p), str(parsed.zoning.get("version", "")))
    for key, hits in table._index.items():
        by_country: dict[str, set[str]] = {}
        for h in hits:
            by_country.setdefault(h.country, set()).add(h.id)
        for country, ids in by_country.items():
            if len(ids) > 1:
                raise ConfigError(f"{p}: {quote(key)} names {len(ids)} zone types of {country} "
                                  f"({', '.join(sorted(ids))}); make each alias name one zone type.")
    return table
