"""Focal points, core areas and resistance grids for the corridor analyses.

Focal nodes come from any vector layer (points or polygons, any CRS): they are moved onto the
resistance grid with the datum-safe operation for their area and burned in as cell ids, a polygon
becoming a focal *region* (all its cells one node, as in Circuitscape). :func:`place_focal` works on
a GeoDataFrame; :func:`read_focal` reads the file first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from habitatmap.corridors.modes import FocalPoints
from habitatmap.errors import InputDataError
from habitatmap.geodesy import DatumOperation, transform_geometries
from habitatmap.grid import Grid
from habitatmap.values import quote

__all__ = ["Focal", "place_focal", "read_focal", "read_lines", "read_resistance", "select_features"]


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
            When the column holds something other than finite numbers.
        """
        if self.attributes is None or column not in self.attributes.columns:
            return {int(i): default for i in self.points.unique_ids}
        try:
            values = self.attributes[column].astype(float).to_numpy()
        except (ValueError, TypeError):
            values = np.array([np.nan])
        if not np.isfinite(values).all():
            raise InputDataError(f"{self.source}: column {quote(column)} must hold finite numbers; fix its "
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
    from habitatmap.io.raster import read_raster

    raster = read_raster(path, what="resistance grid", dtype=np.float64)
    # Costs are resistance x metres and links assume square cells: degrees would be neither.
    raster.grid.require_projected(str(path), why="cost distances and cell links need metres")
    arr = raster.data
    bad = np.isfinite(arr) & (arr <= 0)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputDataError(f"{path}: {int(bad.sum())} cell(s) have resistance <= 0 (first at row {r}, "
                             f"column {c}: {arr[r, c]:g}); resistances must be positive, set "
                             "impassable cells to nodata.")
    arr[~np.isfinite(arr)] = np.nan
    return arr, raster.grid


def select_features(gdf: Any, select: str | None, source: str) -> Any:
    """The features whose column has a value: ``select`` is ``COLUMN=VALUE`` (None keeps all).

    Raises
    ------
    InputDataError
        For a selection that is not ``COLUMN=VALUE`` with one of the layer's columns.
    """
    if not select:
        return gdf
    column, sep, value = select.partition("=")
    if not sep or column.strip() not in gdf.columns:
        raise InputDataError(f"{source}: cannot select {quote(select)}; write COLUMN=VALUE with one of "
                             f"{quote(', '.join(c for c in gdf.columns if c != 'geometry'), 200)}.")
    return gdf[gdf[column.strip()].astype(str) == value.strip()].reset_index(drop=True)


def read_lines(spec: str, grid: Grid | str, *, select: str | None = None, allow_ballpark: bool = False,
               what: str = "border") -> tuple[Any, DatumOperation | None]:
    """The lines of a layer (polygon outlines for polygons) as one geometry in the grid's CRS (or
    in ``grid`` itself when it is a CRS).

    Raises
    ------
    InputDataError
        Unreadable layer, or no lines or polygons in it.
    """
    import shapely

    from habitatmap.io.vector import read_vector

    gdf, info = read_vector(spec, what=f"{what} layer")
    gdf = select_features(gdf, select, info.source)
    geoms = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty].to_numpy()
    if len(geoms) == 0:
        raise InputDataError(f"{info.source}: holds no {what} features; give lines or polygons.")
    target = grid.crs if isinstance(grid, Grid) else grid
    moved, op = transform_geometries(geoms, gdf.crs, target, allow_ballpark=allow_ballpark,
                                     what=f"{what} file {info.source}")
    lines = [shapely.boundary(g) if shapely.get_type_id(g) in (3, 6) else g for g in moved]
    return shapely.union_all(lines), op


def place_focal(gdf: Any, grid: Grid, resistance: np.ndarray, *, source: str, id_field: str | None = None,
                name_field: str | None = None, allow_ballpark: bool = False, what: str = "focal",
                min_nodes: int = 2, select: str | None = None) -> Focal:
    """Burn focal points or polygons of a GeoDataFrame onto ``grid`` as ids.

    Parameters
    ----------
    gdf
        Points or polygons, in any CRS.
    grid, resistance
        The resistance grid; focal nodes must fall on cells with data.
    source
        Where ``gdf`` came from, for messages.
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

    gdf = select_features(gdf, select, source)
    if len(gdf) == 0:
        raise InputDataError(f"{source}: no features{' matching ' + quote(select) if select else ''}; give "
                             f"{what} points or polygons.")
    if id_field:
        if id_field not in gdf.columns:
            raise InputDataError(f"{source}: no column {quote(id_field)}; choose one of "
                                 f"{', '.join(c for c in gdf.columns if c != 'geometry')}.")
        try:
            ids = gdf[id_field].astype("int64").to_numpy()
        except (ValueError, TypeError):
            raise InputDataError(f"{source}: column {quote(id_field)} holds non-integer ids; give whole "
                                 "numbers above 0.") from None
        if (ids <= 0).any():
            raise InputDataError(f"{source}: ids must be above 0 (column {quote(id_field)}); renumber them.")
    else:
        ids = np.arange(1, len(gdf) + 1, dtype=np.int64)
    name_col = name_field or next((c for c in ("name", "name_en", "park_en") if c in gdf.columns), None)
    names = {int(i): (str(n) if n is not None else str(i)) for i, n in
             zip(ids, gdf[name_col] if name_col else ids, strict=True)}
    geoms, op = transform_geometries(gdf.geometry.to_numpy(), gdf.crs, grid.crs,
                                     allow_ballpark=allow_ballpark, what=f"{what} file {source}")
    rows_all, cols_all, ids_all = [], [], []
    outside, on_nodata = [], []
    for fid, geom in zip(ids, geoms, strict=True):
        if geom is None or shapely.is_empty(geom):
            outside.append(int(fid))
            continue
        if shapely.get_type_id(geom) in (0, 4):  # Point, MultiPoint
            pts = shapely.get_coordinates(geom)
            rows, cols = grid.rowcol(pts[:, 0], pts[:, 1])
        else:
            mask = rasterio.features.rasterize([(geom, 1)], out_shape=grid.shape,
                                               transform=grid.transform, fill=0, dtype="uint8",
                                               all_touched=False)
            rows, cols = np.nonzero(mask)
            if len(rows) == 0:  # a polygon smaller than a cell: its centroid's cell
                c = shapely.centroid(geom)
                rows, cols = grid.rowcol(np.array([c.x]), np.array([c.y]))
        if not grid.contains(rows, cols).all():
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
        raise InputDataError(f"{source}: {what} node(s) {label(outside)} lie outside the resistance grid; "
                             "move them inside or use a larger grid.")
    if on_nodata:
        raise InputDataError(f"{source}: {what} node(s) {label(on_nodata)} lie on nodata cells of the "
                             "resistance grid; move them onto habitat with data.")
    points = FocalPoints(np.concatenate(rows_all), np.concatenate(cols_all), np.concatenate(ids_all))
    # One cell cannot belong to two nodes (overlapping polygons, or a point inside a polygon).
    cell = points.rows * grid.width + points.cols
    order = np.lexsort((points.ids, cell))
    clash = (np.diff(cell[order]) == 0) & (np.diff(points.ids[order]) != 0)
    if clash.any():
        k = int(np.flatnonzero(clash)[0])
        a, b = int(points.ids[order][k]), int(points.ids[order][k + 1])
        raise InputDataError(f"{source}: {what} nodes {label([a, b])} overlap; each cell can belong to "
                             "one node only, so merge them or give them the same id.")
    if len(points.unique_ids) < min_nodes:
        raise InputDataError(f"{source}: only {len(points.unique_ids)} {what} node(s); give at least "
                             f"{min_nodes}.")
    return Focal(points, names, op, source, gdf, ids)


def read_focal(spec: str, grid: Grid, resistance: np.ndarray, *, id_field: str | None = None,
               name_field: str | None = None, allow_ballpark: bool = False,
               what: str = "focal", min_nodes: int = 2, select: str | None = None) -> Focal:
    """Read ``FILE[:LAYER]`` of points or polygons and burn them onto ``grid`` (see
    :func:`place_focal` for the parameters)."""
    from habitatmap.io.vector import read_vector

    gdf, info = read_vector(spec, what=f"{what} layer")
    return place_focal(gdf, grid, resistance, source=info.source, id_field=id_field, name_field=name_field,
                       allow_ballpark=allow_ballpark, what=what, min_nodes=min_nodes, select=select)
