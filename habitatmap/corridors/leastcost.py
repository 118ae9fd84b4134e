"""Least-cost corridors between core areas, as Linkage Mapper defines them.

:func:`least_cost_corridors` computes, from a resistance grid and focal cores: the cost-weighted
distance from each core, the least-cost path of every core pair, Linkage Mapper's normalised
least-cost corridors (CWD_A + CWD_B - LCD, mosaicked as the minimum over pairs), a corridor table
and where each path crosses a border. :func:`write_leastcost` writes them into one output folder:

* ``cwd_<id>.tif`` — cost-weighted distance from each core (float32 COG, resistance x metres);
* ``corridors.tif`` — the normalised corridor mosaic (0 on a least-cost path);
* ``corridors.csv`` — one row per core pair: least-cost distance, path length, Euclidean
  (edge-to-edge) distance, cost-to-Euclidean ratio, border crossings;
* ``corridors.gpkg`` — layers ``paths`` (lines), ``corridors`` (polygons of the normalised corridor
  below the width cutoff, per pair) and, with a border, ``crossings`` (points);
* ``provenance.json`` — inputs with checksums, settings, the datum operations used.

:func:`run_leastcost` reads the files, computes and writes.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.corridors.costdist import corridor, cost_distance, least_cost_path
from habitatmap.corridors.focal import Focal
from habitatmap.errors import ConfigError
from habitatmap.grid import Grid
from habitatmap.provenance import Provenance

__all__ = ["LeastCostResult", "LeastCostRun", "least_cost_corridors", "run_leastcost", "write_leastcost"]

PRODUCT = "corridors.leastcost"
TABLE_COLUMNS = ["core_a", "name_a", "core_b", "name_b", "linked", "lcd", "path_length_m", "euclidean_m",
                 "cost_to_euclidean", "border_crossings"]


@dataclass
class LeastCostResult:
    """Least-cost corridors of one resistance grid (see :func:`least_cost_corridors`).

    Attributes
    ----------
    grid
        The grid of every raster here.
    table
        One row (dict) per core pair, columns :data:`TABLE_COLUMNS`.
    cwd
        Core id -> cost-weighted distance grid (float32, NaN where unreachable or no data); memory
        mapped from the scratch folder when one was given.
    mosaic
        The normalised least-cost corridor mosaic (float32, NaN where no pair reaches).
    paths, corridors, crossings
        GeoDataFrames of the least-cost paths, the corridor polygons and the border crossings (None
        without a border).
    """

    grid: Grid
    table: list[dict[str, object]]
    cwd: dict[int, np.ndarray]
    mosaic: np.ndarray
    paths: Any
    corridors: Any
    crossings: Any = None


@dataclass
class LeastCostRun:
    """What :func:`run_leastcost` produced."""

    out: Path
    table: list[dict[str, object]]
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _frame(rows: list[dict[str, object]], crs: str) -> Any:
    import geopandas as gpd

    if not rows:  # an empty layer still gets its name and CRS in the GeoPackage
        return gpd.GeoDataFrame({"core_a": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def _distance_store(scratch: Path | None, shape: tuple[int, int], core: int) -> np.ndarray:
    if scratch is None:
        return np.empty(shape, dtype=np.float32)
    from habitatmap.io.atomic import scratch_array

    return scratch_array(scratch / f"cwd_{core}.npy", shape, np.float32)


def _check_limits(max_distance: float | None, width_cutoff: float | None) -> None:
    for name, value in (("--max-distance", max_distance), ("--width-cutoff", width_cutoff)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ConfigError(f"{name} {value:g}: not a cost distance; give a positive, finite number.")


def least_cost_corridors(resistance: np.ndarray, grid: Grid, cores: Focal, *, border: Any = None,
                         max_distance: float | None = None, width_cutoff: float | None = None,
                         scratch: str | os.PathLike[str] | None = None) -> LeastCostResult:
    """Least-cost corridors between the cores on a resistance grid.

    Parameters
    ----------
    resistance
        Resistances (> 0) on ``grid``; NaN cells are impassable.
    grid
        A projected grid with square cells.
    cores
        Core areas or points on the grid (see :func:`habitatmap.corridors.focal.place_focal`).
    border
        The state border as a shapely (multi)line in the grid's CRS: where each path crosses it.
    max_distance
        Cost-weighted distance beyond which cores are not linked (and distances not computed).
    width_cutoff
        Corridor polygons hold the cells whose normalised corridor value is below this (cost units);
        default: 5% of the pair's least-cost distance.
    scratch
        A folder for the distance grids (memory-mapped), so memory holds two of them at a time
        however many cores there are; None keeps them in memory.

    Raises
    ------
    ConfigError
        A non-positive or non-finite limit, or cells that are not square.
    """
    import rasterio.features
    import shapely
    from scipy.spatial import cKDTree

    _check_limits(max_distance, width_cutoff)
    if not grid.square:
        raise ConfigError(f"the resistance grid ({grid.crs}) has cells that are not square; resample to "
                          "square cells first.")
    cellsize = abs(grid.transform.a)
    ids = [int(i) for i in cores.points.unique_ids]
    cells = {i: np.column_stack([cores.points.rows[cores.points.ids == i],
                                 cores.points.cols[cores.points.ids == i]]) for i in ids}
    limit = math.inf if max_distance is None else float(max_distance)
    res32 = np.ascontiguousarray(resistance, dtype=np.float32)
    store = Path(scratch) if scratch is not None else None
    cwd: dict[int, np.ndarray] = {}
    for i in ids:
        d = cost_distance(res32, cells[i], cellsize=cellsize, max_distance=limit)
        out = _distance_store(store, grid.shape, i)
        out[:] = np.where(np.isinf(d), np.nan, d)
        cwd[i] = out
        del d
    table: list[dict[str, object]] = []
    paths, polys, crossings = [], [], []
    mosaic = np.full(grid.shape, np.inf)
    xy = {i: np.column_stack(grid.xy(cells[i][:, 0], cells[i][:, 1])) for i in ids}
    for a_pos, a in enumerate(ids):
        cwd_a = np.where(np.isnan(cwd[a]), np.inf, cwd[a]).astype(np.float64)
        for b in ids[a_pos + 1:]:
            cb = cells[b]
            vals = cwd_a[cb[:, 0], cb[:, 1]]
            euclid = float(cKDTree(xy[a]).query(xy[b])[0].min()) if len(xy[a]) else math.nan
            euclid = max(euclid - cellsize, 0.0)  # centre-to-centre of edge cells to edge-to-edge
            row: dict[str, object] = {"core_a": a, "name_a": cores.names.get(a, str(a)),
                                      "core_b": b, "name_b": cores.names.get(b, str(b)),
                                      "euclidean_m": round(euclid, 1)}
            if not np.isfinite(vals).any():
                row.update(linked=False, lcd=None, path_length_m=None, cost_to_euclidean=None,
                           border_crossings=None)
                table.append(row)
                continue
            k = int(np.nanargmin(vals))
            lcd = float(vals[k])
            path = least_cost_path(cwd_a, resistance, (int(cb[k, 0]), int(cb[k, 1])), cellsize=cellsize)
            pxy = np.column_stack(grid.xy(path[:, 0], path[:, 1]))
            line = shapely.LineString(pxy) if len(pxy) > 1 else shapely.Point(pxy[0])
            length = float(shapely.length(line))
            cwd_b = np.where(np.isnan(cwd[b]), np.inf, cwd[b]).astype(np.float64)
            nlcc = corridor(cwd_a, cwd_b, lcd)
            del cwd_b
            cutoff = width_cutoff if width_cutoff is not None else 0.05 * lcd
            inside = np.isfinite(nlcc) & (nlcc <= cutoff)
            np.minimum(mosaic, np.where(np.isfinite(nlcc), nlcc, np.inf), out=mosaic)
            shapes = [shapely.geometry.shape(g) for g, v in rasterio.features.shapes(
                inside.astype(np.uint8), mask=inside, transform=grid.transform) if v == 1]
            poly = shapely.union_all(shapes) if shapes else None
            n_cross = 0
            if border is not None and isinstance(line, shapely.LineString):
                hit = shapely.intersection(line, border)
                pts = [] if hit.is_empty else list(shapely.points(shapely.get_coordinates(hit)))
                n_cross = len(pts)
                crossings += [{"core_a": a, "core_b": b, "geometry": p} for p in pts]
            row.update(linked=True, lcd=round(lcd, 3), path_length_m=round(length, 1),
                       cost_to_euclidean=round(lcd / euclid, 3) if euclid > 0 else None,
                       border_crossings=n_cross if border is not None else None)
            table.append(row)
            paths.append({**{k2: row[k2] for k2 in ("core_a", "core_b", "name_a", "name_b", "lcd",
                                                     "path_length_m", "cost_to_euclidean")},
                          "geometry": line})
            if poly is not None:
                polys.append({"core_a": a, "core_b": b, "cutoff": cutoff,
                              "area_ha": round(float(shapely.area(poly)) / 1e4, 2), "geometry": poly})
        del cwd_a
    mosaic[np.isinf(mosaic) | ~np.isfinite(resistance)] = np.nan
    return LeastCostResult(grid, table, cwd, mosaic.astype(np.float32), _frame(paths, grid.crs),
                           _frame(polys, grid.crs),
                           _frame(crossings, grid.crs) if border is not None else None)


def write_leastcost(result: LeastCostResult, folder: Path, record: Provenance | None = None) -> list[str]:
    """Write a :class:`LeastCostResult` into ``folder`` (e.g. an :class:`habitatmap.io.OutputFolder`'s
    staging folder); returns the file names."""
    import pandas as pd

    from habitatmap.io.raster import write_cog
    from habitatmap.io.vector import write_layers

    tags = record.tags() if record is not None else {}
    files = []
    for core, d in result.cwd.items():
        name = f"cwd_{core}.tif"
        write_cog(folder / name, np.asarray(d, dtype=np.float32), grid=result.grid, nodata=float("nan"),
                  band_descriptions=[f"CWD from core {core}"], resampling="average",
                  tags={"UNITS": "resistance x metres", "CORE": str(core), **tags})
        files.append(name)
    write_cog(folder / "corridors.tif", result.mosaic, grid=result.grid, nodata=float("nan"),
              band_descriptions=["normalised least-cost corridor"], resampling="average",
              tags={"DEFINITION": "min over pairs of CWD_A + CWD_B - LCD_AB", **tags})
    pd.DataFrame(result.table, columns=TABLE_COLUMNS).to_csv(folder / "corridors.csv", index=False)
    layers = {"paths": result.paths, "corridors": result.corridors}
    if result.crossings is not None:
        layers["crossings"] = result.crossings
    write_layers(folder / "corridors.gpkg", layers, provenance=record)
    return [*files, "corridors.tif", "corridors.csv", "corridors.gpkg"]


def run_leastcost(resistance: str | os.PathLike[str], cores: str, out: str | os.PathLike[str], *,
                  max_distance: float | None = None, width_cutoff: float | None = None,
                  border: str | None = None, id_field: str | None = None, select: str | None = None,
                  allow_ballpark: bool = False) -> LeastCostRun:
    """Read a resistance GeoTIFF, cores and a border, compute the corridors and write them to ``out``.

    Parameters
    ----------
    resistance
        Resistance GeoTIFF; NaN cells are impassable.
    cores
        Core areas (polygons) or points, ``FILE[:LAYER]``.
    out
        Output folder (kept; only this command's own products are replaced).
    max_distance, width_cutoff
        As for :func:`least_cost_corridors`.
    border
        The state border (lines or polygons, ``FILE[:LAYER]``).
    id_field, select, allow_ballpark
        As for :func:`habitatmap.corridors.focal.read_focal`.
    """
    from habitatmap.corridors.focal import read_focal, read_lines, read_resistance
    from habitatmap.io.atomic import OutputFolder, scratch_folder
    from habitatmap.io.paths import split_layer

    _check_limits(max_distance, width_cutoff)  # before any reading
    record = Provenance(PRODUCT, parameters={
        "max_distance": max_distance, "width_cutoff": width_cutoff or "5% of each pair's LCD",
        "select": select, "id_field": id_field,
        "cost_model": "mean resistance of the two cells x centre distance (8 neighbours)"})
    res, grid = read_resistance(resistance)
    grid.require_projected(str(resistance))
    record.add_input("resistance", resistance)
    focal = read_focal(cores, grid, res, id_field=id_field, select=select, allow_ballpark=allow_ballpark,
                       what="core")
    core_path, core_layer = split_layer(cores)
    record.add_input("cores", core_path, layer=core_layer, ids=[int(i) for i in focal.points.unique_ids])
    record.add_operation(f"cores {cores}", focal.operation)
    border_geom = None
    if border:
        border_geom, op = read_lines(border, grid, allow_ballpark=allow_ballpark)
        border_path, border_layer = split_layer(border)
        record.add_input("border", border_path, layer=border_layer)
        record.add_operation(f"border {border}", op)
    with OutputFolder(out, product=PRODUCT) as folder, scratch_folder(folder.path) as scratch:
        result = least_cost_corridors(res, grid, focal, border=border_geom, max_distance=max_distance,
                                      width_cutoff=width_cutoff, scratch=scratch)
        files = write_leastcost(result, folder.staging, record)
        folder.set_record(record)
    return LeastCostRun(Path(out), result.table, [*files, "provenance.json"],
                        float(record.timings.get("seconds", 0.0)))
