"""How much current crosses each stretch of the state border, and where it is pinched.

The border (lines, or polygons whose outlines are used; any CRS, moved onto the current map's grid
with the datum-safe operation for its area) is cut into segments of ``segment_km`` along its length.
Along each segment the current map is sampled once per cell length; the sum of those samples is the
segment's **crossing current** (for a straight border crossed at right angles it is exactly the
current passing through it; where the border runs obliquely it is an index proportional to it) and
their maximum is its **peak current**. Segments are ranked by crossing current. **Pinch points** are
the samples whose current is a local maximum along the border (within half a segment on either side)
and among the top ``pinch_share`` of all border samples: narrow places where much of the movement
funnels through.

:func:`border_crossings` computes; :func:`write_border` writes ``border_segments.csv``,
``border.gpkg`` (layers ``segments`` and ``pinch_points``) and ``provenance.json``;
:func:`run_border` reads the files, computes and writes.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.grid import Grid
from habitatmap.provenance import Provenance

__all__ = ["BorderResult", "BorderRun", "border_crossings", "border_parts", "cut_line", "run_border",
           "write_border"]

PRODUCT = "corridors.border"
SEGMENT_COLUMNS = ["segment", "rank", "from_km", "to_km", "crossing_current", "share_pct", "peak_current",
                   "samples"]
#: Most samples taken along a border (bounds the work of a tiny --segment-km on a long border).
MAX_SAMPLES = 5_000_000


@dataclass
class BorderResult:
    """Border segments ranked by crossing current, and pinch points (see :func:`border_crossings`).

    Attributes
    ----------
    segments
        One dict per segment (columns :data:`SEGMENT_COLUMNS`, plus ``part`` and ``geometry``).
    pinch_points
        One dict per pinch point: ``segment``, ``along_km``, ``current``, ``rank``, ``geometry``.
    crs
        CRS of the geometries.
    """

    segments: list[dict[str, Any]]
    pinch_points: list[dict[str, Any]]
    crs: str


@dataclass
class BorderRun:
    """What :func:`run_border` produced (segments and pinch points without geometry)."""

    out: Path
    segments: list[dict[str, object]]
    pinch_points: list[dict[str, object]]
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0


def border_parts(border: Any) -> list[Any]:
    """The border's lines merged into parts (LineStrings of positive length).

    Raises
    ------
    InputDataError
        If there are no lines.
    """
    import shapely

    merged = shapely.line_merge(shapely.union_all(border)) if border is not None else None
    parts = [p for p in shapely.get_parts(merged) if shapely.get_type_id(p) == 1 and p.length > 0] \
        if merged is not None else []
    if not parts:
        raise InputDataError("the border has no lines or polygon outlines; pass the border as lines.")
    return parts


def cut_line(part: Any, length: float, slack: float) -> list[tuple[float, float, Any]]:
    """``(start, end, segment)`` pieces of ``length`` along a line; a remainder shorter than
    ``slack`` joins the last piece (e.g. half a cell left over by a round trip through another CRS)."""
    import shapely.ops

    n_seg = max(1, math.ceil((part.length - slack) / length))
    pieces = []
    for k in range(n_seg):
        start = k * length
        end = part.length if k == n_seg - 1 else (k + 1) * length
        pieces.append((start, end, shapely.ops.substring(part, start, end)))
    return pieces


def border_crossings(current: np.ndarray, grid: Grid, border: Any, *, segment_km: float = 1.0,
                     pinch_share: float = 0.05, excluded: np.ndarray | None = None) -> BorderResult:
    """Rank border segments by the current crossing them and find pinch points.

    Parameters
    ----------
    current
        A current map on ``grid`` (NaN where there is no data).
    grid
        A projected grid (metres).
    border
        The border as shapely lines in the grid's CRS.
    segment_km
        Length of the border segments; at least one cell.
    pinch_share
        Pinch points are local maxima among this top share of the border's samples.
    excluded
        Cells whose current is left out (the focal regions of a circuit run, whose every cell carries
        the whole node's current).

    Raises
    ------
    ConfigError
        A segment length that is not a finite length of at least one cell, or a share outside (0, 1].
    InputDataError
        No lines, or a border that does not cross the map.
    """
    import shapely

    grid.require_projected("the current map", why="the border cannot be cut into kilometres")
    cell = abs(grid.transform.a)
    if not (math.isfinite(segment_km) and segment_km * 1000.0 >= cell):
        raise ConfigError(f"--segment-km {segment_km:g}: shorter than a cell of the current map; give a "
                          f"finite length of at least one cell ({cell / 1000:g} km).")
    if not (math.isfinite(pinch_share) and 0 < pinch_share <= 1):
        raise ConfigError(f"--pinch-share {pinch_share:g}: not a share; give a share between 0 and 1.")
    parts = border_parts(border)
    total_length = sum(p.length for p in parts)
    if total_length / cell > MAX_SAMPLES:
        raise InputDataError(f"the border is {total_length / 1000:.0f} km long, more than "
                             f"{MAX_SAMPLES} cells of {cell:g} m to sample; use a coarser current map "
                             "or clip the border to the area.")
    seg_len = segment_km * 1000.0
    segments: list[dict[str, Any]] = []
    samples: list[tuple[int, float, float, float, float]] = []  # segment, along (m), x, y, current
    for part_no, part in enumerate(parts, start=1):
        for start, end, geom in cut_line(part, seg_len, cell / 2):
            steps = (np.arange(start + cell / 2, end, cell) if end - start > cell
                     else np.array([(start + end) / 2]))
            xy = shapely.get_coordinates(shapely.line_interpolate_point(part, steps))
            rows, cols = grid.rowcol(xy[:, 0], xy[:, 1])
            inside = grid.contains(rows, cols)
            vals = np.full(len(steps), np.nan)
            vals[inside] = current[rows[inside], cols[inside]]
            if excluded is not None:
                hit = np.zeros(len(vals), dtype=bool)
                hit[inside] = excluded[rows[inside], cols[inside]]
                vals[hit] = np.nan
            sid = len(segments) + 1
            samples += [(sid, float(s), float(x), float(y), float(v))
                        for s, (x, y), v in zip(steps, xy, vals, strict=True)]
            valid = np.isfinite(vals)
            segments.append({
                "segment": sid, "part": part_no,
                "from_km": round(start / 1000, 3), "to_km": round(end / 1000, 3),
                "samples": int(valid.sum()),
                "crossing_current": float(vals[valid].sum()) if valid.any() else None,
                "peak_current": float(vals[valid].max()) if valid.any() else None,
                "geometry": geom,
            })
    if not any(s["samples"] for s in segments):
        raise InputDataError("the border does not cross the current map; check that both cover the "
                             "same area.")
    total = sum(s["crossing_current"] or 0.0 for s in segments)
    ranked = sorted((s for s in segments if s["crossing_current"] is not None),
                    key=lambda s: -float(s["crossing_current"]))
    for rank, s in enumerate(ranked, start=1):
        s["rank"] = rank
        s["share_pct"] = round(100.0 * float(s["crossing_current"]) / total, 2) if total > 0 else None
    for s in segments:
        s.setdefault("rank", None)
        s.setdefault("share_pct", None)
    # Pinch points: local maxima along each part among the top share of all samples.
    vals = np.array([v for *_, v in samples])
    finite = vals[np.isfinite(vals)]
    threshold = float(np.quantile(finite, 1 - pinch_share)) if len(finite) else math.inf
    window = max(1, round(seg_len / 2 / cell))
    pinch: list[dict[str, Any]] = []
    seg_of = np.array([sid for sid, *_ in samples])
    for i, (sid, along, x, y, v) in enumerate(samples):
        if not np.isfinite(v) or v < threshold or v <= 0:
            continue
        lo, hi = max(0, i - window), min(len(samples), i + window + 1)
        same_part = [j for j in range(lo, hi)
                     if segments[seg_of[j] - 1]["part"] == segments[sid - 1]["part"]]
        neigh = np.array([samples[j][4] for j in same_part])
        duplicate = any(p["segment"] == sid and abs(p["along_km"] * 1000 - along) < cell for p in pinch)
        if v >= np.nanmax(neigh) and not duplicate:
            pinch.append({"segment": sid, "along_km": round(along / 1000, 3), "current": v,
                          "geometry": shapely.Point(x, y)})
    pinch.sort(key=lambda p: -float(p["current"]))
    for rank, p in enumerate(pinch, start=1):
        p["rank"] = rank
    return BorderResult(segments, pinch, grid.crs)


def write_border(result: BorderResult, folder: Path, record: Provenance | None = None) -> list[str]:
    """Write a :class:`BorderResult` into ``folder``; returns the file names."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from habitatmap.geodesy import to_crs
    from habitatmap.io.vector import write_layers

    crs = result.crs
    seg_gdf = gpd.GeoDataFrame([{k: s[k] for k in [*SEGMENT_COLUMNS, "geometry"]} for s in result.segments],
                               geometry="geometry", crs=crs)
    lonlat, _ = to_crs(seg_gdf[["geometry"]], "EPSG:4326", what="border segments", densify=False)
    table = pd.DataFrame([{k: s[k] for k in SEGMENT_COLUMNS} for s in result.segments])
    mid = shapely.line_interpolate_point(lonlat.geometry.to_numpy(), 0.5, normalized=True)
    table["mid_lon"] = np.round(shapely.get_x(mid), 6)
    table["mid_lat"] = np.round(shapely.get_y(mid), 6)
    table["rank"] = table["rank"].astype("Int64")
    table.sort_values(["rank", "segment"], na_position="last").to_csv(folder / "border_segments.csv",
                                                                      index=False)
    pin_gdf = (gpd.GeoDataFrame(result.pinch_points, geometry="geometry", crs=crs) if result.pinch_points
               else gpd.GeoDataFrame({"rank": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs))
    write_layers(folder / "border.gpkg", {"segments": seg_gdf, "pinch_points": pin_gdf}, provenance=record)
    return ["border_segments.csv", "border.gpkg"]


def run_border(current: str | os.PathLike[str], border: str, out: str | os.PathLike[str], *,
               segment_km: float = 1.0, pinch_share: float = 0.05, exclude: str | None = None,
               exclude_select: str | None = None, allow_ballpark: bool = False) -> BorderRun:
    """Read a current map and a border, rank the border segments and write them to ``out``.

    Parameters
    ----------
    current
        A current map (e.g. ``cum_current.tif`` from ``corridors circuit``).
    border
        The border, ``FILE[:LAYER]`` (lines or polygons).
    out
        Output folder (kept; only this command's own products are replaced).
    segment_km, pinch_share
        As for :func:`border_crossings`.
    exclude, exclude_select
        Areas whose border stretch is left out (``FILE[:LAYER]``, optionally ``COLUMN=VALUE``).
    allow_ballpark
        Accept a zero-shift datum step for files on an older datum.
    """
    import rasterio.features

    from habitatmap.corridors.focal import read_lines, select_features
    from habitatmap.geodesy import transform_geometries
    from habitatmap.io.atomic import OutputFolder
    from habitatmap.io.paths import split_layer
    from habitatmap.io.raster import read_raster
    from habitatmap.io.vector import read_vector

    record = Provenance(PRODUCT, parameters={
        "segment_km": segment_km, "pinch_share": pinch_share, "exclude_select": exclude_select,
        "crossing_current": "sum of the current map sampled once per cell length along the segment"})
    raster = read_raster(current, what="current map", dtype=np.float64)
    grid = raster.grid
    grid.require_projected(str(current), why="the border cannot be cut into kilometres")
    record.add_input("current", current)
    lines, op = read_lines(border, grid, allow_ballpark=allow_ballpark)
    path, layer = split_layer(border)
    record.add_input("border", path, layer=layer)
    record.add_operation(f"border {border}", op)
    excluded = None
    if exclude:
        ex, info = read_vector(exclude, what="exclusion layer")
        ex = select_features(ex, exclude_select, info.source)
        moved, ex_op = transform_geometries(ex.geometry.to_numpy(), ex.crs, grid.crs,
                                            allow_ballpark=allow_ballpark, what=f"exclusion file {exclude}")
        # By cell, with every cell the areas touch: a focal region's cells all carry its current.
        excluded = rasterio.features.rasterize([(g, 1) for g in moved if g is not None and not g.is_empty],
                                               out_shape=grid.shape, transform=grid.transform, fill=0,
                                               dtype="uint8", all_touched=True).astype(bool) \
            if len(moved) else None
        ex_path, ex_layer = split_layer(exclude)
        record.add_input("excluded", ex_path, layer=ex_layer)
        record.add_operation(f"exclusion {exclude}", ex_op)
    try:
        result = border_crossings(raster.data, grid, lines, segment_km=segment_km, pinch_share=pinch_share,
                                  excluded=excluded)
    except InputDataError as err:
        raise InputDataError(f"{border}: {err}") from None
    with OutputFolder(out, product=PRODUCT) as folder:
        files = write_border(result, folder.staging, record)
        folder.set_record(record)
    segments = [{k: v for k, v in s.items() if k != "geometry"} for s in result.segments]
    pinch = [{k: v for k, v in p.items() if k != "geometry"} for p in result.pinch_points]
    return BorderRun(Path(out), segments, pinch, [*files, "provenance.json"],
                     float(record.timings.get("seconds", 0.0)))
