"""Park, zone and border layers from both sides: read safely, repair, move onto one project CRS.

Reading refuses what would otherwise go silently wrong: a layer without a CRS (unless the user says
which with ``assume_crs``), and a Shapefile without a ``.cpg`` whose attribute bytes are not UTF-8
(Russian and Chinese data are often CP1251 or GBK; the user names the encoding). Reprojection uses
the datum operation PROJ picks for the layer's area (see :mod:`habitatmap.geodesy`) and records it.
Invalid polygons are repaired with ``make_valid`` and empty geometries dropped, each with a warning
that counts them and gives the reasons.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from habitatmap.aoi import split_layer
from habitatmap.errors import HabitatmapWarning, InputDataError
from habitatmap.geodesy import DatumOperation, parse_crs, transform_geometries

__all__ = ["LayerInfo", "check_shapefile_encoding", "read_layer", "repair", "to_project_crs"]


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


def check_shapefile_encoding(path: Path) -> None:
    """Refuse a Shapefile without ``.cpg`` whose attribute text is not UTF-8.

    Raises
    ------
    InputDataError
        Naming the file and suggesting ``--encoding cp1251`` or ``--encoding gbk``.
    """
    if path.suffix.lower() != ".shp" or path.with_suffix(".cpg").exists() \
            or path.with_suffix(".CPG").exists():
        return
    dbf = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return
    data = dbf.read_bytes()
    if len(data) < 32:
        return
    header_len = int.from_bytes(data[8:10], "little")
    try:
        data[header_len:].decode("utf-8")
    except UnicodeDecodeError:
        raise InputDataError(
            f"{path}: has no .cpg file and its attribute text is not UTF-8, so its encoding is "
            "unknown; pass it with --encoding (cp1251 is usual for Russian data, gbk for Chinese), "
            "or add a .cpg file naming it.") from None


def read_layer(spec: str | os.PathLike[str], *, encoding: str | None = None,
               assume_crs: str | None = None) -> tuple[gpd.GeoDataFrame, LayerInfo]:
    """Read ``FILE[:LAYER]`` of any vector format GDAL reads.

    Raises
    ------
    InputDataError
        Missing or unreadable file, unknown encoding, no CRS without ``assume_crs``.
    """
    import pyogrio

    path, layer = split_layer(str(spec))
    source = f"{path}" + (f":{layer}" if layer else "")
    if not path.exists():
        raise InputDataError(f"{source}: layer file not found; check the path given to --layer.")
    if encoding is None:
        check_shapefile_encoding(path)
    try:
        if layer is None and len(pyogrio.list_layers(path)) > 1:
            names = ", ".join(str(n) for n, _ in pyogrio.list_layers(path))
            raise InputDataError(f"{source}: holds several layers ({names}); name one as FILE:LAYER.")
        gdf = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except InputDataError:
        raise
    except LookupError:
        raise InputDataError(f"{source}: unknown encoding {encoding!r}; use e.g. cp1251, gbk or "
                             "utf-8.") from None
    except Exception as err:  # pyogrio raises several error types for unreadable data
        raise InputDataError(f"{source}: cannot read it as a vector layer ({err}); pass a GeoPackage, "
                             "Shapefile, GeoJSON or another GDAL vector format.") from None
    assumed = False
    if gdf.crs is None:
        if not assume_crs:
            raise InputDataError(f"{source}: the layer has no coordinate reference system; if you know "
                                 "it, pass --assume-crs EPSG:CODE (e.g. EPSG:28422 for Pulkovo 1942 / "
                                 "Gauss-Kruger zone 22), or save the layer with its CRS.")
        gdf = gdf.set_crs(parse_crs(assume_crs, option="--assume-crs"))
        assumed = True
    code = gdf.crs.to_authority()
    crs = f"{code[0]}:{code[1]}" if code else gdf.crs.to_wkt()
    return gdf, LayerInfo(source, crs, len(gdf), encoding, assumed)


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
    moved, op = transform_geometries(gdf.geometry.values, gdf.crs, crs, allow_ballpark=allow_ballpark,
                                     what=info.source)
    info.operation = op
    out = gdf.copy()
    return out.set_geometry(list(np.asarray(moved, dtype=object)), crs=crs)
