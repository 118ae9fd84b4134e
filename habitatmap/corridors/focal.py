"""Focal points, core areas and resistance grids for the corridor analyses.

Focal nodes come from any vector file (points or polygons, any CRS): they are moved onto the
resistance grid with the datum-safe operation for their area and burned in as cell ids, a polygon
becoming a focal *region* (all its cells one node, as in Circuitscape).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.corridors.modes import FocalPoints
from habitatmap.errors import InputDataError
from habitatmap.geodesy import DatumOperation
from habitatmap.grid import Grid

__all__ = ["Focal", "read_focal", "read_resistance"]


@dataclass
class Focal:
    """Focal nodes on a grid, with their names and the datum operation used to place them."""

    points: FocalPoints
    names: dict[int, str]
    operation: DatumOperation | None
    source: str
    #: The features used (after ``select``), one row per id in ``ids``.
    attributes: Any = None
    ids: np.ndarray | None = None

    def numbers(self, column: str, default: float) -> dict[int, float]:
        """Each node's value of a numeric column (``default`` when the file has no such column).

        Raises
        ------
        InputDataError
            When the column holds something other than numbers.
        """
        if self.attributes is None or column not in self.attributes.columns:
            return {int(i): default for i in self.points.unique_ids}
        try:
            values = self.attributes[column].astype(float).to_numpy()
        except (ValueError, TypeError):
            raise InputDataError(f"{self.source}: column {column!r} must hold numbers; fix its "
                                 "values.") from None
        return {int(i): float(v) for i, v in zip(self.ids, values, strict=True)}


def read_resistance(path: str | os.PathLike[str]) -> tuple[np.ndarray, Grid]:
    """A resistance grid (float64, NaN where there is no data) and its grid.

    Raises
    ------
    InputDataError
        Unreadable file, or any resistance <= 0 (every cell must resist movement; use NaN for
        impassable cells).
    """
    import rasterio

    p = Path(path)
    try:
        with rasterio.open(p) as ds:
            arr = ds.read(1).astype(np.float64)
            if ds.nodata is not None and not np.isnan(ds.nodata):
                arr[arr == ds.nodata] = np.nan
            grid = Grid.from_dataset(ds)
    except rasterio.errors.RasterioError as err:
        raise InputDataError(f"{p}: not a readable raster ({err}); pass the resistance GeoTIFF from "
                             "'habitatmap corridors resistance'.") from None
    bad = np.isfinite(arr) & (arr <= 0)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputDataError(f"{p}: {int(bad.sum())} cell(s) have resistance <= 0 (first at row {r}, "
                             f"column {c}: {arr[r, c]:g}); resistances must be positive, set "
                             "impassable cells to nodata.")
    return arr, grid


def _cells(grid: Grid, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from rasterio.transform import rowcol

    rows, cols = rowcol(grid.transform, xs, ys, op=np.floor)
    return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)


def read_focal(spec: str, grid: Grid, resistance: np.ndarray, *, id_field: str | None = None,
               name_field: str | None = None, allow_ballpark: bool = False,
               what: str = "focal", min_nodes: int = 2, select: str | None = None) -> Focal:
    """Burn focal points or polygons onto ``grid`` as ids.

    Parameters
    ----------
    spec
        ``FILE[:LAYER]`` of points or polygons.
    grid, resistance
        The resistance grid; focal nodes must fall on cells with data.
    id_field
        Integer id column (> 0); default: features numbered 1, 2, ... in file order.
    name_field
        Column naming each node in reports (default: ``name``, ``name_en`` or ``park_en`` if present).
    allow_ballpark, what
        As for :func:`habitatmap.geodesy.transform_geometries`.
    min_nodes
        Fewest nodes accepted.
    select
        ``COLUMN=VALUE``: use only the features whose column has that value (e.g.
        ``zone_class=core`` on a base map's zones).

    Raises
    ------
    InputDataError
        Nodes outside the grid or on nodata (all named), bad ids, fewer than ``min_nodes`` nodes.
    """
    import rasterio.features
    import shapely

    from habitatmap.boundaries import read_layer
    from habitatmap.geodesy import transform_geometries

    gdf, info = read_layer(spec)
    source = info.source
    if select:
        column, sep, value = select.partition("=")
        if not sep or column.strip() not in gdf.columns:
            raise InputDataError(f"{spec}: cannot select {select!r}; write COLUMN=VALUE with one of "
                                 f"{', '.join(c for c in gdf.columns if c != 'geometry')}.")
        gdf = gdf[gdf[column.strip()].astype(str) == value.strip()].reset_index(drop=True)
    if len(gdf) == 0:
        raise InputDataError(f"{spec}: no features{' matching ' + select if select else ''}; give "
                             f"{what} points or polygons.")
    if id_field:
        if id_field not in gdf.columns:
            raise InputDataError(f"{spec}: no column {id_field!r}; choose one of "
                                 f"{', '.join(c for c in gdf.columns if c != 'geometry')}.")
        try:
            ids = gdf[id_field].astype("int64").to_numpy()
        except (ValueError, TypeError):
            raise InputDataError(f"{spec}: column {id_field!r} holds non-integer ids; give whole "
                                 "numbers above 0.") from None
        if (ids <= 0).any():
            raise InputDataError(f"{spec}: ids must be above 0 (column {id_field!r}); renumber them.")
    else:
        ids = np.arange(1, len(gdf) + 1, dtype=np.int64)
    name_col = name_field or next((c for c in ("name", "name_en", "park_en") if c in gdf.columns), None)
    names = {int(i): (str(n) if n is not None else str(i)) for i, n in
             zip(ids, gdf[name_col] if name_col else ids, strict=True)}
    geoms, op = transform_geometries(gdf.geometry.to_numpy(), gdf.crs, grid.crs,
                                     allow_ballpark=allow_ballpark, what=f"{what} file {spec}")
    rows_all, cols_all, ids_all = [], [], []
    outside, on_nodata = [], []
    for fid, geom in zip(ids, geoms, strict=True):
        if geom is None or shapely.is_empty(geom):
            outside.append(int(fid))
            continue
        if shapely.get_type_id(geom) in (0, 4):  # Point, MultiPoint
            pts = shapely.get_coordinates(geom)
            rows, cols = _cells(grid, pts[:, 0], pts[:, 1])
        else:
            mask = rasterio.features.rasterize([(geom, 1)], out_shape=(grid.height, grid.width),
                                               transform=grid.transform, fill=0, dtype="uint8",
                                               all_touched=False)
            rows, cols = np.nonzero(mask)
            if len(rows) == 0:  # a polygon smaller than a cell: its centroid's cell
                c = shapely.centroid(geom)
                rows, cols = _cells(grid, np.array([c.x]), np.array([c.y]))
        inside = (rows >= 0) & (rows < grid.height) & (cols >= 0) & (cols < grid.width)
        if not inside.all():
            outside.append(int(fid))
            continue
        valid = np.isfinite(resistance[rows, cols])
        if not valid.any():
            on_nodata.append(int(fid))
            continue
        rows_all.append(rows[valid])
        cols_all.append(cols[valid])
        ids_all.append(np.full(int(valid.sum()), fid))
    def label(which: list[int]) -> str:
        return ", ".join(f"{i} ({names[i]})" for i in which[:10])

    if outside:
        raise InputDataError(f"{spec}: {what} node(s) {label(outside)} lie outside the resistance grid; "
                             "move them inside or use a larger grid.")
    if on_nodata:
        raise InputDataError(f"{spec}: {what} node(s) {label(on_nodata)} lie on nodata cells of the "
                             "resistance grid; move them onto habitat with data.")
    points = FocalPoints(np.concatenate(rows_all), np.concatenate(cols_all), np.concatenate(ids_all))
    # One cell cannot belong to two nodes (overlapping polygons, or a point inside a polygon).
    cell = points.rows * grid.width + points.cols
    order = np.lexsort((points.ids, cell))
    clash = (np.diff(cell[order]) == 0) & (np.diff(points.ids[order]) != 0)
    if clash.any():
        k = int(np.flatnonzero(clash)[0])
        a, b = int(points.ids[order][k]), int(points.ids[order][k + 1])
        raise InputDataError(f"{spec}: {what} nodes {label([a, b])} overlap; each cell can belong to "
                             "one node only, so merge them or give them the same id.")
    if len(points.unique_ids) < min_nodes:
        raise InputDataError(f"{spec}: only {len(points.unique_ids)} {what} node(s); give at least "
                             f"{min_nodes}.")
    return Focal(points, names, op, source, gdf, ids)
