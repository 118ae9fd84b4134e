"""How the two sides' protection regimes meet: the figures of ``habitatmap zoning compare``.

Every figure is computed here from in-memory layers (no files, no printing):

* :func:`assign_levels` gives each zone polygon its zone type (from the law table) and level;
* :func:`level_areas` — area and share of each level per country and per protected area, in an
  equal-area CRS (:func:`equal_area_crs`);
* :func:`raster_by_level` — habitat composition of each level, high-value habitat for a species
  outside levels 1-2 (the gaps), and the corridor current each level captures, window by window;
* :func:`border_comparison` — along the border, the level facing each side within D km, the
  segments where they differ by 2 or more (mismatch), the activities prohibited on one side and
  allowed facing it (conflicts), and the depth from the border to the nearest level-1 zone;
* :func:`level_change` — the area of one side changing level between two zoning versions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.values import quote
from habitatmap.zoning.levels import ACTIVITIES, LEVELS
from habitatmap.zoning.table import ZoningTable, fold

__all__ = ["NO_ZONE", "RasterByLevel", "assign_levels", "border_comparison", "equal_area_crs", "level_areas",
           "level_change", "raster_by_level"]

#: The level of land outside every zone (for the border comparison).
NO_ZONE = 5


def equal_area_crs(lon: float, lat: float) -> str:
    """A Lambert azimuthal equal-area CRS centred on the area (centre rounded to 0.1 degree, so
    that the same area always gets the same CRS)."""
    return (f"+proj=laea +lat_0={round(lat, 1):g} +lon_0={round(lon, 1):g} +x_0=0 +y_0=0 +datum=WGS84 "
            "+units=m +no_defs +type=crs")


def assign_levels(frame: Any, table: ZoningTable, *, source: str, zone_field: str | None = None,
                  country: str | None = None, park_field: str | None = None,
                  values: dict[str, str] | None = None) -> Any:
    """The zone layer with its zone types and shared levels.

    Parameters
    ----------
    frame
        Zone polygons (a GeoDataFrame).
    table
        The law table.
    source
        The layer's name, for messages.
    zone_field
        The field naming each zone (default: ``zone_national`` of a base map, else WDPA's
        ``DESIG_ENG``).
    country
        ISO 3166 alpha-3 of the layer (default: its ``country`` or WDPA ``ISO3`` field).
    park_field
        The field naming the protected area (default: ``park_en``, else WDPA ``NAME``).
    values
        Layer value -> zone type id, for values the table's aliases do not know.

    Returns
    -------
    GeoDataFrame
        Columns ``country``, ``park``, ``zone_value``, ``zone_id``, ``level``, ``iucn`` (the zone
        type's, or WDPA ``IUCN_CAT`` when the layer carries it), ``wdpaid`` and ``desig_eng`` (when
        present), and the geometry.

    Raises
    ------
    ConfigError
        A value that is neither in the table nor in ``values`` (one sentence naming it and the
        file), or a field that is not there.
    """
    import geopandas as gpd

    cols = set(frame.columns)
    zf = zone_field or next((c for c in ("zone_national", "DESIG_ENG") if c in cols), None)
    if zf is None or zf not in cols:
        raise ConfigError(f"{source}: no zone field ({quote(zf or 'zone_national')} not among "
                          f"{quote(', '.join(sorted(cols - {'geometry'})), 120)}); name it with a mapping "
                          "file's zone_field.")
    if country is None and "country" not in cols and "ISO3" not in cols:
        raise ConfigError(f"{source}: the layer has no country field; give its country (ISO 3166 "
                          "alpha-3) in the mapping file.")
    countries = ([country] * len(frame) if country else
                 [str(v) for v in frame["country" if "country" in cols else "ISO3"]])
    pf = park_field or next((c for c in ("park_en", "NAME") if c in cols), None)
    mapped = {fold(k): v for k, v in (values or {}).items()}
    rows = []
    for i, (value, iso) in enumerate(zip(frame[zf], countries, strict=True)):
        zid = mapped.get(fold(value))
        zone = table.zones.get(zid) if zid else table.match(value, iso)
        if zid and zone is None:
            raise ConfigError(f"{source}: the mapping names zone type {quote(zid)} for {quote(value)}, "
                              f"but {table.source} has no such zone type; use one of its ids.")
        if zone is None:
            raise ConfigError(f"{source}: zone value {quote(value)} ({iso}) is not in the zoning table "
                              f"{table.source}; add it to a --mapping file as '{value}: <zone id>' or add an "
                              "alias to the table.")
        row = {"country": iso, "park": str(frame[pf].iloc[i]) if pf else "",
               **{f"park_{lang}": str(frame[f"park_{lang}"].iloc[i]) for lang in ("ru", "zh")
                  if f"park_{lang}" in cols},
               "zone_value": str(value),
               "zone_id": zone.id, "level": zone.level,
               "iucn": str(frame["IUCN_CAT"].iloc[i]) if "IUCN_CAT" in cols else (zone.iucn or "")}
        if "WDPAID" in cols:
            row["wdpaid"] = frame["WDPAID"].iloc[i]
        if "DESIG_ENG" in cols:
            row["desig_eng"] = str(frame["DESIG_ENG"].iloc[i])
        rows.append(row)
    return gpd.GeoDataFrame(rows, geometry=list(frame.geometry), crs=frame.crs)


def _by_strictest_level(zones: Any) -> list[tuple[int, Any]]:
    """``(level, shape)`` of the zones, each shape without the land of a stricter level: where
    zones overlap (a zapovednik inside a zakaznik) the land counts once, at the strictest level."""
    import shapely

    out, taken = [], None
    for level in LEVELS:
        geoms = zones.geometry[zones["level"] == level].to_numpy()
        if not len(geoms):
            continue
        shape = shapely.union_all(geoms)
        if taken is not None:
            shape = shapely.difference(shape, taken)
        taken = shape if taken is None else shapely.union(taken, shape)
        out.append((level, shape))
    return out


def level_areas(zones: Any) -> Any:
    """Area (ha) and share of each level per country and per protected area.

    ``zones`` must be on an equal-area CRS; overlaps within one country count once, for the
    strictest level (a zapovednik inside a zakaznik is level 1 there, not both).
    """
    import pandas as pd

    rows = [{"country": iso, "park": park, "level": level, "area_ha": shape.area / 1e4}
            for (iso, park), group in zones.groupby(["country", "park"], sort=True)
            for level, shape in _by_strictest_level(group)]
    table = pd.DataFrame(rows, columns=["country", "park", "level", "area_ha"])
    if table.empty:
        return table.assign(share_pct=[])
    by_country = table.groupby(["country", "level"], as_index=False)["area_ha"].sum().assign(park="(all)")
    table = pd.concat([table, by_country], ignore_index=True)
    totals = table.groupby(["country", "park"])["area_ha"].transform("sum")
    table["share_pct"] = (100 * table["area_ha"] / totals).round(2)
    table["area_ha"] = table["area_ha"].round(2)
    return table.sort_values(["country", "park", "level"]).reset_index(drop=True)


@dataclass
class RasterByLevel:
    """What the rasters hold in each level: habitat hectares, gap hectares and polygons, current."""

    habitat: Any  # DataFrame: level (0 = outside every zone), class key, hectares, share of the level
    gaps: Any  # DataFrame: class key, hectares of high-value habitat outside levels 1-2
    gap_polygons: Any  # GeoDataFrame on the habitat's CRS: class key, hectares, geometry
    current: Any  # DataFrame: level, current, share of the cumulative current (or None)
    pixel_ha: float


def _burn(by_level: dict[int, list[Any]], grid: Any, window: Any) -> np.ndarray:
    """The strictest level of every pixel of ``window`` (0 outside every zone)."""
    import rasterio.features

    sub = grid.subgrid(window)
    out = np.zeros(sub.shape, dtype=np.uint8)
    # Least strict first, so the strictest level is burned last and wins.
    for level in sorted(by_level, reverse=True):
        rasterio.features.rasterize(by_level[level], out=out, transform=sub.transform, default_value=level)
    return out


def raster_by_level(zones: Any, habitat: Any, legend: Any, *, species: str | None = None,
                    max_resistance: float = 10.0, current: Any = None, exclude: Any = None,
                    block: int = 2048) -> RasterByLevel:
    """Habitat composition, gaps and captured current by level, read window by window.

    Parameters
    ----------
    zones
        Zones with levels, on the habitat map's CRS.
    habitat
        An open habitat map (rasterio dataset) of legend codes.
    legend
        The legend (class keys, and each class's resistance for ``species``).
    species
        Gaps are the classes whose resistance for this species is at most ``max_resistance``
        (high-value habitat) lying outside levels 1-2; None skips the gaps.
    current
        An open cumulative current map on the habitat map's grid, or None.
    exclude
        Geometries (on the habitat map's CRS) whose cells are left out of the current: the focal
        regions of a circuit run, whose every cell carries its whole node's current.
    """
    import geopandas as gpd
    import pandas as pd
    import rasterio.features
    import shapely

    from habitatmap.grid import Grid
    from habitatmap.io.raster import read_window

    grid = Grid.from_dataset(habitat)
    grid.require_projected("the habitat map", why="areas need metres")
    pixel_ha = grid.pixel_area_m2("the habitat map") / 1e4
    if current is not None and Grid.from_dataset(current) != grid:
        raise InputDataError("the current map is not on the habitat map's grid; give the cum_current.tif "
                             "made from this habitat map.")
    codes = np.array(legend.codes)
    valuable = np.zeros(256, dtype=bool)
    if species is not None:
        if species not in legend.species:
            raise ConfigError(f"--species {quote(species)}: not a species of the legend; use one of "
                              f"{', '.join(legend.species)}.")
        for code, value in legend.resistance(species).items():
            valuable[code] = value <= max_resistance
    counts = np.zeros((len(LEVELS) + 1, 256), dtype=np.int64)
    cur = np.zeros(len(LEVELS) + 1)
    cur_total = 0.0
    pieces: list[tuple[int, Any]] = []
    by_level = {level: geoms for level in LEVELS
                if (geoms := [g for g in zones.geometry[zones["level"] == level]
                              if g is not None and not g.is_empty])}
    for win in grid.blocks(block):
        lv = _burn(by_level, grid, win)
        h = read_window(habitat, 1, window=win).astype(np.int64)
        np.add.at(counts, (lv.ravel(), np.clip(h.ravel(), 0, 255)), 1)
        if current is not None:
            c = read_window(current, 1, window=win).astype(np.float64)
            ok = np.isfinite(c)
            if exclude is not None and len(exclude):
                sub = grid.subgrid(win)
                ok &= rasterio.features.rasterize(list(exclude), out_shape=sub.shape, transform=sub.transform,
                                                  fill=0, dtype="uint8", all_touched=True) == 0
            cur_total += float(c[ok].sum())
            cur += np.bincount(lv[ok], weights=c[ok], minlength=len(cur))[:len(cur)]
        if species is not None:
            gap = valuable[np.clip(h, 0, 255)] & ~np.isin(lv, (1, 2))
            if gap.any():
                sub = grid.subgrid(win)
                for geom, code in rasterio.features.shapes(np.where(gap, h, 0).astype(np.uint8), mask=gap,
                                                           transform=sub.transform):
                    pieces.append((int(code), shapely.geometry.shape(geom)))
    rows = []
    for level in range(len(LEVELS) + 1):
        total = int(counts[level, codes].sum())
        for c in legend.classes:
            n = int(counts[level, c.code])
            if n:
                rows.append({"level": level, "class": c.key, "area_ha": round(n * pixel_ha, 2),
                             "share_pct": round(100 * n / total, 2)})
    gap_rows, gap_polys = [], []
    if species is not None:
        for c in legend.classes:
            if valuable[c.code]:
                n = int(sum(counts[level, c.code] for level in (0, 3, 4)))
                gap_rows.append({"class": c.key, "area_ha": round(n * pixel_ha, 2)})
        by_code: dict[int, list[Any]] = {}
        for code, geom in pieces:
            by_code.setdefault(code, []).append(geom)
        for code, geoms in sorted(by_code.items()):
            for g in shapely.get_parts(shapely.union_all(geoms)):
                gap_polys.append({"class": legend.by_code(code).key, "area_ha": round(g.area / 1e4, 2),
                                  "geometry": g})
    gaps = pd.DataFrame(gap_rows, columns=["class", "area_ha"])
    polys = gpd.GeoDataFrame(gap_polys, geometry="geometry", crs=grid.crs) if gap_polys else \
        gpd.GeoDataFrame({"class": [], "area_ha": []}, geometry=gpd.GeoSeries([], crs=grid.crs), crs=grid.crs)
    current_table = None
    if current is not None:
        current_table = pd.DataFrame([
            {"level": lv, "current": round(float(cur[lv]), 6),
             "share_pct": round(100 * cur[lv] / cur_total, 2) if cur_total else None}
            for lv in range(len(cur))])
    return RasterByLevel(pd.DataFrame(rows, columns=["level", "class", "area_ha", "share_pct"]), gaps, polys,
                         current_table, pixel_ha)


def _dominant(zones: Any, area: Any) -> tuple[int, Any]:
    """The level (and zone row) covering most of ``area``; (NO_ZONE, None) when nothing does."""
    import shapely

    best, best_area = (NO_ZONE, None), 0.0
    for k in sorted(zones.sindex.query(area)):  # only the zones near the segment, in row order
        row = zones.iloc[int(k)]
        a = shapely.intersection(row.geometry, area).area
        # Ties go to the stricter level: the table's strictest reading of the shared stretch.
        if a > best_area + 1e-6 or (abs(a - best_area) <= 1e-6 and a > 0 and row["level"] < best[0]):
            best, best_area = (int(row["level"]), row), a
    return best


def border_comparison(zones: Any, border: Any, table: ZoningTable, *, segment_km: float = 1.0,
                      mismatch_km: float = 2.0) -> Any:
    """The border in segments, with the level each side shows within ``mismatch_km`` of it.

    Parameters
    ----------
    zones
        Zones with levels of exactly two countries, on an equal-area (metric) CRS.
    border
        The border as shapely lines on the same CRS.
    table
        The law table (the activities of each zone type).
    segment_km, mismatch_km
        Segment length, and how far from a segment the zones facing it are looked for.

    Returns
    -------
    GeoDataFrame
        Per segment: ``segment``, ``from_km``, ``to_km``, ``length_km``, for each of the two
        countries A and B (in alphabetical order) ``level_<A>``, ``zone_<A>``, ``depth_l1_<A>_km``
        (the distance from the segment to that country's nearest level-1 zone), ``difference``,
        ``mismatch`` (levels differ by 2 or more, no zone counting as level 5) and ``conflicts``
        (activities prohibited on one side and allowed on the other, comma-separated).

    Raises
    ------
    ConfigError, InputDataError
        Lengths that are not positive; zones of other than two countries; no border lines.
    """
    import geopandas as gpd
    import shapely

    from habitatmap.corridors.border import border_parts, cut_line

    for name, v in (("--segment-km", segment_km), ("--mismatch-km", mismatch_km)):
        if not (math.isfinite(v) and v > 0):
            raise ConfigError(f"{name} {v:g}: not a length; give kilometres above 0.")
    countries = sorted(set(zones["country"]))
    if len(countries) != 2:
        raise InputDataError(f"the zones are of {len(countries)} countries ({', '.join(countries)}); the "
                             "border comparison needs the zones of the two countries on either side.")
    by_country = {c: zones[zones["country"] == c] for c in countries}
    strict = {c: shapely.union_all(g.geometry[g["level"] == 1].to_numpy()) if (g["level"] == 1).any()
              else None for c, g in by_country.items()}
    rows = []
    for part in border_parts(border):
        for start, end, geom in cut_line(part, segment_km * 1000.0, 1.0):
            reach = shapely.buffer(geom, mismatch_km * 1000.0)
            row: dict[str, Any] = {"segment": len(rows) + 1, "from_km": round(start / 1000, 3),
                                   "to_km": round(end / 1000, 3), "length_km": round((end - start) / 1000, 3)}
            facing = {}
            for c in countries:
                level, zone = _dominant(by_country[c], reach)
                facing[c] = zone
                row[f"level_{c}"] = level
                row[f"zone_{c}"] = zone["zone_id"] if zone is not None else ""
                row[f"depth_l1_{c}_km"] = round(shapely.distance(geom, strict[c]) / 1000, 3) \
                    if strict[c] is not None else None
            a, b = (row[f"level_{c}"] for c in countries)
            row["difference"] = abs(a - b)
            row["mismatch"] = bool(abs(a - b) >= 2 and not (a == NO_ZONE and b == NO_ZONE))
            conflicts = []
            za, zb = (facing[c] for c in countries)
            if za is not None and zb is not None:
                ra, rb = table.zones[za["zone_id"]].activities, table.zones[zb["zone_id"]].activities
                conflicts = [act for act in ACTIVITIES if {ra[act], rb[act]} == {"prohibited", "allowed"}]
            row["conflicts"] = ",".join(conflicts)
            row["geometry"] = geom
            rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=zones.crs)


def level_change(before: Any, after: Any) -> Any:
    """Area (ha) of one side changing level between two zoning versions, by (from, to) level pair.

    Both layers must be on the same equal-area CRS; land zoned in only one version counts as
    level 0 (outside every zone) in the other.
    """
    import pandas as pd
    import shapely

    b, a = _by_strictest_level(before), _by_strictest_level(after)
    all_b = shapely.union_all([s for _, s in b]) if b else shapely.Polygon()
    all_a = shapely.union_all([s for _, s in a]) if a else shapely.Polygon()
    rows = []
    for lb, sb in [*b, (0, shapely.difference(all_a, all_b))]:
        for la, sa in [*a, (0, shapely.difference(all_b, all_a))]:
            if lb == 0 and la == 0:
                continue
            area = shapely.intersection(sb, sa).area / 1e4
            if area > 1e-6:
                rows.append({"from_level": lb, "to_level": la, "area_ha": round(area, 2)})
    return pd.DataFrame(rows, columns=["from_level", "to_level", "area_ha"])
