"""``corridors leastcost``: cost-weighted distance from each core, least-cost paths between core
pairs, Linkage Mapper's normalised least-cost corridors, a corridor table and a GeoPackage.

Outputs (one folder, swapped into place when complete):

* ``cwd_<id>.tif`` — cost-weighted distance from each core (float32 COG, resistance x metres);
* ``corridors.tif`` — the normalised corridor mosaic: for each cell the smallest
  CWD_A + CWD_B - LCD_AB over the linked pairs (0 on a least-cost path), as Linkage Mapper mosaics it;
* ``corridors.csv`` — one row per core pair: least-cost distance, path length, Euclidean
  (edge-to-edge) distance, cost-to-Euclidean ratio, border crossings;
* ``corridors.gpkg`` — layers ``paths`` (lines), ``corridors`` (polygons of the normalised corridor
  below the width cutoff, per pair) and, with a border, ``crossings`` (points);
* ``leastcost.json`` — settings, inputs with checksums, the datum operations used.
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
from habitatmap.corridors.costdist import corridor, cost_distance, least_cost_path
from habitatmap.corridors.focal import read_focal, read_resistance
from habitatmap.errors import ConfigError
from habitatmap.grid import Grid

__all__ = ["LeastCostRun", "run_leastcost"]


@dataclass
class LeastCostRun:
    """What :func:`run_leastcost` produced."""

    out: Path
    table: list[dict[str, object]]
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _cells_xy(grid: Grid, cells: np.ndarray) -> np.ndarray:
    t = grid.transform
    cols, rows = cells[:, 1] + 0.5, cells[:, 0] + 0.5
    return np.column_stack([t.c + cols * t.a + rows * t.b, t.f + cols * t.d + rows * t.e])


def run_leastcost(resistance: str | os.PathLike[str], cores: str, out: str | os.PathLike[str], *,
                  max_distance: float | None = None, width_cutoff: float | None = None,
                  border: str | None = None, id_field: str | None = None, select: str | None = None,
                  allow_ballpark: bool = False) -> LeastCostRun:
    """Least-cost corridors between core areas.

    Parameters
    ----------
    resistance
        Resistance GeoTIFF; NaN cells are impassable.
    cores
        Core areas (polygons) or points, ``FILE[:LAYER]``.
    out
        Output folder.
    max_distance
        Cost-weighted distance beyond which cores are not linked (and distances not computed).
    width_cutoff
        Corridor polygons hold the cells whose normalised corridor value is below this (cost units);
        default: 5% of the pair's least-cost distance.
    border
        The state border (lines or polygons, ``FILE[:LAYER]``): where each path crosses it.
    id_field, select, allow_ballpark
        As for :func:`habitatmap.corridors.focal.read_focal`.
    """
    import geopandas as gpd
    import rasterio.features
    import shapely
    from scipy.spatial import cKDTree

    from habitatmap.io import atomic_dir, check_output_folder, sha256_file, write_cog, write_layers

    if max_distance is not None and max_distance <= 0:
        raise ConfigError(f"--max-distance {max_distance:g}: give a positive cost distance.")
    if width_cutoff is not None and width_cutoff <= 0:
        raise ConfigError(f"--width-cutoff {width_cutoff:g}: give a positive cost distance.")
    t0 = time.perf_counter()
    out = Path(out)
    check_output_folder(out)
    res, grid = read_resistance(resistance)
    cellsize = abs(grid.transform.a)
    if not math.isclose(abs(grid.transform.a), abs(grid.transform.e), rel_tol=1e-9):
        raise ConfigError(f"{resistance}: cells are not square; resample to square cells first.")
    focal = read_focal(cores, grid, res, id_field=id_field, select=select, allow_ballpark=allow_ballpark,
                       what="core")
    ids = [int(i) for i in focal.points.unique_ids]
    cells = {i: np.column_stack([focal.points.rows[focal.points.ids == i],
                                 focal.points.cols[focal.points.ids == i]]) for i in ids}
    border_geom = None
    border_op = None
    if border:
        from habitatmap.boundaries import read_layer
        from habitatmap.geodesy import transform_geometries

        bgdf, _ = read_layer(border)
        moved, border_op = transform_geometries(bgdf.geometry.to_numpy(), bgdf.crs, grid.crs,
                                                allow_ballpark=allow_ballpark, what=f"border file {border}")
        border_geom = shapely.union_all(shapely.boundary(moved) if all(
            shapely.get_type_id(g) in (3, 6) for g in moved) else moved)
    limit = math.inf if max_distance is None else float(max_distance)
    res32 = res.astype(np.float32)
    table: list[dict[str, object]] = []
    paths, polys, crossings = [], [], []
    files: list[str] = []
    with atomic_dir(out) as tmp:
        cwd_files = {}
        for i in ids:
            d = cost_distance(res32, cells[i], cellsize=cellsize, max_distance=limit)
            name = f"cwd_{i}.tif"
            write_cog(tmp / name, np.where(np.isinf(d), np.nan, d).astype(np.float32), crs=grid.crs,
                      transform=grid.transform, nodata=float("nan"),
                      band_descriptions=[f"CWD from core {i}"],
                      resampling="average", tags={"SOFTWARE": f"habitatmap {__version__}",
                                                  "UNITS": "resistance x metres", "CORE": str(i)})
            cwd_files[i] = tmp / name
            files.append(name)
            del d
        mosaic = np.full(res.shape, np.inf)
        xy = {i: _cells_xy(grid, cells[i]) for i in ids}
        # Distances go back to disk as each core is done and are read again pair by pair: memory holds
        # two distance grids at a time however many cores there are.
        for a_pos, a in enumerate(ids):
            cwd_a = _read(cwd_files[a])
            for b in ids[a_pos + 1:]:
                cb = cells[b]
                vals = cwd_a[cb[:, 0], cb[:, 1]]
                euclid = float(cKDTree(xy[a]).query(xy[b])[0].min()) if len(xy[a]) else math.nan
                euclid = max(euclid - cellsize, 0.0)  # centre-to-centre of edge cells to edge-to-edge
                row: dict[str, object] = {"core_a": a, "name_a": focal.names.get(a, str(a)),
                                          "core_b": b, "name_b": focal.names.get(b, str(b)),
                                          "euclidean_m": round(euclid, 1)}
                if not np.isfinite(vals).any():
                    row.update(linked=False, lcd=None, path_length_m=None, cost_to_euclidean=None,
                               border_crossings=None)
                    table.append(row)
                    continue
                k = int(np.nanargmin(vals))
                lcd = float(vals[k])
                path = least_cost_path(cwd_a, res, (int(cb[k, 0]), int(cb[k, 1])), cellsize=cellsize)
                pxy = _cells_xy(grid, path)
                line = shapely.LineString(pxy) if len(pxy) > 1 else shapely.Point(pxy[0])
                length = float(shapely.length(line))
                cwd_b = _read(cwd_files[b])
                nlcc = corridor(cwd_a, cwd_b, lcd)
                del cwd_b
                cutoff = width_cutoff if width_cutoff is not None else 0.05 * lcd
                inside = np.isfinite(nlcc) & (nlcc <= cutoff)
                np.minimum(mosaic, np.where(np.isfinite(nlcc), nlcc, np.inf), out=mosaic)
                shapes = [shapely.geometry.shape(g) for g, v in rasterio.features.shapes(
                    inside.astype(np.uint8), mask=inside, transform=grid.transform) if v == 1]
                poly = shapely.union_all(shapes) if shapes else None
                n_cross = 0
                if border_geom is not None and isinstance(line, shapely.LineString):
                    hit = shapely.intersection(line, border_geom)
                    pts = [] if hit.is_empty else list(shapely.points(shapely.get_coordinates(hit)))
                    n_cross = len(pts)
                    for p in pts:
                        crossings.append({"core_a": a, "core_b": b, "geometry": p})
                row.update(linked=True, lcd=round(lcd, 3), path_length_m=round(length, 1),
                           cost_to_euclidean=round(lcd / euclid, 3) if euclid > 0 else None,
                           border_crossings=n_cross if border_geom is not None else None)
                table.append(row)
                paths.append({**{k2: row[k2] for k2 in ("core_a", "core_b", "name_a", "name_b", "lcd",
                                                         "path_length_m", "cost_to_euclidean")},
                              "geometry": line})
                if poly is not None:
                    polys.append({"core_a": a, "core_b": b, "cutoff": cutoff,
                                  "area_ha": round(float(shapely.area(poly)) / 1e4, 2), "geometry": poly})
            del cwd_a
        mosaic[np.isinf(mosaic)] = np.nan
        mosaic[~np.isfinite(res)] = np.nan
        write_cog(tmp / "corridors.tif", mosaic.astype(np.float32), crs=grid.crs, transform=grid.transform,
                  nodata=float("nan"), band_descriptions=["normalised least-cost corridor"],
                  resampling="average", tags={"SOFTWARE": f"habitatmap {__version__}",
                                              "DEFINITION": "min over pairs of CWD_A + CWD_B - LCD_AB"})
        files.append("corridors.tif")
        import pandas as pd

        cols = ["core_a", "name_a", "core_b", "name_b", "linked", "lcd", "path_length_m", "euclidean_m",
                "cost_to_euclidean", "border_crossings"]
        pd.DataFrame(table, columns=cols).to_csv(tmp / "corridors.csv", index=False)
        files.append("corridors.csv")
        def frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
            if not rows:  # an empty layer still gets its name and CRS in the GeoPackage
                empty = gpd.GeoSeries([], crs=grid.crs)
                return gpd.GeoDataFrame({"core_a": []}, geometry=empty, crs=grid.crs)
            return gpd.GeoDataFrame(rows, geometry="geometry", crs=grid.crs)

        layers = {"paths": frame(paths), "corridors": frame(polys)}
        if border_geom is not None:
            layers["crossings"] = frame(crossings)
        write_layers(tmp / "corridors.gpkg", layers)
        files.append("corridors.gpkg")
        seconds = time.perf_counter() - t0
        record = {"software": f"habitatmap {__version__}",
                  "resistance": {"path": str(resistance), "sha256": sha256_file(resistance)},
                  "cores": {"path": cores, "select": select, "ids": ids,
                            "operation": focal.operation.to_dict() if focal.operation else None},
                  "border": {"path": border, "operation": border_op.to_dict() if border_op else None}
                  if border else None,
                  "max_distance": max_distance, "width_cutoff": width_cutoff or "5% of each pair's LCD",
                  "cost_model": "mean resistance of the two cells x centre distance (8 neighbours)",
                  "seconds": round(seconds, 3), "files": sorted(files)}
        (tmp / "leastcost.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    return LeastCostRun(out, table, [*sorted(files), "leastcost.json"], seconds)


def _read(path: Path) -> np.ndarray:
    import rasterio

    with rasterio.open(path) as ds:
        d = ds.read(1).astype(np.float64)
    d[np.isnan(d)] = np.inf
    return d
