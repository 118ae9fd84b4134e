"""Site workflow files (``workflows/<site>.yaml``): the model and its loader.

A site file names the transboundary area, its sample or production inputs and the defaults the
commands use there. Paths in it are relative to the file's folder's parent (the project root).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from habitatmap.errors import ConfigError
from habitatmap.legend.model import LANGUAGES, Names
from habitatmap.values import quote, validation_problem

__all__ = ["ClassificationSpec", "CompositeSpec", "CorridorSpec", "SceneSearch", "Site", "SiteInputs",
           "load_site"]


class SiteInputs(BaseModel):
    """Input locations of a site."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    sample_data: Path
    stac: Path
    aoi: Path
    boundaries: list[str] = Field(default_factory=list)
    mapping: Path | None = None


class SceneSearch(BaseModel):
    """Which scenes the site uses."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    start: dt.date | None = None
    end: dt.date | None = None
    max_cloud: float | None = Field(default=None, ge=0, le=100)
    platforms: list[str] = Field(default_factory=list)


class CompositeSpec(BaseModel):
    """One seasonal composite of the site."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    months: str
    method: str = "median"
    indices: list[str] = Field(default_factory=list)


class ReferenceDesignSpec(BaseModel):
    """A reference sample drawn from the site's own map (Olofsson et al. 2014): its size, its
    allocation and, where a reference raster exists, where its labels come from."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    target_se: float = Field(default=0.01, gt=0, lt=1)
    n: int | None = Field(default=None, ge=1, le=10**6)
    min_per_class: int = Field(default=50, ge=0, le=10**5)
    users_accuracy: float = Field(default=0.85, gt=0, lt=1)
    seed: int = Field(default=0, ge=0)
    #: A raster of legend codes that labels the points (an independent finer reference map, or a
    #: sample's synthetic truth); without it the design is written for interpreters to label.
    label_from: Path | None = None


class ClassificationSpec(BaseModel):
    """How the site's habitat map is made and checked."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    composites: list[str] = Field(min_length=1)
    training: Path
    validation: Path | None = None
    reference_design: ReferenceDesignSpec | None = None
    label_field: str | None = None
    model: str = "rf"
    seed: int = 0
    mmu_ha: float | None = Field(default=None, ge=0)


class CorridorSpec(BaseModel):
    """Corridors of one species between the site's core areas (layers of the site's base map)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    species: str
    cores_layer: str = "zones"
    cores_select: str | None = "zone_class=core"
    border_layer: str | None = "border"
    segment_km: float = Field(default=1.0, gt=0)


class Site(BaseModel):
    """One transboundary site."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str = Field(pattern=r"^[a-z0-9_-]+$")
    name: Names
    countries: list[str] = Field(min_length=1)
    crs: str
    species: list[str] = Field(min_length=1)
    languages: list[str] = Field(default_factory=lambda: list(LANGUAGES))
    inputs: SiteInputs
    scenes: SceneSearch = Field(default_factory=SceneSearch)
    composites: dict[str, CompositeSpec] = Field(default_factory=dict)
    classification: ClassificationSpec | None = None
    corridors: CorridorSpec | None = None
    root: Path = Field(default=Path("."), exclude=True)

    def resolve(self, path: Path) -> Path:
        """Resolve a path from the site file against the project root."""
        return path if path.is_absolute() else (self.root / path)


def load_site(path: str | os.PathLike[str]) -> Site:
    """Read and validate a site workflow file.

    Raises
    ------
    ConfigError
        With one sentence naming the file, the field and the fix.
    """
    from habitatmap.io.yaml import read_yaml

    p = Path(path)
    data = read_yaml(p, what="workflow file", missing="pass an existing workflows/<site>.yaml")
    if not isinstance(data, dict) or not isinstance(data.get("site"), dict):
        raise ConfigError(f"{p}: no top-level 'site' mapping; start from workflows/tumen.yaml.")
    try:
        site = Site.model_validate({**data["site"], "root": p.resolve().parent.parent})
    except ValidationError as err:
        raise ConfigError(f"{p}: {validation_problem(err, 'site.')}; correct it in the workflow "
                          "file.") from None
    if site.classification is not None:
        missing = [c for c in site.classification.composites if c not in site.composites]
        if missing:
            raise ConfigError(f"{p}: site.classification.composites: {missing} are not defined under "
                              "site.composites; name composites defined there.")
    for lang in site.languages:
        if lang not in LANGUAGES:
            raise ConfigError(f"{p}: site.languages: unknown language {quote(lang)}; use {LANGUAGES}.")
    return site
