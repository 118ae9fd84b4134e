"""Site workflow files (``workflows/<site>.yaml``): the model and its loader.

A site file names the transboundary area and everything ``habitatmap run`` needs there: where the
scenes come from (a STAC API or a static catalog), which dates and cloud limits, the seasonal
composites, the classification inputs, the national layers of the base map with their mapping, the
corridor species and their cores, the languages and the CRS. Relative paths are relative to the
site file's own folder, so a copied site file keeps working beside its data.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from habitatmap.errors import ConfigError, HabitatmapError
from habitatmap.legend.model import LANGUAGES, Names
from habitatmap.values import quote, validation_problem

__all__ = ["BasemapSpec", "ChangeDesignSpec", "ChangeSpec", "ClassificationSpec", "CompositeSpec",
           "CoresSpec", "CorridorSpec", "DateRange", "DensitySpec", "FireSpec", "MonitoringSpec",
           "OmniscapeSpec", "ReferenceDesignSpec", "SceneSearch", "Site", "SurveySpec", "ZoningSpec",
           "key_lines", "load_site"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DateRange(_Spec):
    """An inclusive range of acquisition dates."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class SceneSearch(_Spec):
    """Where the site's scenes come from and which ones it uses."""

    #: A STAC API URL, a static catalog or collection (URL or path), relative to the site file.
    stac: str = Field(min_length=1)
    collection: str = "landsat-c2-l2"
    #: One or more date ranges (e.g. two summers); scenes of any of them are used.
    dates: list[DateRange] = Field(min_length=1)
    max_cloud: float | None = Field(default=None, ge=0, le=100)
    platforms: list[str] = Field(default_factory=list)
    resolution: float = Field(default=30.0, gt=0, le=10000)
    requester_pays: bool = False
    limit: int | None = Field(default=None, ge=1, le=100000)


class CompositeSpec(_Spec):
    """One seasonal composite of the site."""

    months: str
    method: str = "median"
    indices: list[str] = Field(default_factory=list)
    #: Keep snow and ice (winter composites of snow-leopard ranges); such composites are built from a
    #: pull of their own in which snow is not masked.
    keep_snow: bool = False


class ReferenceDesignSpec(_Spec):
    """A reference sample drawn from the site's own map (Olofsson et al. 2014): its size, its
    allocation and, where a reference raster exists, where its labels come from."""

    target_se: float = Field(default=0.01, gt=0, lt=1)
    n: int | None = Field(default=None, ge=1, le=10**6)
    min_per_class: int = Field(default=50, ge=0, le=10**5)
    users_accuracy: float = Field(default=0.85, gt=0, lt=1)
    seed: int = Field(default=0, ge=0)
    #: A raster of legend codes that labels the points (an independent finer reference map, or a
    #: sample's synthetic truth); without it the design is written for interpreters to label.
    label_from: Path | None = None


class ClassificationSpec(_Spec):
    """How the site's habitat map is made and checked."""

    composites: list[str] = Field(min_length=1)
    training: Path
    validation: Path | None = None
    reference_design: ReferenceDesignSpec | None = None
    label_field: str | None = None
    model: str = "rf"
    seed: int = Field(default=0, ge=0)
    mmu_ha: float | None = Field(default=None, ge=0)
    majority: int = 0
    gap_fill: bool = True


class BasemapSpec(_Spec):
    """The 1:100000 base map: the national layers (``FILE`` or ``FILE:LAYER``) and their mapping."""

    layers: list[str] = Field(min_length=1)
    #: The attribute mapping (``habitatmap basemap mapping`` drafts one); None infers it.
    mapping: Path | None = None
    #: Print the 1:100000 sheet of the area's centre as a PDF.
    sheet: bool = True


class CoresSpec(_Spec):
    """The core areas a species' corridors connect: a base-map layer or a file, and a selection."""

    layer: str | None = "zones"
    file: str | None = None
    select: str | None = "zone_class=core"

    @model_validator(mode="after")
    def _one(self) -> CoresSpec:
        if (self.layer is None) == (self.file is None):
            raise ValueError("give exactly one of layer (a base-map layer) or file")
        return self


class OmniscapeSpec(_Spec):
    """Omnidirectional connectivity of one species (Omniscape) on its resistance surface.

    Sources are the cells whose resistance is at most ``r_cutoff`` (1 / resistance each); the
    window radius and the blocks are in cells of the site's grid.
    """

    radius: int = Field(ge=1, le=2000)
    block_size: int = Field(default=3, ge=1, le=101)
    buffer: int = Field(default=0, ge=0, le=2000)
    r_cutoff: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _odd(self) -> OmniscapeSpec:
        if self.block_size % 2 == 0:
            raise ValueError(f"block_size {self.block_size} must be odd (Omniscape would use "
                             f"{self.block_size + 1})")
        return self


class CorridorSpec(_Spec):
    """Corridors of one species between the site's core areas."""

    species: str
    cores: CoresSpec = Field(default_factory=CoresSpec)
    border_layer: str | None = "border"
    segment_km: float = Field(default=1.0, gt=0, le=1000)
    #: Omniscape for this species as well (normalised current on the web map).
    omniscape: OmniscapeSpec | None = None


class ZoningSpec(_Spec):
    """Both sides' zoning compared on the shared protection levels (base-map layers)."""

    zones_layer: str = "zones"
    border_layer: str | None = "border"
    mapping: Path | None = None
    #: Gaps and captured current for this corridor species (its circuit's cumulative current).
    species: str | None = None
    max_resistance: float = Field(default=10.0, ge=1, le=1000)
    mismatch_km: float = Field(default=2.0, gt=0, le=1000)
    segment_km: float = Field(default=1.0, gt=0, le=1000)


class SurveySpec(_Spec):
    """A synthetic camera-trap survey on the stations (the bundled sample's demo; not field data)."""

    density_per_100km2: float = Field(gt=0, le=10000)
    sigma_m: float = Field(gt=0, le=100000)
    g0: float = Field(gt=0, lt=1)
    days: int = Field(ge=1, le=1000)
    start: dt.date
    seed: int = 0


class DensitySpec(_Spec):
    """SECR density of the identified species from the joint package."""

    buffer_m: float = Field(default=5000.0, gt=0, le=1e6)
    spacing_m: float = Field(default=250.0, gt=0, le=1e5)
    occasions: int = Field(default=10, ge=1, le=1000)
    detectfn: Literal["HN", "HHN"] = "HN"


class MonitoringSpec(_Spec):
    """The joint monitoring grid, its camera stations, the two sides' packages merged, summaries
    and density. ``packages`` names the two sides' Camtrap DP packages (in ``countries`` order);
    the sample has none and simulates them instead (``survey``)."""

    cell_km: int = Field(ge=1, le=100)
    per_cell: int = Field(default=1, ge=1, le=100)
    habitat: list[str] = Field(default_factory=list)
    min_spacing_m: float = Field(default=0.0, ge=0, le=100000)
    species: str
    packages: list[Path] = Field(default_factory=list)
    survey: SurveySpec | None = None
    gap_minutes: float = Field(default=30.0, ge=0)
    occasion_days: float = Field(default=7.0, gt=0, le=365)
    density: DensitySpec | None = None

    @model_validator(mode="after")
    def _source(self) -> MonitoringSpec:
        if (len(self.packages) == 2) == (self.survey is not None):
            raise ValueError("give either the two sides' packages or a synthetic survey, not both or neither")
        return self


class FireSpec(_Spec):
    """One fire whose burn severity the site maps, from the site's own scenes: the snow-free months
    of the season before its date and of the season after it (``change burn --fire-date``)."""

    date: dt.date
    months: str = "6-8"
    assessment: str = Field(default="extended", pattern=r"^(extended|initial)$")
    thresholds: Path | None = None
    #: Unburned reference polygons (FILE or FILE:LAYER): their mean dNBR is the offset.
    reference: str | None = None
    mmu_ha: float = Field(default=4.0, ge=0, le=10**6)


class ChangeDesignSpec(_Spec):
    """A reference sample of the habitat change map (its from-to pairs as strata); labelled from
    two reference rasters (before, after) where such exist, else written for interpreters."""

    n: int = Field(default=300, ge=1, le=10**6)
    min_per_class: int = Field(default=20, ge=0, le=10**5)
    seed: int = Field(default=0, ge=0)
    label_from: list[Path] = Field(default_factory=list, max_length=2)

    @model_validator(mode="after")
    def _pair(self) -> ChangeDesignSpec:
        if len(self.label_from) not in (0, 2):
            raise ValueError("label_from names the reference rasters of both years, before and after")
        return self


class ChangeSpec(_Spec):
    """Change monitoring: the habitat map of each of two years (the site's composites restricted to
    each year, classified with the site's model) compared, and the burn severity of each fire."""

    years: list[int] = Field(default_factory=list, max_length=2)
    reference_design: ChangeDesignSpec | None = None
    fires: list[FireSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _years(self) -> ChangeSpec:
        if self.years and (len(self.years) != 2 or self.years[0] >= self.years[1]):
            raise ValueError("years names two years, the earlier first (e.g. [2021, 2022])")
        if self.reference_design is not None and not self.years:
            raise ValueError("a reference_design needs the two years compared")
        return self


class Site(_Spec):
    """One transboundary site."""

    id: str = Field(pattern=r"^[a-z0-9_-]+$")
    name: Names
    countries: list[str] = Field(min_length=1)
    crs: str
    species: list[str] = Field(min_length=1)
    languages: list[str] = Field(default_factory=lambda: list(LANGUAGES))
    #: A bundled synthetic sample the inputs come from, verified against its checksums first.
    sample: Path | None = None
    aoi: Path
    #: An agency's datum-shift parameters (see ``--datum-params``).
    datum_params: Path | None = None
    allow_ballpark: bool = False
    scenes: SceneSearch
    composites: dict[str, CompositeSpec] = Field(min_length=1)
    classification: ClassificationSpec | None = None
    basemap: BasemapSpec | None = None
    corridors: list[CorridorSpec] = Field(default_factory=list)
    zoning: ZoningSpec | None = None
    monitoring: MonitoringSpec | None = None
    change: ChangeSpec | None = None
    #: Language of the web map.
    webmap_lang: str = "en"
    root: Path = Field(default=Path("."), exclude=True)
    source: Path = Field(default=Path("site.yaml"), exclude=True)

    @field_validator("composites")
    @classmethod
    def _names(cls, v: dict[str, CompositeSpec]) -> dict[str, CompositeSpec]:
        import re

        for name in v:
            if not re.fullmatch(r"[a-z0-9_]{1,40}", name):
                raise ValueError(f"composite name {quote(name)} must be 1-40 of a-z, 0-9 and _")
        return v

    def resolve(self, path: str | os.PathLike[str]) -> Path:
        """Resolve a path from the site file against the site file's folder."""
        p = Path(path)
        return p if p.is_absolute() else Path(os.path.normpath(self.root / p))

    def resolve_layer(self, spec: str) -> str:
        """Resolve ``FILE[:LAYER]`` against the site file's folder, keeping the layer."""
        from habitatmap.io.paths import split_layer

        file, layer = split_layer(spec)
        return str(self.resolve(file)) + (f":{layer}" if layer else "")

    def stac_source(self) -> str:
        """The scene source: a URL as written, a local catalog resolved against the site folder."""
        s = self.scenes.stac
        return s if s.startswith(("http://", "https://")) else str(self.resolve(s))


def key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Line (1-based) of every mapping key and list item of a YAML text, by its path of keys."""
    import yaml

    from habitatmap.io.yaml import compose_yaml

    lines: dict[tuple[Any, ...], int] = {}

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = (*path, k.value)
                lines[key] = k.start_mark.line + 1
                walk(v, key)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                lines[(*path, i)] = v.start_mark.line + 1
                walk(v, (*path, i))

    walk(compose_yaml(text), ())
    return lines


def _line_of(path: Path, loc: tuple[Any, ...]) -> int | None:
    try:
        lines = key_lines(path.read_bytes().decode("utf-8-sig"))
    except Exception:
        return None
    full = ("site", *loc)
    for n in range(len(full), 0, -1):
        if full[:n] in lines:
            return lines[full[:n]]
    return None


def load_site(path: str | os.PathLike[str]) -> Site:
    """Read and validate a site workflow file.

    Raises
    ------
    ConfigError
        With one sentence naming the file, the line, the field and the fix.
    """
    from habitatmap.io.yaml import read_yaml

    p = Path(path)
    data = read_yaml(p, what="workflow file", missing="pass an existing workflows/<site>.yaml")
    if not isinstance(data, dict) or not isinstance(data.get("site"), dict):
        raise ConfigError(f"{p}: no top-level 'site' mapping; start from workflows/tumen.yaml.")
    try:
        site = Site.model_validate({**data["site"], "root": p.resolve().parent, "source": p})
    except ValidationError as err:
        line = _line_of(p, tuple(err.errors()[0]["loc"]))
        at = f" line {line}:" if line else ""
        raise ConfigError(f"{p}:{at} {validation_problem(err, 'site.')}; correct it in the workflow "
                          "file.") from None

    def refuse(loc: tuple[Any, ...], problem: str) -> ConfigError:
        line = _line_of(p, loc)
        return ConfigError(f"{p}:{f' line {line}:' if line else ''} site.{'.'.join(map(str, loc))}: "
                           f"{problem}")

    from habitatmap.composite.indices import parse_indices
    from habitatmap.composite.spec import METHODS, parse_months
    from habitatmap.geodesy import parse_crs

    try:
        parse_crs(site.crs, option="crs")
    except ConfigError as err:
        raise refuse(("crs",), str(err).split(": ", 1)[-1]) from None
    from habitatmap.scenes.defaults import DEFAULT_BANDS

    for name, spec in site.composites.items():
        try:
            parse_months(spec.months)
            parse_indices(spec.indices, DEFAULT_BANDS)
        except ConfigError as err:
            field = "months" if str(err).startswith("--months") else "indices"
            raise refuse(("composites", name, field), str(err).split(": ", 1)[-1]) from None
        if spec.method not in METHODS:
            raise refuse(("composites", name, "method"), f"unknown method {quote(spec.method)}; use "
                         f"{' or '.join(METHODS)}.")
    if site.classification is not None:
        missing = [c for c in site.classification.composites if c not in site.composites]
        if missing:
            raise refuse(("classification", "composites"), f"{missing} are not defined under "
                         "site.composites; name composites defined there.")
    for i, lang in enumerate(site.languages):
        if lang not in LANGUAGES:
            raise refuse(("languages", i), f"unknown language {quote(lang)}; use {', '.join(LANGUAGES)}.")
    if site.webmap_lang not in LANGUAGES:
        raise refuse(("webmap_lang",), f"unknown language {quote(site.webmap_lang)}; use "
                     f"{', '.join(LANGUAGES)}.")
    for i, c in enumerate(site.corridors):
        if c.species not in site.species:
            raise refuse(("corridors", i, "species"), f"{quote(c.species)} is not one of the site's "
                         f"species ({', '.join(site.species)}); add it there or correct the name.")
        if c.cores.layer is not None and site.basemap is None:
            raise refuse(("corridors", i, "cores"), "names a base-map layer but the site has no "
                         "basemap; add site.basemap or give cores.file.")
    if site.zoning is not None:
        if site.basemap is None:
            raise refuse(("zoning",), "compares base-map layers but the site has no basemap; add "
                         "site.basemap.")
        if site.zoning.species is not None and site.zoning.species not in site.species:
            raise refuse(("zoning", "species"), f"{quote(site.zoning.species)} is not one of the site's "
                         f"species ({', '.join(site.species)}); add it there or correct the name.")
    if site.monitoring is not None:
        if site.classification is None:
            raise refuse(("monitoring",), "the grid and the stations need the habitat map; add "
                         "site.classification.")
        if site.monitoring.packages and len(site.countries) != 2:
            raise refuse(("monitoring", "packages"), "names two sides' packages but the site has "
                         f"{len(site.countries)} countries; list the two sides in site.countries.")
    if site.corridors and site.classification is None:
        raise refuse(("corridors",), "corridors need the habitat map; add site.classification.")
    if site.change is not None:
        if site.change.years and site.classification is None:
            raise refuse(("change", "years"), "each year's habitat map needs the site's classification; "
                         "add site.classification.")
        covered = {y for r in site.scenes.dates for y in range(r.start.year, r.end.year + 1)}
        for y in site.change.years:
            if y not in covered:
                raise refuse(("change", "years"), f"{y} is outside site.scenes.dates; widen the dates to "
                             "cover both years.")
        for i, fire in enumerate(site.change.fires):
            try:
                parse_months(fire.months)
            except HabitatmapError as err:
                raise refuse(("change", "fires", i, "months"), str(err)) from None
    return site
