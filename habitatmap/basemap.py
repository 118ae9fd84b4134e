"""The unified 1:100000 base map: both sides' parks, zones and border in one project CRS, one schema,
with both sheet grids (and habitat polygons), in one GeoPackage with a provenance record.

Layers are read with :mod:`habitatmap.boundaries` (encoding and CRS checks, repair), moved onto the
project CRS with the datum operation for their area (printed and recorded), and harmonised through a
mapping file (``workflows/<site>_mapping.yaml``) onto one schema:

* ``parks``: country (ISO 3166 alpha-3), name_en, name_ru, name_zh, source;
* ``zones``: country, park_en, park_ru, park_zh, zone_national, zone_class, source;
* ``border``: name_en, name_ru, name_zh, source;
* ``sheets_sk42``, ``sheets_gbt13989``: frames of every sheet meeting the parks (see
  :mod:`habitatmap.sheets`); ``habitats`` with a habitat map (see :mod:`habitatmap.polygonize`).
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from habitatmap import __version__
from habitatmap.aoi import split_layer
from habitatmap.boundaries import LayerInfo, read_layer, repair, to_project_crs
from habitatmap.errors import ConfigError, InputDataError
from habitatmap.geodesy import lonlat_bounds, parse_crs
from habitatmap.grid import utm_epsg
from habitatmap.io import read_yaml, sha256_file, write_layers
from habitatmap.legend import Legend
from habitatmap.scale import SIMPLIFY_TOLERANCE_M
from habitatmap.vector_styles import layer_styles_table

__all__ = ["SCHEMA", "SLIVER_SEARCH_M", "BasemapResult", "Mapping", "build_basemap", "load_mapping",
           "sliver_report"]

#: Gaps between the two countries' parks are looked for this far from each park (5 mm at 1:100000):
#: a wider gap is a real gap in protection, not a digitising sliver.
SLIVER_SEARCH_M = 500.0

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
        from habitatmap.aoi import split_layer

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


def _harmonise(gdf: gpd.GeoDataFrame, entry: dict[str, Any], info: LayerInfo) -> gpd.GeoDataFrame:
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


def sliver_report(parks: gpd.GeoDataFrame, *, search_m: float = SLIVER_SEARCH_M) -> gpd.GeoDataFrame:
    """Where two countries' park layers overlap, or leave a gap between them, along their border.

    Returns one row per sliver: ``kind`` (``overlap`` or ``gap``), ``countries``, ``area_ha`` and
    ``max_width_m`` (diameter of the largest circle inside it), in the parks' CRS.
    """
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    countries = sorted(c for c in parks["country"].dropna().unique())
    for i, a in enumerate(countries):
        for b in countries[i + 1:]:
            pa = shapely.union_all(parks.geometry[parks["country"] == a].values)
            pb = shapely.union_all(parks.geometry[parks["country"] == b].values)
            both = shapely.union(pa, pb)
            # A morphological closing fills every gap narrower than search_m; keep what it adds
            # between the two countries (not notches in one park's own outline).
            r = search_m / 2
            closed = shapely.buffer(shapely.buffer(both, r, quad_segs=4), -r, quad_segs=4)
            between = shapely.intersection(shapely.buffer(pa, search_m), shapely.buffer(pb, search_m))
            pieces = {"overlap": shapely.intersection(pa, pb),
                      "gap": shapely.intersection(shapely.difference(closed, both), between)}
            for kind, geom in pieces.items():
                for part in shapely.get_parts(geom):
                    if part.geom_type != "Polygon" or part.area < 1.0:
                        continue
                    radius = shapely.length(shapely.maximum_inscribed_circle(part, 0.5))
                    rows.append({"kind": kind, "countries": f"{a}-{b}",
                                 "area_ha": round(part.area / 10_000, 4),
                                 "max_width_m": round(2 * radius, 1)})
                    geoms.append(part)
    return gpd.GeoDataFrame(rows or {"kind": [], "countries": [], "area_ha": [], "max_width_m": []},
                            geometry=geoms, crs=parks.crs)


def generalise(gdf: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Simplify for 1:100000. The polygons of one source form a coverage (a park's zones share
    edges) and are simplified together, so shared edges stay shared; lines are simplified alone."""
    if tolerance_m <= 0 or gdf.empty:
        return gdf
    geoms = np.array(gdf.geometry.values, dtype=object)
    out = geoms.copy()
    for source in gdf["source"].unique():
        idx = np.flatnonzero((gdf["source"] == source).to_numpy())
        part = geoms[idx]
        if all(g.geom_type in ("Polygon", "MultiPolygon") for g in part):
            simple = shapely.coverage_simplify(part, tolerance_m, simplify_boundary=True)
            bad = ~shapely.is_valid(simple)
            simple[bad] = shapely.make_valid(simple[bad])
        else:
            simple = shapely.simplify(part, tolerance_m, preserve_topology=True)
        out[idx] = simple
    return gdf.set_geometry(list(out), crs=gdf.crs)


@dataclass
class BasemapResult:
    """What :func:`build_basemap` wrote."""

    path: Path
    crs: str
    layers: dict[str, int]
    inputs: list[LayerInfo] = field(default_factory=list)
    slivers: gpd.GeoDataFrame | None = None


def build_basemap(
    layers: list[str],
    out: str | os.PathLike[str],
    mapping: Mapping,
    *,
    crs: str = "auto",
    habitat: str | os.PathLike[str] | None = None,
    legend: Legend,
    aoi: Any = None,
    encoding: str | None = None,
    assume_crs: str | None = None,
    allow_ballpark: bool = False,
    tolerance_m: float = SIMPLIFY_TOLERANCE_M,
) -> BasemapResult:
    """Assemble the base map GeoPackage from national layers.

    Parameters
    ----------
    layers
        ``FILE[:LAYER]`` of every input layer; each needs an entry in ``mapping``.
    out
        GeoPackage to write (replaced atomically).
    mapping
        From :func:`load_mapping`.
    crs
        Project CRS, or ``auto`` for the UTM zone of the parks' centroid (WGS 84 datum).
    habitat
        A habitat map to add as generalised ``habitats`` polygons.
    legend
        The legend (habitat names and colours, the habitats layer's style).
    aoi
        An :class:`habitatmap.aoi.Area`: the sheet grids cover it (instead of the parks' extent) and
        ``crs="auto"`` takes its UTM zone. Layers are not clipped to it.
    encoding, assume_crs
        For inputs without ``.cpg`` or without a CRS (applied to every layer that needs it).
    allow_ballpark
        Accept a zero-shift datum step from an older datum.
    tolerance_m
        Generalisation tolerance for parks, zones and border (default: 0.25 mm at 1:100000 = 25 m;
        0 keeps the geometry as received).
    """

    from habitatmap.sheets import SYSTEMS, sheet_frames

    read: list[tuple[gpd.GeoDataFrame, LayerInfo, dict[str, Any]]] = []
    for spec in layers:
        entry = mapping.for_layer(spec)
        gdf, info = read_layer(spec, encoding=encoding, assume_crs=assume_crs)
        read.append((repair(gdf, info), info, entry))
    if crs == "auto" and aoi is not None:
        crs = f"EPSG:{utm_epsg(aoi.lonlat.centroid.x, aoi.lonlat.centroid.y)}"
    elif crs == "auto":
        # The UTM zone of the parks' (else all layers') combined extent; rough degrees suffice.
        boxes = [lonlat_bounds(tuple(g.total_bounds), g.crs) for g, _, e in read if e["target"] != "border"] \
            or [lonlat_bounds(tuple(g.total_bounds), g.crs) for g, _, _ in read]
        w, s, e, n = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                      max(b[3] for b in boxes))
        crs = f"EPSG:{utm_epsg((w + e) / 2, (s + n) / 2)}"
    else:
        crs = parse_crs(crs)
    out_layers: dict[str, list[gpd.GeoDataFrame]] = {k: [] for k in SCHEMA}
    for gdf, info, entry in read:
        moved = to_project_crs(gdf, info, crs, allow_ballpark=allow_ballpark)
        out_layers[entry["target"]].append(_harmonise(moved, entry, info))
    frames = {k: gpd.GeoDataFrame(pd.concat(v, ignore_index=True), crs=crs) if v else
              gpd.GeoDataFrame({c: [] for c in SCHEMA[k]}, geometry=[], crs=crs)
              for k, v in out_layers.items()}
    parks = frames["parks"]
    if parks.empty:
        raise InputDataError("no parks layer among the inputs; the base map needs at least one park "
                             "outline (mapping target: parks).")
    # Slivers are measured on the layers as received, before generalisation changes them.
    frames["slivers"] = sliver_report(parks)
    extent = (aoi.to_crs(crs, allow_ballpark=allow_ballpark).geometry if aoi is not None
              else shapely.union_all(parks.geometry.values).envelope)
    for name in SCHEMA:
        frames[name] = generalise(frames[name], tolerance_m)
    sheet_ops = {}
    for system in SYSTEMS:
        frames[f"sheets_{system}"], sheet_ops[system] = sheet_frames(extent, crs, crs, system,
                                                                     allow_ballpark=allow_ballpark)
    if habitat is not None:
        from habitatmap.polygonize import habitat_polygons_from_file

        hab = habitat_polygons_from_file(habitat, legend)
        frames["habitats"] = to_project_crs(hab, LayerInfo(str(habitat), str(hab.crs), len(hab)), crs,
                                            allow_ballpark=allow_ballpark)
    provenance = {
        "product": "habitatmap base map 1:100000",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "crs": crs,
        "mapping": {"id": mapping.id, "path": mapping.source, "sha256": sha256_file(mapping.source)},
        "inputs": [{"source": i.source, "sha256": sha256_file(split_layer(i.source)[0])
                    if split_layer(i.source)[0].is_file() else None,
                    "crs": i.crs, "assumed_crs": i.assumed_crs, "encoding": i.encoding,
                    "features": i.features, "repaired": i.repaired, "dropped_empty": i.dropped_empty,
                    "operation": i.operation.to_dict() if i.operation else None} for _, i, _ in read],
        "sheet_operations": {k: v.to_dict() if v else None for k, v in sheet_ops.items()},
        "habitat": str(habitat) if habitat else None,
        "generalisation_tolerance_m": tolerance_m,
        "software": {"habitatmap": __version__, "python": platform.python_version(),
                     "pyproj": __import__("pyproj").__version__, "shapely": shapely.__version__},
    }
    zone_names = {k: v.get("en", k) for k, v in mapping.zone_classes.items()}
    tables = {"layer_styles": layer_styles_table(list(frames), legend, zone_names=zone_names),
              "provenance": pd.DataFrame({"key": ["provenance"],
                                          "value": [json.dumps(provenance, ensure_ascii=False)]})}
    write_layers(out, {**frames, **tables}, layer_options={"layer_styles": {"FID": "id"}})
    return BasemapResult(Path(out), crs, {k: len(v) for k, v in frames.items()}, [i for _, i, _ in read],
                         frames["slivers"])
