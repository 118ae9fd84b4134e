"""Attribute mapping of national layers onto one schema (``workflows/<site>_mapping.yaml``).

Each input layer (file name, or file name:layer) names its target layer of the base map, its
country, which of its fields fill which schema fields, constants, and how its national zone names
map onto the shared zone classes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from habitatmap.basemap.layers import LayerInfo
from habitatmap.errors import ConfigError, InputDataError
from habitatmap.io.paths import split_layer
from habitatmap.io.yaml import read_yaml

__all__ = ["SCHEMA", "Mapping", "harmonise", "load_mapping"]

SCHEMA: dict[str, list[str]] = {
    "parks": ["country", "name_en", "name_ru", "name_zh", "source"],
    "zones": ["country", "park_en", "park_ru", "park_zh", "zone_national", "zone_class", "source"],
    "border": ["name_en", "name_ru", "name_zh", "source"],
}
_GEOMETRY = {"parks": ("Polygon", "MultiPolygon"), "zones": ("Polygon", "MultiPolygon"),
             "border": ("LineString", "MultiLineString")}



@dataclass(frozen=True)
class Mapping:
    """A validated mapping file: per input layer, its target layer and how its fields map."""

    id: str
    layers: dict[str, dict[str, Any]]
    zone_classes: dict[str, dict[str, str]]
    source: str

    def for_layer(self, spec: str) -> dict[str, Any]:
        """The entry for ``FILE[:LAYER]`` (matched on the file name and layer)."""
        path, layer = split_layer(spec)
        key = path.name + (f":{layer}" if layer else "")
        if key not in self.layers:
            raise ConfigError(f"{self.source}: no entry for layer {key!r}; add one under 'layers' "
                              f"(entries: {', '.join(self.layers)}).")
        return self.layers[key]


def load_mapping(path: str | os.PathLike[str]) -> Mapping:
    """Read and check a mapping YAML file.

    Raises
    ------
    ConfigError
        With one sentence naming the file, the entry and the fix.
    """
    p = Path(path)
    doc = read_yaml(p, what="mapping file", missing="start from workflows/tumen_mapping.yaml")
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), dict):
        raise ConfigError(f"{p}: no 'layers' mapping; start from workflows/tumen_mapping.yaml.")
    classes = doc.get("zone_classes") or {}
    for key, entry in doc["layers"].items():
        target = (entry or {}).get("target")
        if target not in SCHEMA:
            raise ConfigError(f"{p}: layer {key!r}: target must be one of {', '.join(SCHEMA)}, "
                              f"got {target!r}.")
        unknown = set((entry.get("fields") or {}) | (entry.get("constants") or {})) - set(SCHEMA[target])
        if unknown:
            raise ConfigError(f"{p}: layer {key!r}: {sorted(unknown)} are not fields of {target} "
                              f"({', '.join(SCHEMA[target])}).")
        bad = sorted(set((entry.get("zone_class") or {}).values()) - set(classes))
        if bad:
            raise ConfigError(f"{p}: layer {key!r}: zone classes {bad} are not declared under zone_classes.")
        if target != "border" and not entry.get("country"):
            raise ConfigError(f"{p}: layer {key!r}: give its country (ISO 3166 alpha-3, e.g. RUS or CHN).")
    return Mapping(str((doc.get("mapping") or {}).get("id", p.stem)), doc["layers"], classes, str(p))


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
                raise ConfigError(f"{info.source}: has no field {src!r} (mapped to {name}); its fields are "
                                  f"{', '.join(c for c in gdf.columns if c != 'geometry')}.")
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
