"""Attribute mapping of national layers onto one schema (``workflows/<site>_mapping.yaml``).

Each input layer (file name, or file name:layer) names its target layer of the base map, its
country, which of its fields fill which schema fields, constants, and how its national zone names
map onto the shared zone classes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from habitatmap.basemap.layers import LayerInfo
from habitatmap.errors import ConfigError, InputDataError
from habitatmap.io.paths import split_layer
from habitatmap.io.yaml import read_yaml
from habitatmap.values import quote, validation_problem

__all__ = ["SCHEMA", "Mapping", "harmonise", "load_mapping", "mapping_from_doc"]

SCHEMA: dict[str, list[str]] = {
    "parks": ["country", "name_en", "name_ru", "name_zh", "source"],
    "zones": ["country", "park_en", "park_ru", "park_zh", "zone_national", "zone_class", "source"],
    "border": ["name_en", "name_ru", "name_zh", "source"],
}
_GEOMETRY = {"parks": ("Polygon", "MultiPolygon"), "zones": ("Polygon", "MultiPolygon"),
             "border": ("LineString", "MultiLineString")}



_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
_Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Entry(BaseModel):
    """One input layer of a mapping file (checked strictly: every value a short scalar)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    target: Literal["parks", "zones", "border"]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")] | None = None
    fields: dict[_Name, _Name] = Field(default_factory=dict)
    constants: dict[_Name, _Text] = Field(default_factory=dict)
    zone_class: dict[_Text, _Name] = Field(default_factory=dict)

    @field_validator("zone_class", mode="before")
    @classmethod
    def _names_as_text(cls, v: Any) -> Any:
        # National zone names may be numbers in a layer (zone 1, 2, 3): compare them as text.
        if isinstance(v, dict):
            return {str(k) if isinstance(k, int) and not isinstance(k, bool) else k: val
                    for k, val in v.items()}
        return v


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    mapping: dict[_Name, _Text] = Field(default_factory=dict)
    zone_classes: dict[_Name, dict[_Name, _Text]] = Field(default_factory=dict)
    layers: dict[_Text, _Entry] = Field(min_length=1)


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file: per input layer, its target layer and how its fields map."""

    id: str
    layers: dict[str, dict[str, Any]]
    zone_classes: dict[str, dict[str, str]]
    source: str

    def for_layer(self, spec: str) -> dict[str, Any]:
        """The entry for ``FILE[:LAYER]`` (matched on the file name and layer).

        A Shapefile given as its folder or zipped (``ru.shp.zip``) also matches the entry of the
        Shapefile inside it (``ru.shp``).
        """
        path, layer = split_layer(spec)
        key = path.name + (f":{layer}" if layer else "")
        if key not in self.layers and layer is None and (path.is_dir() or path.suffix.lower() == ".zip"):
            from habitatmap.io.vector import list_layers

            inside = list_layers(path, what="layer")
            if len(inside) == 1 and f"{inside[0][0]}.shp" in self.layers:
                return self.layers[f"{inside[0][0]}.shp"]
        if key not in self.layers:
            raise ConfigError(f"{self.source}: no entry for layer {quote(key)}; add one under 'layers' "
                              f"(entries: {quote(', '.join(self.layers), 200)}).")
        return self.layers[key]


def _validation_sentence(p: Path, err: ValidationError) -> ConfigError:
    return ConfigError(f"{p}: {validation_problem(err)}; correct it in the mapping file (start from "
                       "workflows/tumen_mapping.yaml).")


def load_mapping(path: str | os.PathLike[str]) -> Mapping:
    """Read and check a mapping YAML file.

    Every value must be a short text of the expected kind (no lists where a name is expected), so a
    hostile file cannot fill the base map with large values.

    Raises
    ------
    ConfigError
        With one sentence naming the file, the entry and the fix.
    """
    p = Path(path)
    doc = read_yaml(p, what="mapping file", missing="start from workflows/tumen_mapping.yaml")
    return mapping_from_doc(doc, p)


def mapping_from_doc(doc: object, p: Path) -> Mapping:
    """Check a parsed mapping document (from a file, or inferred by
    :func:`habitatmap.basemap.infer.infer_mapping`) and return the :class:`Mapping`.

    Raises
    ------
    ConfigError
        As :func:`load_mapping`.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), dict):
        raise ConfigError(f"{p}: no 'layers' mapping; start from workflows/tumen_mapping.yaml.")
    try:
        checked = _Document.model_validate(doc)
    except ValidationError as err:
        raise _validation_sentence(p, err) from None
    classes = {k: dict(v) for k, v in checked.zone_classes.items()}
    layers: dict[str, dict[str, Any]] = {}
    for key, entry in checked.layers.items():
        unknown = set(entry.fields) | set(entry.constants)
        unknown -= set(SCHEMA[entry.target])
        if unknown:
            raise ConfigError(f"{p}: layer {quote(key)}: {quote(sorted(unknown))} are not fields of "
                              f"{entry.target}; use {', '.join(SCHEMA[entry.target])}.")
        bad = sorted(set(entry.zone_class.values()) - set(classes))
        if bad:
            raise ConfigError(f"{p}: layer {quote(key)}: zone classes {quote(bad)} are not declared under "
                              "zone_classes; declare them there.")
        if entry.target != "border" and not entry.country:
            raise ConfigError(f"{p}: layer {quote(key)}: has no country; give its ISO 3166 "
                              "alpha-3 code (e.g. RUS or CHN).")
        layers[key] = entry.model_dump()
    return Mapping(str(checked.mapping.get("id", p.stem)), layers, classes, str(p))


def harmonise(gdf: gpd.GeoDataFrame, entry: dict[str, Any], info: LayerInfo) -> gpd.GeoDataFrame:
    """The layer's features in the schema of its target layer (fields, constants, zone classes).

    Raises
    ------
    ConfigError
        A mapped field the layer lacks, or a zone name without a shared class.
    InputDataError
        Geometries of the wrong kind for the target.
    """
    target = entry["target"]
    out: dict[str, Any] = {}
    for name in SCHEMA[target]:
        src = (entry.get("fields") or {}).get(name)
        if src is not None:
            if src not in gdf.columns:
                raise ConfigError(f"{info.source}: has no field {quote(src)} (mapped to {name}); its fields "
                                  f"are {quote(', '.join(c for c in gdf.columns if c != 'geometry'), 200)}.")
            # Keep missing values missing (astype(str) would turn them into the text "None").
            out[name] = [None if pd.isna(v) else str(v).strip() for v in gdf[src]]
        elif name in (entry.get("constants") or {}):
            out[name] = [str(entry["constants"][name])] * len(gdf)
        else:
            out[name] = [None] * len(gdf)
    if "country" in SCHEMA[target]:
        out["country"] = [str(entry["country"]).upper()] * len(gdf)
    if target == "zones":
        table = {str(k).strip(): v for k, v in (entry.get("zone_class") or {}).items()}
        missing = sorted({z for z in out["zone_national"] if z not in table}, key=str)
        if missing:
            raise ConfigError(f"{info.source}: zones {missing} have no zone_class in the mapping; add them.")
        out["zone_class"] = [table[z] for z in out["zone_national"]]
    out["source"] = [info.source] * len(gdf)
    kinds = gdf.geometry.geom_type
    if not kinds.isin(_GEOMETRY[target]).all():
        raise InputDataError(f"{info.source}: holds {sorted(set(kinds))} geometries, but {target} needs "
                             f"{' or '.join(_GEOMETRY[target])}; check the layer or its mapping target.")
    return gpd.GeoDataFrame(out, geometry=gdf.geometry.values, crs=gdf.crs)
