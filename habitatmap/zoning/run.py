"""``habitatmap zoning compare``: read the zone layers, move them datum-safely, compare, write.

A mapping file (``--mapping``) says, where the layers do not, which field names the zone, which the
protected area, the layer's country, and which zone type a value means::

    zoning_mapping:
      layers:
        ru_zones.shp: {country: RUS, zone_field: ZONE, park_field: NAME}
      values:
        "1": ru_np_zapovednaya        # a layer value -> a zone type id of styles/zoning.yaml
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from habitatmap.errors import ConfigError
from habitatmap.provenance import Provenance
from habitatmap.values import validation_problem

__all__ = ["PRODUCT", "ZoningRun", "load_zoning_mapping", "read_zones", "run_compare"]

PRODUCT = "zoning.compare"

_Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _LayerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    zone_field: _Name | None = None
    park_field: _Name | None = None


class _Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    layers: dict[_Name, _LayerEntry] = Field(default_factory=dict)
    values: dict[_Name, _Name] = Field(default_factory=dict)


@dataclass
class ZoningRun:
    """What a comparison wrote and found."""

    out: Path
    files: list[str]
    crs: str
    areas: Any
    segments: Any = None
    operations: dict[str, Any] = field(default_factory=dict)


def load_zoning_mapping(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a zoning mapping file: ``{"layers": {name: entry}, "values": {value: zone id}}``.

    Raises
    ------
    ConfigError
        Naming the file and the field.
    """
    from habitatmap.io.yaml import read_yaml

    p = Path(path)
    doc = read_yaml(p, what="zoning mapping", missing="pass an existing --mapping file")
    if not isinstance(doc, dict) or not isinstance(doc.get("zoning_mapping"), dict):
        raise ConfigError(f"{p}: no top-level 'zoning_mapping' mapping; see docs/zoning.md for the format.")
    raw = doc["zoning_mapping"]
    if isinstance(raw.get("values"), dict):  # layer values may be numbers (zone 1, 2, 3)
        raw = {**raw, "values": {str(k): v for k, v in raw["values"].items()}}
    try:
        m = _Mapping.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"{p}: {validation_problem(err, 'zoning_mapping.')}; correct it in the mapping "
                          "file.") from None
    return {"layers": {k: v.model_dump() for k, v in m.layers.items()}, "values": dict(m.values)}


def read_zones(specs: list[str], table: Any, *, mapping: dict[str, Any] | None = None, crs: str | None = None,
               allow_ballpark: bool = False, record: Provenance | None = None) -> tuple[Any, str, dict]:
    """Read zone layers (``FILE[:LAYER]``), give them levels and move them onto one equal-area CRS.

    Returns
    -------
    (GeoDataFrame, crs, operations)
        The zones of all layers; the CRS (``crs``, or :func:`equal_area_crs` of their centre); the
        datum operation that moved each layer.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from habitatmap.geodesy import lonlat_bounds, to_crs
    from habitatmap.io.paths import split_layer
    from habitatmap.io.vector import read_vector
    from habitatmap.zoning.compare import assign_levels, equal_area_crs

    mapping = mapping or {"layers": {}, "values": {}}
    frames, ops = [], {}
    for spec in specs:
        gdf, info = read_vector(spec, what="zone layer")
        path, layer = split_layer(spec)
        key = path.name + (f":{layer}" if layer else "")
        entry = mapping["layers"].get(key) or mapping["layers"].get(path.name) or {}
        zoned = assign_levels(gdf, table, source=info.source, zone_field=entry.get("zone_field"),
                              country=entry.get("country"), park_field=entry.get("park_field"),
                              values=mapping["values"])
        frames.append((spec, zoned, info))
        if record is not None:
            record.add_input("zones", path, layer=layer)
    if crs is None:
        bounds = [lonlat_bounds(tuple(z.total_bounds), z.crs) for _, z, _ in frames if len(z)]
        if not bounds:
            raise ConfigError(f"{', '.join(specs)}: no zone polygons; pass layers with zones.")
        w, s = min(b[0] for b in bounds), min(b[1] for b in bounds)
        e, n = max(b[2] for b in bounds), max(b[3] for b in bounds)
        crs = equal_area_crs((w + e) / 2, (s + n) / 2)
    moved = []
    for spec, zoned, info in frames:
        z, op = to_crs(zoned, crs, allow_ballpark=allow_ballpark, what=f"zone layer {info.source}")
        ops[spec] = op
        if record is not None:
            record.add_operation(f"zones {spec}", op)
        z = z[~z.geometry.is_empty & z.geometry.notna()].copy()
        z["geometry"] = shapely.make_valid(z.geometry.to_numpy())
        z["source"] = Path(split_layer(spec)[0]).name
        moved.append(z)
    out = gpd.GeoDataFrame(pd.concat(moved, ignore_index=True), geometry="geometry", crs=crs)
    return out, crs, ops


def run_compare(zones: list[str], out: str | os.PathLike[str], legend: Any, *, mapping: str | None = None,
                habitat: str | os.PathLike[str] | None = None, current: str | os.PathLike[str] | None = None,
                border: str | None = None, species: str | None = None, max_resistance: float = 10.0,
                exclude: str | None = None, exclude_select: str | None = None,
                mismatch_km: float = 2.0, segment_km: float = 1.0, before: str | None = None,
                after: str | None = None, lang: str = "en", table: str | os.PathLike[str] | None = None,
                crs: str | None = None, allow_ballpark: bool = False) -> ZoningRun:
    """Compare zoning layers and write the report, CSVs, GeoPackage and charts into ``out``.

    Parameters
    ----------
    zones
        Zone layers of both sides (``FILE[:LAYER]``; a base map's ``zones`` layer works as it is).
    out
        Output folder (kept; only this command's products are replaced).
    legend
        The legend (habitat names, resistances).
    mapping
        A zoning mapping file (fields, countries, values -> zone types).
    habitat, current
        The habitat map and a cumulative current map on its grid, for composition, gaps and current.
    border
        The border (``FILE[:LAYER]``), for the along-border comparison.
    species, max_resistance
        Gaps: classes with at most this resistance for the species, outside levels 1-2.
    exclude, exclude_select
        Areas left out of the current figures (``FILE[:LAYER]``, optionally ``COLUMN=VALUE``): the
        focal regions of the circuit run, whose every cell carries the whole node's current.
    mismatch_km, segment_km
        How far from the border the facing zones are looked for; border segment length.
    before, after
        Two versions of one side's zoning (``FILE[:LAYER]``): the area changing level.
    lang
        Language of the report.
    table
        The zoning table (default: the bundled ``styles/zoning.yaml``).
    crs
        The equal-area CRS for areas (default: a Lambert azimuthal equal-area CRS centred on the zones).
    allow_ballpark
        Accept a zero-shift datum step for layers on an older datum.
    """
    from habitatmap.corridors.focal import read_lines
    from habitatmap.geodesy import to_crs
    from habitatmap.grid import Grid
    from habitatmap.io.atomic import OutputFolder
    from habitatmap.io.paths import split_layer
    from habitatmap.io.raster import open_raster
    from habitatmap.legend.model import check_language
    from habitatmap.zoning.compare import border_comparison, level_areas, level_change, raster_by_level
    from habitatmap.zoning.report import ZoningComparison, write_comparison
    from habitatmap.zoning.table import load_zoning

    check_language(lang)
    if crs is not None:
        from habitatmap.geodesy import parse_crs

        crs = parse_crs(crs)
    if (before is None) != (after is None):
        raise ConfigError("--before and --after go together: give both versions of the side's zoning.")
    law = load_zoning(table)
    mapping_doc = load_zoning_mapping(mapping) if mapping else None
    record = Provenance(PRODUCT, parameters={
        "mismatch_km": mismatch_km, "segment_km": segment_km, "species": species,
        "max_resistance": max_resistance, "lang": lang, "zoning_table": law.version,
        "level_rule": "habitatmap.zoning.levels.protection_level"})
    record.add_input("zoning table", law.source)
    if mapping:
        record.add_input("mapping", mapping)
    levels, area_crs, ops = read_zones(zones, law, mapping=mapping_doc, crs=crs,
                                       allow_ballpark=allow_ballpark, record=record)
    result = ZoningComparison(levels, level_areas(levels), area_crs, species=species)
    if habitat is not None:
        with open_raster(habitat, what="habitat map") as hab:
            grid = Grid.from_dataset(hab)
            on_grid, op = to_crs(levels, grid.crs, allow_ballpark=allow_ballpark, what="zones")
            record.add_input("habitat", habitat)
            cur_ds = open_raster(current, what="current map") if current is not None else None
            excluded = None
            if exclude is not None:
                from habitatmap.corridors.focal import select_features
                from habitatmap.geodesy import transform_geometries
                from habitatmap.io.vector import read_vector

                ex, info = read_vector(exclude, what="exclusion layer")
                ex = select_features(ex, exclude_select, info.source)
                excluded, ex_op = transform_geometries(ex.geometry.to_numpy(), ex.crs, grid.crs,
                                                       allow_ballpark=allow_ballpark,
                                                       what=f"exclusion {exclude}")
                excluded = [g for g in excluded if g is not None and not g.is_empty]
                record.add_input("excluded", split_layer(exclude)[0], layer=split_layer(exclude)[1])
                record.add_operation(f"exclusion {exclude}", ex_op)
                record.parameters["exclude_select"] = exclude_select
            try:
                result.by_level = raster_by_level(on_grid, hab, legend, species=species,
                                                  max_resistance=max_resistance, current=cur_ds,
                                                  exclude=excluded)
            finally:
                if cur_ds is not None:
                    cur_ds.close()
            if current is not None:
                record.add_input("current", current)
    elif current is not None or species is not None:
        raise ConfigError("--current and --species need --habitat (the grid they are read on); pass the "
                          "habitat map.")
    if border is not None:
        lines, op = read_lines(border, area_crs, allow_ballpark=allow_ballpark)
        path, layer = split_layer(border)
        record.add_input("border", path, layer=layer)
        record.add_operation(f"border {border}", op)
        result.segments = border_comparison(levels, lines, law, segment_km=segment_km,
                                            mismatch_km=mismatch_km)
    if before is not None and after is not None:
        b, _, _ = read_zones([before], law, mapping=mapping_doc, crs=area_crs, allow_ballpark=allow_ballpark,
                             record=record)
        a, _, _ = read_zones([after], law, mapping=mapping_doc, crs=area_crs, allow_ballpark=allow_ballpark,
                             record=record)
        result.change = level_change(b, a)
    with OutputFolder(out, product=PRODUCT) as folder:
        files = write_comparison(result, folder.staging, legend, lang=lang, record=record)
        folder.set_record(record)
    return ZoningRun(Path(out), [*files, "provenance.json"], area_crs, result.areas, result.segments, ops)

