"""The unified 1:100000 base map: both sides' parks, zones and border in one project CRS, one schema,
with both sheet grids (and habitat polygons), in one GeoPackage with a provenance record.

Layers are read with :mod:`habitatmap.basemap.layers` (encoding and CRS checks, repair), moved onto
the project CRS with the datum operation for their area (printed and recorded), and harmonised
through a mapping file (:mod:`habitatmap.basemap.mapping`) onto one schema:

* ``parks``: country (ISO 3166 alpha-3), name_en, name_ru, name_zh, source;
* ``zones``: country, park_en, park_ru, park_zh, zone_national, zone_class, source;
* ``border``: name_en, name_ru, name_zh, source;
* ``sheets_sk42``, ``sheets_gbt13989``: frames of every sheet meeting the parks (see
  :mod:`habitatmap.basemap.sheets`); ``habitats`` with a habitat map (see
  :mod:`habitatmap.habitat.polygonize`); ``slivers`` (see :mod:`habitatmap.basemap.slivers`).

:func:`build_basemap` computes the layers (a :class:`Basemap`), :func:`write_basemap` writes them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from habitatmap.basemap.layers import LayerInfo, read_layer, repair, to_project_crs
from habitatmap.basemap.mapping import SCHEMA, Mapping, harmonise
from habitatmap.basemap.slivers import sliver_report
from habitatmap.basemap.styles import layer_styles_table
from habitatmap.errors import InputDataError
from habitatmap.geodesy import lonlat_bounds, parse_crs
from habitatmap.grid import utm_epsg
from habitatmap.io.paths import split_layer
from habitatmap.io.vector import write_layers
from habitatmap.legend.model import Legend
from habitatmap.provenance import Provenance
from habitatmap.scale import SIMPLIFY_TOLERANCE_M

__all__ = ["Basemap", "BasemapResult", "build_basemap", "generalise", "read_basemap", "write_basemap"]


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
class Basemap:
    """The base map's layers in one project CRS, before writing.

    Attributes
    ----------
    crs
        The project CRS.
    frames
        Layer name -> GeoDataFrame (parks, zones, border, slivers, sheet grids, habitats).
    inputs
        What was read, and how it was moved.
    zone_names
        Shared zone class -> English name (for the zones layer's style).
    provenance
        The record of how it was made.
    """

    crs: str
    frames: dict[str, gpd.GeoDataFrame]
    inputs: list[LayerInfo] = field(default_factory=list)
    zone_names: dict[str, str] = field(default_factory=dict)
    provenance: Provenance | None = None

    @property
    def slivers(self) -> gpd.GeoDataFrame:
        """Cross-border overlaps and gaps (see :func:`habitatmap.basemap.slivers.sliver_report`)."""
        return self.frames["slivers"]


@dataclass
class BasemapResult:
    """What :func:`write_basemap` wrote."""

    path: Path
    crs: str
    layers: dict[str, int]
    inputs: list[LayerInfo] = field(default_factory=list)
    slivers: gpd.GeoDataFrame | None = None


def _auto_crs(read: list[tuple[gpd.GeoDataFrame, LayerInfo, dict[str, Any]]], aoi: Any) -> str:
    if aoi is not None:
        return f"EPSG:{utm_epsg(aoi.lonlat.centroid.x, aoi.lonlat.centroid.y)}"
    empty = [info.source for g, info, _ in read if not len(g)]
    read = [r for r in read if len(r[0])]
    if not read:
        raise InputDataError(f"{', '.join(empty)[:300]}: every input layer is empty, so the base map "
                             "has nothing to show; give layers with features.")
    # The UTM zone of the parks' (else all layers') combined extent; rough degrees suffice.
    boxes = [lonlat_bounds(tuple(g.total_bounds), g.crs) for g, _, e in read if e["target"] != "border"] \
        or [lonlat_bounds(tuple(g.total_bounds), g.crs) for g, _, _ in read]
    w, s, e, n = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                  max(b[3] for b in boxes))
    return f"EPSG:{utm_epsg((w + e) / 2, (s + n) / 2)}"


def build_basemap(
    layers: list[str],
    mapping: Mapping,
    *,
    legend: Legend,
    crs: str = "auto",
    habitat: str | os.PathLike[str] | None = None,
    aoi: Any = None,
    encoding: str | None = None,
    assume_crs: str | None = None,
    allow_ballpark: bool = False,
    tolerance_m: float = SIMPLIFY_TOLERANCE_M,
) -> Basemap:
    """Assemble the base map's layers from national layers.

    Parameters
    ----------
    layers
        ``FILE[:LAYER]`` of every input layer; each needs an entry in ``mapping``.
    mapping
        From :func:`habitatmap.basemap.mapping.load_mapping`.
    legend
        The legend (habitat names and colours, the habitats layer's style).
    crs
        Project CRS, or ``auto`` for the UTM zone of the parks' centroid (WGS 84 datum).
    habitat
        A habitat map to add as generalised ``habitats`` polygons.
    aoi
        An :class:`habitatmap.area.Area`: the sheet grids cover it (instead of the parks' extent) and
        ``crs="auto"`` takes its UTM zone. Layers are not clipped to it.
    encoding, assume_crs
        For inputs without ``.cpg`` or without a CRS (applied to every layer that needs it).
    allow_ballpark
        Accept a zero-shift datum step from an older datum.
    tolerance_m
        Generalisation tolerance for parks, zones and border (default: 0.25 mm at 1:100000 = 25 m;
        0 keeps the geometry as received).

    Raises
    ------
    InputDataError, ConfigError, GeodesyError
        Unreadable or unmapped layers, no parks, no safe datum transformation.
    """
    from habitatmap.basemap.sheets import SYSTEMS, sheet_frames

    record = Provenance("basemap", parameters={
        "crs": crs, "tolerance_m": tolerance_m, "mapping": mapping.id, "encoding": encoding,
        "assume_crs": assume_crs, "allow_ballpark": allow_ballpark, "aoi": getattr(aoi, "source", None)})
    record.add_input("mapping", mapping.source)
    read: list[tuple[gpd.GeoDataFrame, LayerInfo, dict[str, Any]]] = []
    for spec in layers:
        entry = mapping.for_layer(spec)
        gdf, info = read_layer(spec, encoding=encoding, assume_crs=assume_crs)
        read.append((repair(gdf, info), info, entry))
    crs = _auto_crs(read, aoi) if crs == "auto" else parse_crs(crs)
    out_layers: dict[str, list[gpd.GeoDataFrame]] = {k: [] for k in SCHEMA}
    for gdf, info, entry in read:
        moved = to_project_crs(gdf, info, crs, allow_ballpark=allow_ballpark)
        out_layers[entry["target"]].append(harmonise(moved, entry, info))
        record.add_input(entry["target"], split_layer(info.source)[0], layer=split_layer(info.source)[1],
                         crs=info.crs, assumed_crs=info.assumed_crs, encoding=info.encoding,
                         features=info.features, repaired=info.repaired, dropped_empty=info.dropped_empty)
        record.add_operation(info.source, info.operation)
    frames = {k: gpd.GeoDataFrame(pd.concat(v, ignore_index=True), crs=crs) if v else
              gpd.GeoDataFrame({c: [] for c in SCHEMA[k]}, geometry=[], crs=crs)
              for k, v in out_layers.items()}
    parks = frames["parks"]
    if parks.empty:
        raise InputDataError("no park outline among the inputs (mapping target: parks), or the park "
                             "layers are empty; the base map needs at least one park polygon.")
    # Slivers are measured on the layers as received, before generalisation changes them.
    frames["slivers"] = sliver_report(parks)
    extent = (aoi.to_crs(crs, allow_ballpark=allow_ballpark).geometry if aoi is not None
              else shapely.union_all(parks.geometry.values).envelope)
    for name in SCHEMA:
        frames[name] = generalise(frames[name], tolerance_m)
    for system in SYSTEMS:
        frames[f"sheets_{system}"], op = sheet_frames(extent, crs, crs, system, allow_ballpark=allow_ballpark)
        record.add_operation(f"{system} sheet frames", op)
    if habitat is not None:
        from habitatmap.habitat.polygonize import habitat_polygons_from_file

        record.add_input("habitat map", habitat)
        hab = habitat_polygons_from_file(habitat, legend)
        info = LayerInfo(str(habitat), str(hab.crs), len(hab))
        frames["habitats"] = to_project_crs(hab, info, crs, allow_ballpark=allow_ballpark)
        record.add_operation(f"habitat polygons {habitat}", info.operation)
    zone_names = {k: v.get("en", k) for k, v in mapping.zone_classes.items()}
    return Basemap(crs, frames, [i for _, i, _ in read], zone_names, record)


def write_basemap(basemap: Basemap, out: str | os.PathLike[str], legend: Legend) -> BasemapResult:
    """Write the base map as one GeoPackage (atomically) with QGIS styles and its provenance."""
    frames = basemap.frames
    styles = layer_styles_table(list(frames), legend, zone_names=basemap.zone_names)
    write_layers(out, {**frames, "layer_styles": styles}, layer_options={"layer_styles": {"FID": "id"}},
                 provenance=basemap.provenance)
    return BasemapResult(Path(out), basemap.crs, {k: len(v) for k, v in frames.items()}, basemap.inputs,
                         frames["slivers"])


def read_basemap(path: str | os.PathLike[str],
                 layers: list[str] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Layers of a base map GeoPackage (all geometry layers, or those of ``layers`` it has).

    Raises
    ------
    InputDataError
        If the file is missing, unreadable or not a habitatmap base map (no ``parks`` layer).
    """
    from habitatmap.io.vector import list_layers, read_vector

    p = Path(path)
    if not p.is_file():
        raise InputDataError(f"{p}: base map not found; build it with 'habitatmap basemap'.")
    available = {name: geom for name, geom in list_layers(p, what="base map")}
    if "parks" not in available:
        raise InputDataError(f"{p}: not a habitatmap base map (no 'parks' layer); build it with "
                             "'habitatmap basemap'.")
    wanted = [n for n in (layers if layers is not None else available) if n in available
              and available[n] is not None]
    return {n: read_vector(f"{p}:{n}", what="base map layer")[0] for n in wanted}
