"""``corridors border``: how much current crosses each stretch of the state border, and where it is
pinched.

The border (lines, or polygons whose outlines are used; any CRS, moved onto the current map's grid
with the datum-safe operation for its area) is cut into segments of ``segment_km`` along its length.
Along each segment the current map is sampled once per cell length; the sum of those samples is the
segment's **crossing current** (for a straight border crossed at right angles it is exactly the
current passing through it; where the border runs obliquely it is an index proportional to it) and
their maximum is its **peak current**. Segments are ranked by crossing current. **Pinch points** are
the samples whose current is a local maximum along the border (within half a segment on either side)
and among the top ``pinch_share`` of all border samples: narrow places where much of the movement
funnels through.

Outputs (one folder, swapped into place when complete): ``border_segments.csv``, ``border.gpkg``
(layers ``segments`` and ``pinch_points``) and ``border.json`` (settings, input checksums, the datum
operation).
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from habitatmap import __version__
from habitatmap.errors import ConfigError, InputDataError

__all__ = ["BorderRun", "border_crossings"]


@dataclass
class BorderRun:
    """What :func:`border_crossings` produced."""

    out: Path
    segments: list[dict[str, object]]
    pinch_points: list[dict[str, object]]
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0


def border_crossings(current: str | os.PathLike[str], border: str, out: str | os.PathLike[str], *,
                     segment_km: float = 1.0, pinch_share: float = 0.05, exclude: str | None = None,
                     exclude_select: str | None = None, allow_ballpark: bool = False) -> BorderRun:
    """Rank border segments by the current crossing them and find pinch points.

    Parameters
    ----------
    current
        A current map (e.g. ``cum_current.tif`` from ``corridors circuit``).
    border
        The border, ``FILE[:LAYER]`` (lines or polygons).
    out
        Output folder.
    segment_km
        Length of the border segments.
    pinch_share
        Pinch points are local maxima among this top share of the border's samples.
    exclude, exclude_select
        Areas whose border stretch is left out (``FILE[:LAYER]``, optionally ``COLUMN=VALUE``): the
        focal regions of a circuit run, whose every cell carries the whole node's current.
    allow_ballpark
        Accept a zero-shift datum step for a border file on an older datum.
    """
    import geopandas as gpd
    import pandas as pd
    import rasterio
    import shapely
    import shapely.ops
    from rasterio.transform import rowcol

    from habitatmap.boundaries import read_layer
    from habitatmap.geodesy import transform_geometries
    from habitatmap.io import atomic_dir, check_output_folder, sha256_file, write_layers

    if segment_km <= 0:
        raise ConfigError(f"--segment-km {segment_km:g}: give a positive length.")
    if not 0 < pinch_share <= 1:
        raise ConfigError(f"--pinch-share {pinch_share:g}: give a share between 0 and 1.")
    t0 = time.perf_counter()
    out = Path(out)
    check_output_folder(out)
    try:
        with rasterio.open(current) as ds:
            cur = ds.read(1).astype(np.float64)
            if ds.nodata is not None and not math.isnan(ds.nodata):
                cur[cur == ds.nodata] = np.nan
            transform, crs, shape = ds.transform, ds.crs, (ds.height, ds.width)
    except rasterio.errors.RasterioError as err:
        raise InputDataError(f"{current}: not a readable raster ({err}); pass the current map from "
                             "'corridors circuit' (cum_current.tif).") from None
    if crs is None or not crs.is_projected:
        raise InputDataError(f"{current}: the current map needs a projected CRS (metres) to cut the "
                             "border into kilometres; reproject it first.")
    gdf, _ = read_layer(border)
    moved, op = transform_geometries(gdf.geometry.to_numpy(), gdf.crs, crs,
                                     allow_ballpark=allow_ballpark, what=f"border file {border}")
    lines = [shapely.boundary(g) if shapely.get_type_id(g) in (3, 6) else g for g in moved]
    merged = shapely.line_merge(shapely.union_all(lines))
    parts = [p for p in shapely.get_parts(merged) if shapely.get_type_id(p) == 1 and p.length > 0]
    if not parts:
        raise InputDataError(f"{border}: no lines or polygon outlines; pass the border as lines.")
    excluded = None
    if exclude:
        ex, _ = read_layer(exclude)
        if exclude_select:
            column, _, value = exclude_select.partition("=")
            if column.strip() not in ex.columns:
                raise InputDataError(f"{exclude}: no column {column.strip()!r} to select on; check "
                                     "the selection.")
            ex = ex[ex[column.strip()].astype(str) == value.strip()]
        ex_moved, _ = transform_geometries(ex.geometry.to_numpy(), ex.crs, crs,
                                           allow_ballpark=allow_ballpark, what=f"exclusion file {exclude}")
        import rasterio.features

        # By cell, with every cell the areas touch: a focal region's cells all carry its current.
        excluded = rasterio.features.rasterize([(g, 1) for g in ex_moved if g is not None], out_shape=shape,
                                               transform=transform, fill=0, dtype="uint8",
                                               all_touched=True).astype(bool)
    cell = abs(transform.a)
    seg_len = segment_km * 1000.0
    segments: list[dict[str, object]] = []
    samples: list[tuple[int, float, float, float, float]] = []  # segment, along (m), x, y, current
    for part_no, part in enumerate(parts, start=1):
        # A remainder under half a cell (e.g. a round trip through another CRS) joins the last segment.
        n_seg = max(1, math.ceil((part.length - cell / 2) / seg_len))
        for k in range(n_seg):
            start = k * seg_len
            end = part.length if k == n_seg - 1 else (k + 1) * seg_len
            geom = shapely.ops.substring(part, start, end)
            steps = (np.arange(start + cell / 2, end, cell) if end - start > cell
                     else np.array([(start + end) / 2]))
            pts = shapely.line_interpolate_point(part, steps)
            xy = shapely.get_coordinates(pts)
            rows, cols = rowcol(transform, xy[:, 0], xy[:, 1], op=np.floor)
            rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
            inside = (rows >= 0) & (rows < shape[0]) & (cols >= 0) & (cols < shape[1])
            vals = np.full(len(steps), np.nan)
            vals[inside] = cur[rows[inside], cols[inside]]
            if excluded is not None:
                hit = np.zeros(len(vals), dtype=bool)
                hit[inside] = excluded[rows[inside], cols[inside]]
                vals[hit] = np.nan
            sid = len(segments) + 1
            for s, (x, y), v in zip(steps, xy, vals, strict=True):
                samples.append((sid, float(s), float(x), float(y), float(v)))
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
        raise InputDataError(f"{border}: the border does not cross the current map {current}; check "
                             "that both cover the same area.")
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
    pinch: list[dict[str, object]] = []
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
    lonlat = gpd.GeoSeries([s["geometry"] for s in segments], crs=crs).to_crs("EPSG:4326")
    with atomic_dir(out) as tmp:
        cols = ["segment", "rank", "from_km", "to_km", "crossing_current", "share_pct", "peak_current",
                "samples"]
        table = pd.DataFrame([{k: s[k] for k in cols} for s in segments])
        mid = shapely.line_interpolate_point(lonlat.to_numpy(), 0.5, normalized=True)
        table["mid_lon"] = np.round(shapely.get_x(mid), 6)
        table["mid_lat"] = np.round(shapely.get_y(mid), 6)
        table["rank"] = table["rank"].astype("Int64")
        table = table.sort_values(["rank", "segment"], na_position="last")
        table.to_csv(tmp / "border_segments.csv", index=False)
        seg_gdf = gpd.GeoDataFrame([{k: s[k] for k in [*cols, "geometry"]} for s in segments],
                                   geometry="geometry", crs=crs)
        pin_gdf = (gpd.GeoDataFrame(pinch, geometry="geometry", crs=crs) if pinch else
                   gpd.GeoDataFrame({"rank": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs))
        write_layers(tmp / "border.gpkg", {"segments": seg_gdf, "pinch_points": pin_gdf})
        seconds = time.perf_counter() - t0
        record = {"software": f"habitatmap {__version__}",
                  "current": {"path": str(current), "sha256": sha256_file(current)},
                  "border": {"path": border, "operation": op.to_dict() if op else None},
                  "segment_km": segment_km, "pinch_share": pinch_share,
                  "excluded": {"path": exclude, "select": exclude_select} if exclude else None,
                  "crossing_current": "sum of the current map sampled once per cell length "
                                      "along the segment",
                  "seconds": round(seconds, 3)}
        (tmp / "border.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    for s in segments:
        s.pop("geometry", None)
    for p in pinch:
        p.pop("geometry", None)
    return BorderRun(out, segments, pinch, ["border_segments.csv", "border.gpkg", "border.json"], seconds)
