"""Vector reading and GeoPackage writing: the only place the project opens a vector file.

Reading refuses what would otherwise go silently wrong: GDAL virtual paths and connection strings,
a layer without a CRS (unless the user says which with ``assume_crs``), a file with several layers
when none is named, and a Shapefile without a ``.cpg`` whose attribute bytes are not UTF-8 (Russian
and Chinese data are often CP1251 or GBK; the user names the encoding). The encoding check covers a
``.shp``, a zipped Shapefile (``.zip`` / ``.shp.zip``) and a folder of Shapefiles alike.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from habitatmap.errors import InputDataError, reason
from habitatmap.io.atomic import atomic_path, write_failure
from habitatmap.io.paths import check_local_path, split_layer
from habitatmap.values import quote

__all__ = [
    "VectorSource",
    "check_shapefile_encoding",
    "list_layers",
    "read_provenance",
    "read_vector",
    "write_layers",
    "write_vector",
]

_ENCODING_FIX = ("pass it with --encoding (cp1251 is usual for Russian data, gbk for Chinese), or add "
                 "a .cpg file naming it")


@dataclass(frozen=True)
class VectorSource:
    """Where a layer came from and how it was read (for messages and provenance)."""

    source: str
    path: Path
    layer: str | None
    crs: str | None
    features: int
    encoding: str | None = None
    assumed_crs: bool = False


def _dbf_text_encoding(data: bytes) -> str | None:
    """``"ascii"`` or ``"utf-8"`` when a DBF's records decode as such, else None (unknown)."""
    if len(data) < 32:
        return "ascii"
    body = data[int.from_bytes(data[8:10], "little"):]
    try:
        body.decode("ascii")
        return "ascii"
    except UnicodeDecodeError:
        pass
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


def _suffix_variants(stem: str, ext: str) -> list[str]:
    return [stem + ext.lower(), stem + ext.upper()]


def _check_shp_file(path: Path) -> str | None:
    if any(Path(v).exists() for v in _suffix_variants(str(path.with_suffix("")), ".cpg")):
        return None
    dbf = next((Path(v) for v in _suffix_variants(str(path.with_suffix("")), ".dbf") if Path(v).exists()),
               None)
    if dbf is None:
        return None
    found = _dbf_text_encoding(dbf.read_bytes())
    if found is None:
        raise InputDataError(f"{path}: has no .cpg file and its attribute text is not UTF-8, so its "
                             f"encoding is unknown; {_ENCODING_FIX}.")
    return "UTF-8" if found == "utf-8" else None


def _check_zip(path: Path, layer: str | None) -> str | None:
    utf8 = False
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            lower = {n.lower(): n for n in names}
            for name in names:
                if not name.lower().endswith(".shp"):
                    continue
                stem = name[:-4]
                if layer is not None and Path(stem).name != layer:
                    continue
                if (stem + ".cpg").lower() in lower:
                    continue
                dbf = lower.get((stem + ".dbf").lower())
                if dbf is None:
                    continue
                info = zf.getinfo(dbf)
                if info.file_size > 2 << 30:
                    raise InputDataError(f"{path}: {dbf} is larger than 2 GiB inside the archive; unzip "
                                         "it and give the Shapefile.")
                found = _dbf_text_encoding(zf.read(dbf))
                if found is None:
                    raise InputDataError(f"{path}: the zipped Shapefile {name} has no .cpg file and its "
                                         f"attribute text is not UTF-8, so its encoding is unknown; "
                                         f"{_ENCODING_FIX}.")
                utf8 |= found == "utf-8"
    except zipfile.BadZipFile:
        raise InputDataError(f"{path}: not a readable zip archive; give the Shapefile itself or "
                             "a complete .zip.") from None
    return "UTF-8" if utf8 else None


def check_shapefile_encoding(path: str | os.PathLike[str], layer: str | None = None) -> str | None:
    """Refuse a Shapefile without ``.cpg`` whose attribute text is not UTF-8.

    ``path`` may be a ``.shp``, a zip archive holding Shapefiles, or a folder of them; ``layer``
    limits the check to one of them.

    Returns
    -------
    str or None
        ``"UTF-8"`` when a Shapefile without ``.cpg`` holds valid UTF-8 text that is not plain
        ASCII (GDAL would decode it as Latin-1 and garble it, so it must be read as UTF-8); None
        when a ``.cpg`` says the encoding or the text is ASCII.

    Raises
    ------
    InputDataError
        Naming the file and suggesting ``--encoding cp1251`` or ``--encoding gbk``.
    """
    p = Path(path)
    found: list[str | None] = []
    if p.is_dir():
        for shp in sorted(x for x in p.iterdir() if x.suffix.lower() == ".shp"):
            if layer is None or shp.stem == layer:
                found.append(_check_shp_file(shp))
    elif p.suffix.lower() == ".zip":
        found.append(_check_zip(p, layer))
    elif p.suffix.lower() == ".shp":
        found.append(_check_shp_file(p))
    return "UTF-8" if "UTF-8" in found else None


def _checked_path(spec: str | os.PathLike[str], what: str) -> tuple[Path, str | None, str]:
    path, layer = split_layer(os.fspath(spec))
    path = check_local_path(path, what=what)
    source = f"{path}" + (f":{layer}" if layer else "")
    if not path.exists():
        raise InputDataError(f"{source}: {what} not found; check the path.")
    if path.is_file() and path.stat().st_size == 0:
        raise InputDataError(f"{source}: the {what} file is empty (0 bytes); write it again or restore "
                             "it from a copy.")
    return path, layer, source


def list_layers(path: str | os.PathLike[str], *, what: str = "vector file") -> list[tuple[str, str | None]]:
    """(name, geometry type) of every layer of a vector file.

    Raises
    ------
    InputDataError
        If the file is missing or not a vector format GDAL reads.
    """
    import pyogrio

    p, _, source = _checked_path(path, what)
    try:
        return [(str(n), None if g is None else str(g)) for n, g in pyogrio.list_layers(p)]
    except Exception as err:  # pyogrio raises DataSourceError and others
        raise InputDataError(f"{source}: cannot read it as a vector file ({reason(err)}); pass a "
                             "GeoPackage, Shapefile, GeoJSON or another GDAL vector format.") from None




def read_vector(
    spec: str | os.PathLike[str],
    *,
    what: str = "vector layer",
    columns: Sequence[str] | None = None,
    encoding: str | None = None,
    assume_crs: str | None = None,
    require_crs: bool = True,
) -> tuple[Any, VectorSource]:
    """Read ``FILE[:LAYER]`` of any vector format GDAL reads into a GeoDataFrame.

    Parameters
    ----------
    spec
        The file, optionally ``:LAYER``; a zipped Shapefile or a folder of Shapefiles is a file.
    what
        What the layer is, for messages (``"area of interest"``, ``"barrier layer"``).
    columns
        Read only these attribute columns (``[]``: geometry only).
    encoding
        Attribute encoding of a Shapefile without ``.cpg`` (checked when not given).
    assume_crs
        CRS for a layer that has none (the user's statement).
    require_crs
        Refuse a layer without a CRS when ``assume_crs`` is not given.

    Raises
    ------
    InputDataError
        Missing or unreadable file, unknown encoding, several layers and none named, no CRS.
    """
    import codecs

    import pyogrio

    from habitatmap.geodesy import parse_crs
    from habitatmap.grid import crs_label

    path, layer, source = _checked_path(spec, what)
    if encoding is None:
        encoding = check_shapefile_encoding(path, layer)
    else:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputDataError(f"{source}: unknown encoding {quote(encoding)}; use e.g. cp1251, gbk "
                                 "or utf-8.") from None
    try:
        layers = pyogrio.list_layers(path)
        names = ", ".join(str(n) for n, _ in layers)[:200]
        spatial = [str(n) for n, g in layers if g is not None]
        if layer is None and len(layers) > 1 and len(spatial) == 1:
            layer = spatial[0]  # the other layers are attribute tables (provenance, styles, designs)
        elif layer is None and len(layers) > 1:
            raise InputDataError(f"{source}: holds several layers ({names}); name one as FILE:LAYER.")
        if layer is not None and layer not in {str(n) for n, _ in layers}:
            raise InputDataError(f"{path}: has no layer {quote(layer)}; name one of its layers ({names}).")
        # A CSV of samples has its coordinates in columns: GDAL finds them by these names.
        csv = {"X_POSSIBLE_NAMES": "x,lon,long,longitude,easting", "Y_POSSIBLE_NAMES":
               "y,lat,latitude,northing", "KEEP_GEOM_COLUMNS": "NO"} if path.suffix.lower() == ".csv" else {}
        gdf = pyogrio.read_dataframe(path, layer=layer, encoding=encoding,
                                     columns=list(columns) if columns is not None else None, **csv)
    except InputDataError:
        raise
    except LookupError:
        raise InputDataError(f"{source}: unknown encoding {quote(encoding)}; use e.g. cp1251, gbk or "
                             "utf-8.") from None
    except Exception as err:  # pyogrio raises several error types for unreadable data
        raise InputDataError(f"{source}: cannot read it as a vector layer ({reason(err)}); pass a "
                             "GeoPackage, Shapefile, GeoJSON or another GDAL vector format.") from None
    if not hasattr(gdf, "geometry") or "geometry" not in gdf.columns:
        raise InputDataError(f"{source}: holds a table without geometries; give a layer of points or "
                             "polygons (a CSV needs X and Y, or lon and lat, columns).")
    assumed = False
    if gdf.crs is None:
        if assume_crs:
            gdf = gdf.set_crs(parse_crs(assume_crs, option="--assume-crs"))
            assumed = True
        elif require_crs:
            raise InputDataError(f"{source}: the layer has no coordinate reference system; if you know "
                                 "it, pass --assume-crs EPSG:CODE (e.g. EPSG:28422 for Pulkovo 1942 / "
                                 "Gauss-Kruger zone 22), or save the layer with its CRS (a .prj beside "
                                 "a Shapefile).")
    crs = crs_label(gdf.crs) if gdf.crs is not None else None
    if gdf.crs is not None and gdf.crs.is_geographic and len(gdf):
        _check_degrees(gdf, source)
    return gdf, VectorSource(source, path, layer, crs, len(gdf), encoding, assumed)


def _check_degrees(gdf: Any, source: str) -> None:
    """Refuse coordinates that cannot be degrees (latitude beyond 90, longitude beyond 180):
    usually longitude and latitude swapped, or metres in a layer labelled WGS 84."""
    import math

    w, s, e, n = (float(v) for v in gdf.total_bounds)
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise InputDataError(f"{source}: has coordinates that are not finite numbers; fix or drop those "
                             "features.")
    if s < -90 or n > 90 or w < -180 or e > 360:
        hint = "longitude and latitude look swapped" if w >= -90 and e <= 90 and s >= -180 and n <= 180 \
            else "they look like metres, not degrees"
        raise InputDataError(f"{source}: its CRS ({gdf.crs.name}) is in degrees, but its coordinates span "
                             f"x {w:g}..{e:g}, y {s:g}..{n:g} ({hint}); fix the coordinates or give the "
                             "layer its true CRS.")


def write_layers(dest: str | os.PathLike[str], layers: Mapping[str, object], *,
                 layer_options: Mapping[str, Mapping[str, str]] | None = None,
                 provenance: Any = None) -> Path:
    """Write named layers into one new GeoPackage, atomically (the whole file or nothing).

    Parameters
    ----------
    dest
        The GeoPackage to write (replaced if it exists).
    layers
        Layer name -> GeoDataFrame, or a plain DataFrame for an attribute table.
    layer_options
        GDAL layer creation options per layer name (e.g. ``{"layer_styles": {"FID": "id"}}``).
    provenance
        A :class:`habitatmap.provenance.Provenance`, written as the attribute table ``provenance``.
    """
    import pandas as pd
    import pyogrio

    frames = dict(layers)
    if provenance is not None:
        # Without timings, as in a GeoTIFF: the same inputs give the same record.
        record = provenance.to_json(timings=False)
        frames["provenance"] = pd.DataFrame({"key": ["provenance"], "value": [record]})
    with atomic_path(dest) as tmp:
        for i, (name, frame) in enumerate(frames.items()):
            try:
                pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", append=i > 0,
                                        layer_options=dict((layer_options or {}).get(name, {})) or None)
            except Exception as err:  # pyogrio's FeatureError etc.: SQLite's "database or disk is full"
                raise write_failure(dest, err) from None
    return Path(dest)


def write_vector(dest: str | os.PathLike[str], frame: Any, *, driver: str, layer: str | None = None,
                 encoding: str | None = None, layer_options: Mapping[str, str] | None = None,
                 fixed_date: str | None = None) -> Path:
    """Write one layer in any GDAL vector format (a Shapefile in CP1251, a GeoJSON, a GeoPackage
    layer added to a file) into a folder that is itself being staged (e.g. an
    :class:`~habitatmap.io.atomic.OutputFolder`'s): this write is not atomic on its own.

    Parameters
    ----------
    dest
        The file (for a GeoPackage, an existing file gains the layer).
    frame
        The GeoDataFrame.
    driver
        GDAL driver name.
    layer, encoding, layer_options
        As GDAL takes them.
    fixed_date
        ``YYYY-MM-DD`` stamped where the format records today's date (byte-identical reruns).
    """
    import pyogrio

    if fixed_date:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{fixed_date}T00:00:00.000Z"})
    try:
        pyogrio.write_dataframe(frame, dest, layer=layer, driver=driver, encoding=encoding,
                                layer_options=dict(layer_options or {}) or None)
    finally:
        if fixed_date:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return Path(dest)


def read_provenance(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The provenance record of a GeoPackage written by :func:`write_layers` (None without one)."""
    import json

    import pyogrio

    p, _, _ = _checked_path(path, "GeoPackage")
    if "provenance" not in {n for n, _ in list_layers(p)}:
        return None
    table = pyogrio.read_dataframe(p, layer="provenance", read_geometry=False)
    values = table.loc[table["key"] == "provenance", "value"].tolist()
    return json.loads(values[0]) if values else None
