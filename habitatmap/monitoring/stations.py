"""Camera-trap layouts on the monitoring grid: stations on suitable habitat, a minimum spacing apart.

In every cell, candidate positions lie on a regular lattice (a 50th of the cell, or the habitat
map's pixel if coarser); those on suitable habitat classes are kept. The first station of a cell is
the candidate nearest the cell's centre, each further one the candidate farthest from the stations
already placed (in the cell and its neighbours), and no two stations are closer than the minimum
spacing. The layout depends on nothing but the grid, the habitat map and the settings, so two
offices that make it get the same stations. Stations carry their cell id; the layout is written as
a GeoPackage and as the Camtrap DP ``deployments`` table a field team fills in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from habitatmap.errors import ConfigError, InputDataError

__all__ = [
    "PRODUCT",
    "StationsRun",
    "candidate_points",
    "place_stations",
    "run_stations",
    "stations_deployments",
]

PRODUCT = "monitoring.stations"


def candidate_points(
    cells: Any,
    habitat: str | os.PathLike[str],
    legend: Any,
    *,
    suitable: set[int] | None,
    allow_ballpark: bool = False,
) -> tuple[pd.DataFrame, Any]:
    """Lattice points in every cell with the habitat class under each, suitable ones only.

    Returns a table (``cell``: row of ``cells``, ``x``, ``y`` on the cells' CRS, ``code``) and the
    datum operation used to look the points up on the habitat map.
    """
    from habitatmap.geodesy import lonlat_bounds, transformer_for
    from habitatmap.grid import Grid
    from habitatmap.io.raster import open_raster

    size = float(cells["cell_km"].iloc[0]) * 1000.0
    with open_raster(habitat, what="habitat map") as ds:
        grid = Grid.from_dataset(ds)
        res = abs(grid.transform.a)
        step = max(size / 50.0, res)
        offs = np.arange(step / 2, size, step)
        ox, oy = np.meshgrid(offs, offs)
        ox, oy = ox.ravel(), oy.ravel()
        frames = []
        transformer, op = transformer_for(
            cells.crs,
            grid.crs,
            area=lonlat_bounds(grid.bounds, grid.crs),
            allow_ballpark=allow_ballpark,
            what=f"habitat map {habitat}",
        )
        for start in range(0, len(cells), 256):
            block = cells.iloc[start : start + 256]
            x = (block["easting"].to_numpy()[:, None] + ox[None, :]).ravel()
            y = (block["northing"].to_numpy()[:, None] + oy[None, :]).ravel()
            cell = np.repeat(np.arange(start, start + len(block)), len(ox))
            hx, hy = transformer.transform(x, y)
            rows, cols = grid.rowcol(np.asarray(hx), np.asarray(hy))
            inside = (rows >= 0) & (cols >= 0) & (rows < grid.height) & (cols < grid.width)
            if not inside.any():
                continue
            r0, r1 = int(rows[inside].min()), int(rows[inside].max()) + 1
            c0, c1 = int(cols[inside].min()), int(cols[inside].max()) + 1
            from rasterio.windows import Window

            data = ds.read(1, window=Window(c0, r0, c1 - c0, r1 - r0))
            code = np.zeros(len(x), dtype=np.int64)
            code[inside] = data[rows[inside] - r0, cols[inside] - c0]
            keep = inside & (code != legend.nodata) & (code != 0)
            if suitable is not None:
                keep &= np.isin(code, sorted(suitable))
            frames.append(pd.DataFrame({"cell": cell[keep], "x": x[keep], "y": y[keep], "code": code[keep]}))
    if not frames:
        return pd.DataFrame({"cell": [], "x": [], "y": [], "code": []}), op
    return pd.concat(frames, ignore_index=True), op


def place_stations(
    cells: Any, candidates: pd.DataFrame, *, per_cell: int, min_spacing: float
) -> pd.DataFrame:
    """Choose up to ``per_cell`` stations per cell among ``candidates`` (see the module text)."""
    from scipy.spatial import cKDTree

    if per_cell < 1:
        raise ConfigError(f"--per-cell {per_cell}: give at least one station per cell.")
    if min_spacing < 0:
        raise ConfigError(f"--min-spacing {min_spacing}: give a distance of 0 m or more.")
    size = float(cells["cell_km"].iloc[0]) * 1000.0
    chosen_xy: list[tuple[float, float]] = []
    rows = []
    groups = dict(tuple(candidates.groupby("cell"))) if len(candidates) else {}
    for i, cell in enumerate(cells.itertuples(index=False)):
        cand = groups.get(i)
        if cand is None:
            continue
        pts = cand[["x", "y"]].to_numpy()
        codes = cand["code"].to_numpy()
        cx, cy = cell.easting + size / 2, cell.northing + size / 2
        # Stations of neighbouring cells count for the spacing too.
        near = [
            p
            for p in chosen_xy
            if abs(p[0] - cx) < size + min_spacing and abs(p[1] - cy) < size + min_spacing
        ]
        placed: list[int] = []
        for _ in range(per_cell):
            ok = np.ones(len(pts), dtype=bool)
            ref = near + [tuple(pts[j]) for j in placed]
            if ref:
                dist, _ = cKDTree(np.array(ref)).query(pts)
                ok &= dist >= max(min_spacing, 1e-9)
            if not ok.any():
                break
            if not placed:
                score = -np.hypot(pts[:, 0] - cx, pts[:, 1] - cy)
                if ref:
                    score = np.where(ok, score, -np.inf)
            else:
                score = np.where(ok, dist, -np.inf)
            # Ties (a symmetric lattice) go to the lowest index: south-west first, reproducibly.
            j = int(np.argmax(score))
            placed.append(j)
        for n, j in enumerate(placed):
            chosen_xy.append((float(pts[j, 0]), float(pts[j, 1])))
            rows.append(
                {
                    "station_id": f"{cell.cell_id}-{n + 1}",
                    "cell_id": cell.cell_id,
                    "x": float(pts[j, 0]),
                    "y": float(pts[j, 1]),
                    "code": int(codes[j]),
                }
            )
    return pd.DataFrame(rows, columns=["station_id", "cell_id", "x", "y", "code"])


def stations_deployments(stations: Any, *, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """The Camtrap DP ``deployments`` table of a layout (``stations`` with ``latitude`` and
    ``longitude``): one planned deployment per station, its location the station, its times
    ``start``/``end`` (ISO 8601) or empty for the field team to fill."""
    return pd.DataFrame(
        {
            "deploymentID": stations["station_id"],
            "locationID": stations["station_id"],
            "locationName": stations["station_id"],
            "latitude": stations["latitude"].round(6),
            "longitude": stations["longitude"].round(6),
            "coordinateUncertainty": 10,
            "deploymentStart": start or "",
            "deploymentEnd": end or "",
            "habitat": stations["habitat"],
            "deploymentGroups": "cell:" + stations["cell_id"].astype(str),
            "deploymentComments": "planned by habitatmap grid stations",
        }
    )


@dataclass
class StationsRun:
    """What :func:`run_stations` wrote."""

    path: Path
    deployments: Path
    stations: Any
    cells_without: int
    short: int


def run_stations(
    grid: str | os.PathLike[str],
    out: str | os.PathLike[str],
    legend: Any,
    *,
    per_cell: int,
    habitat_keys: list[str] | None = None,
    habitat_map: str | os.PathLike[str] | None = None,
    min_spacing: float = 0.0,
    start: str | None = None,
    end: str | None = None,
    lang: str = "en",
    allow_ballpark: bool = False,
) -> StationsRun:
    """Lay out camera stations on a monitoring grid and write ``stations.gpkg`` (layer
    ``stations``) and, beside it, ``<name>_deployments.csv`` in Camtrap DP's layout.

    Parameters
    ----------
    grid
        A grid GeoPackage from ``habitatmap grid make``.
    out
        The GeoPackage to write.
    legend
        The shared legend (habitat keys).
    per_cell
        Stations per cell.
    habitat_keys
        Suitable habitat class keys (default: every mapped class).
    habitat_map
        The habitat map (default: the one the grid was made from, from its provenance).
    min_spacing
        Least distance between two stations (m).
    start, end
        Planned deployment times for the deployments table.
    """
    import geopandas as gpd

    from habitatmap.geodesy import to_crs
    from habitatmap.io.atomic import atomic_path, check_output_folder
    from habitatmap.io.vector import write_layers
    from habitatmap.monitoring.cells import read_cells
    from habitatmap.monitoring.styles import styles_table
    from habitatmap.provenance import Provenance

    path = Path(out)
    if path.suffix.lower() != ".gpkg":
        raise ConfigError(f"--out {path} is not a .gpkg file; name a GeoPackage such as stations.gpkg.")
    check_output_folder(path)
    cells = read_cells(grid)
    if habitat_map is None:
        habitat_map = _grid_habitat(grid)
    suitable = None
    if habitat_keys:
        suitable = {legend.lookup(k).code for k in habitat_keys}
    record = Provenance(
        PRODUCT,
        parameters={
            "per_cell": per_cell,
            "habitat": sorted(habitat_keys or []),
            "min_spacing_m": min_spacing,
            "start": start,
            "end": end,
        },
    )
    record.add_input("grid", grid)
    record.add_input("habitat", habitat_map)
    cand, op = candidate_points(cells, habitat_map, legend, suitable=suitable, allow_ballpark=allow_ballpark)
    record.add_operation(f"habitat map {habitat_map}", op)
    table = place_stations(cells, cand, per_cell=per_cell, min_spacing=min_spacing)
    if table.empty:
        raise InputDataError(
            f"No cell of the grid {grid} has suitable habitat for a station; widen --habitat or "
            "check that the habitat map covers the grid."
        )
    table["habitat"] = [legend.by_code(c).key for c in table["code"]]
    frame = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["x"], table["y"]), crs=cells.crs)
    lonlat, op2 = to_crs(frame[["geometry"]], "EPSG:4326", allow_ballpark=allow_ballpark, what="stations")
    if op2 is not None:
        record.add_operation("stations to WGS 84", op2)
    frame["longitude"] = lonlat.geometry.x.round(7).to_numpy()
    frame["latitude"] = lonlat.geometry.y.round(7).to_numpy()
    frame = frame.drop(columns=["code"])
    counts = table.groupby("cell_id").size()
    cells_without = int((~cells["cell_id"].isin(counts.index)).sum())
    short = int((counts < per_cell).sum())
    deployments = path.with_name(f"{path.stem}_deployments.csv")
    with atomic_path(deployments) as tmp:
        stations_deployments(frame, start=start, end=end).to_csv(
            tmp, index=False, encoding="utf-8", lineterminator="\n"
        )
    write_layers(
        path,
        {"stations": frame, "layer_styles": styles_table(["stations"], lang=lang)},
        layer_options={"layer_styles": {"FID": "id"}},
        provenance=record,
    )
    return StationsRun(path, deployments, frame, cells_without, short)


def _grid_habitat(grid: str | os.PathLike[str]) -> str:
    from habitatmap.io.vector import read_provenance

    doc = read_provenance(grid) or {}
    for item in doc.get("inputs", []):
        if item.get("role") == "habitat" and item.get("path"):
            return str(item["path"])
    raise ConfigError(f"The grid {grid} was made without a habitat map; give --habitat-map.")
