"""Park, zone and border layers from both sides: read safely, repair, move onto one project CRS.

Reading goes through :func:`habitatmap.io.vector.read_vector`, which refuses a layer without a CRS
(unless the user says which with ``assume_crs``) and a Shapefile without a ``.cpg`` whose attribute
bytes are not UTF-8, zipped or in a folder alike (the user names the encoding). Reprojection uses
the datum operation PROJ picks for the layer's area (see :mod:`habitatmap.geodesy`) and records it.
Invalid polygons are repaired with ``make_valid`` and empty geometries dropped, each with a warning
that counts them and gives the reasons.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from habitatmap.errors import HabitatmapWarning
from habitatmap.geodesy import DatumOperation, to_crs
from habitatmap.io.vector import read_vector

__all__ = ["LayerInfo", "read_layer", "repair", "to_project_crs"]


@dataclass
class LayerInfo:
    """Where a layer came from and what was done to it (for messages and provenance)."""

    source: str
    crs: str
    features: int
    encoding: str | None = None
    assumed_crs: bool = False
    operation: DatumOperation | None = None
    repaired: int = 0
    dropped_empty: int = 0
    notes: list[str] = field(default_factory=list)


def read_layer(spec: str | os.PathLike[str], *, encoding: str | None = None,
               assume_crs: str | None = None) -> tuple[gpd.GeoDataFrame, LayerInfo]:
    """Read ``FILE[:LAYER]`` of any vector format GDAL reads (through :mod:`habitatmap.io.vector`).

    Raises
    ------
    InputDataError
        Missing or unreadable file, unknown encoding, no CRS without ``assume_crs``.
    """
    gdf, src = read_vector(spec, what="layer", encoding=encoding, assume_crs=assume_crs)
    return gdf, LayerInfo(src.source, src.crs or "", src.features, src.encoding, src.assumed_crs)


def repair(gdf: gpd.GeoDataFrame, info: LayerInfo) -> gpd.GeoDataFrame:
    """Drop empty geometries and repair invalid ones, warning with counts and reasons."""
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        info.dropped_empty = int(empty.sum())
        warnings.warn(f"{info.source}: {info.dropped_empty} feature(s) with an empty geometry dropped.",
                      HabitatmapWarning, stacklevel=2)
        gdf = gdf[~empty].copy()
    geoms = gdf.geometry.values
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = Counter(r.split("[")[0].strip() for r in shapely.is_valid_reason(geoms[invalid]))
        info.repaired = int(invalid.sum())
        listed = "; ".join(f"{k} ({n})" for k, n in reasons.most_common())
        warnings.warn(f"{info.source}: {info.repaired} invalid geometr{'y' if info.repaired == 1 else 'ies'} "
                      f"repaired with make_valid: {listed}.", HabitatmapWarning, stacklevel=2)
        fixed = np.array(geoms, dtype=object)
        fixed[invalid] = shapely.make_valid(geoms[invalid])
        gdf = gdf.set_geometry(list(fixed), crs=gdf.crs)
    return gdf


def to_project_crs(gdf: gpd.GeoDataFrame, info: LayerInfo, crs: str, *,
                   allow_ballpark: bool = False) -> gpd.GeoDataFrame:
    """The layer in ``crs``, moved with the datum operation for its area (recorded in ``info``)."""
    out, info.operation = to_crs(gdf, crs, allow_ballpark=allow_ballpark, what=info.source)
    return out
