"""Raster reading and Cloud-Optimized GeoTIFF writing: the only place the project opens a raster.

Reading refuses what would otherwise go silently wrong: a GDAL virtual path or connection string, a
driver other than the expected one (a VRT can point GDAL at any file or URL), a raster without a
CRS or with a rotated grid, and a whole-array read larger than the free memory. Every refusal is
one sentence naming the file, the problem and the fix.

Writing goes through a tiled staging GeoTIFF beside the destination; GDAL's ``COG`` driver then
copies it (building overviews with bounded memory), the copy is validated strictly and renamed into
place (see :mod:`habitatmap.io.atomic`).
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from habitatmap.errors import InputDataError, OutputError, reason
from habitatmap.grid import Grid
from habitatmap.io.atomic import atomic_path, staging_path, write_failure
from habitatmap.io.paths import check_local_path, file_url_path

__all__ = [
    "COG_PROFILE",
    "FAST_COG_PROFILE",
    "RasterArray",
    "ScratchRaster",
    "available_memory",
    "check_memory",
    "cog_writer",
    "gdal_path",
    "open_raster",
    "raster_grid",
    "read_category_names",
    "read_gzipped_raster",
    "read_raster",
    "read_window",
    "write_category_names",
    "write_cog",
]

# DEFLATE with a predictor is readable by every GDAL build QGIS ships; 256 px blocks keep range
# reads of a small area small.
COG_PROFILE: dict[str, object] = {
    "compress": "DEFLATE",
    "level": 9,
    "blocksize": 256,
    "overviews": "AUTO",
    "bigtiff": "IF_SAFER",
}

#: Overrides for large float rasters written once all reading is over (composites, burn indices):
#: ZSTD decodes and encodes several times faster than DEFLATE at a similar size, on every core.
FAST_COG_PROFILE: dict[str, object] = {"compress": "ZSTD", "level": 9, "num_threads": "ALL_CPUS"}

#: Driver names by what a file is expected to be.
GEOTIFF = ("GTiff",)

#: Share of the free memory one whole-array read may take.
MEMORY_SHARE = 0.6




# S3 bucket naming rules (AWS): 3-63 lower-case letters, digits, dots and hyphens.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def gdal_path(href: str, *, s3: bool = False) -> str:
    """The path GDAL opens for an asset: ``/vsicurl/`` for an http(s) URL, ``/vsis3/bucket/key``
    for ``s3://bucket/key`` (only with ``s3``), a checked plain path for a local file or
    ``file:`` URL. Built here only, never taken from the user.

    Raises
    ------
    InputDataError
        For any other scheme, a malformed bucket or key, and GDAL virtual paths in any spelling.
    """
    parsed = urlparse(href)
    scheme = parsed.scheme.lower()
    if scheme in ("http", "https"):
        return "/vsicurl/" + href
    if scheme == "s3" and s3:
        bucket, key = parsed.netloc, parsed.path.lstrip("/")
        if not _BUCKET.fullmatch(bucket) or ".." in bucket:
            raise InputDataError(f"{href}: {bucket!r} is not an S3 bucket name; fix the item.")
        if not key or any(c in key for c in "\x00\r\n\\") or parsed.query or parsed.fragment \
                or any(part in {"", ".", ".."} for part in key.split("/")):
            raise InputDataError(f"{href}: the S3 key is not a plain object key; fix the item.")
        return f"/vsis3/{bucket}/{key}"
    if scheme == "file":
        return str(check_local_path(file_url_path(href)))
    if scheme and not (len(scheme) == 1 and os.name == "nt"):
        raise InputDataError(f"{href}: the scheme '{scheme}:' is not read; give an http(s) URL or a "
                             "local file.")
    return str(check_local_path(href))


def open_raster(path: str | os.PathLike[str], *, what: str = "raster",
                drivers: Sequence[str] = GEOTIFF, remote: bool = False, s3: bool = False) -> Any:
    """Open a raster read-only with only the expected GDAL drivers.

    Parameters
    ----------
    path
        A local file (or, with ``remote``, an http(s) URL or ``file:`` URL).
    what
        What the file is, for messages (``"habitat map"``, ``"composite"``).
    drivers
        GDAL drivers allowed to open it (GeoTIFF by default).
    remote
        Accept http(s) URLs (read by HTTP range requests).
    s3
        With ``remote``, accept ``s3://`` URLs too (requester-pays buckets).

    Returns
    -------
    rasterio.io.DatasetReader

    Raises
    ------
    InputDataError
        Missing, empty, a folder, a virtual path, or not readable by the allowed drivers.
    """
    import rasterio

    text = os.fspath(path)
    if remote:
        gpath = gdal_path(text, s3=s3)
    else:
        p = check_local_path(text, what=what)
        if not p.exists():
            raise InputDataError(f"{p}: {what} not found; check the path.")
        if p.is_dir():
            raise InputDataError(f"{p}: is a folder, but a {what} file is expected; give the file.")
        if p.stat().st_size == 0:
            raise InputDataError(f"{p}: the {what} file is empty (0 bytes); write it again or "
                                 "restore it from a copy.")
        gpath = str(p)
    kind = " or ".join("GeoTIFF" if d == "GTiff" else "ASCII grid" if d == "AAIGrid" else d
                       for d in drivers)
    first: Exception | None = None
    for driver in drivers:  # rasterio takes one driver name at a time
        try:
            with warnings.catch_warnings():
                # A raster without georeferencing is refused by name where it matters (Grid).
                warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
                return rasterio.open(gpath, driver=driver)
        except rasterio.errors.RasterioError as err:
            first = first or err
    raise InputDataError(f"{text}: cannot read it as a {kind} ({reason(first)}); check that the "
                         f"file is a complete, uncorrupted {kind}.") from None


def raster_grid(path: str | os.PathLike[str], *, what: str = "raster",
                drivers: Sequence[str] = GEOTIFF) -> Grid:
    """The grid of a raster file (header only).

    Raises
    ------
    InputDataError
        As :func:`open_raster`, or when the raster has no CRS or is rotated.
    """
    with open_raster(path, what=what, drivers=drivers) as ds:
        return Grid.from_dataset(ds)


def available_memory() -> int:
    """Bytes of memory free for a new allocation (Linux ``MemAvailable``; else physical memory)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    with contextlib.suppress(ValueError, OSError, AttributeError):
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return 1 << 34


def check_memory(nbytes: int, what: str, *, fix: str = "use a smaller area or a machine with more "
                 "memory") -> None:
    """Refuse a read or an allocation of ``nbytes`` that would not fit the free memory.

    Raises
    ------
    InputDataError
        Naming ``what``, the size needed and the memory free.
    """
    free = available_memory()
    if nbytes > MEMORY_SHARE * free:
        raise InputDataError(f"{what}: needs about {nbytes / 2**30:.1f} GiB of memory, more than this "
                             f"machine can spare ({free / 2**30:.1f} GiB free); {fix}.")


@dataclass
class RasterArray:
    """One band read whole, with its grid.

    Attributes
    ----------
    data
        The values (float arrays have NaN where the file has nodata).
    grid
        Its grid.
    nodata
        The file's nodata value (None when it has none).
    source
        The file read.
    tags
        The dataset's metadata tags.
    """

    data: np.ndarray
    grid: Grid
    nodata: float | int | None
    source: str
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None


def read_raster(path: str | os.PathLike[str], *, band: int = 1, what: str = "raster",
                dtype: object | None = None, drivers: Sequence[str] = GEOTIFF,
                require_single_band: bool = False, require_crs: bool = True) -> RasterArray:
    """Read one band of a raster whole, after checking it fits in memory.

    Parameters
    ----------
    path
        The file.
    band
        1-based band number.
    what
        What the file is, for messages.
    dtype
        Convert to this type; a float type gets NaN where the file has its nodata value.
    drivers
        GDAL drivers allowed to open it.
    require_single_band
        Refuse files with more than one band.
    require_crs
        Refuse a raster without a CRS (else its grid's CRS is ``""``).

    Raises
    ------
    InputDataError
        As :func:`open_raster`; no CRS; more bands than allowed; too large for the free memory.
    """
    with open_raster(path, what=what, drivers=drivers) as ds:
        return _read_band(ds, band, os.fspath(path), what, dtype, require_single_band, require_crs)


def _read_band(ds: Any, band: int, path: str, what: str, dtype: object | None,
               require_single_band: bool, require_crs: bool = True) -> RasterArray:
    grid = Grid.from_dataset(ds, require_crs=require_crs)
    if require_single_band and ds.count != 1:
        raise InputDataError(f"{path}: has {ds.count} bands, but a single-band {what} is expected; "
                             "give the right file or extract the band.")
    if not 1 <= band <= ds.count:
        raise InputDataError(f"{path}: has no band {band} (it has {ds.count}); give the right file.")
    out_dtype = np.dtype(dtype) if dtype is not None else np.dtype(ds.dtypes[band - 1])
    check_memory(ds.width * ds.height * max(out_dtype.itemsize, np.dtype(ds.dtypes[band - 1]).itemsize),
                 f"{path} ({ds.width} x {ds.height} cells)")
    data = read_window(ds, band, path=path)
    nodata = ds.nodata
    if dtype is not None:
        data = data.astype(out_dtype, copy=False)
        if out_dtype.kind == "f" and nodata is not None and not np.isnan(nodata):
            data[data == out_dtype.type(nodata)] = np.nan
    return RasterArray(data, grid, nodata, path, ds.tags(), ds.descriptions[band - 1])


def read_window(ds: Any, *args: Any, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> np.ndarray:
    """``ds.read(*args, **kwargs)`` of an open raster, a failed read as one sentence naming the file.

    A truncated or corrupt GeoTIFF opens (its header is intact) and fails only when a damaged block
    is read; every block read of an input goes through here so that the failure names the file.

    Raises
    ------
    InputDataError
        The read failed.
    """
    try:
        return ds.read(*args, **kwargs)
    except Exception as err:  # rasterio raises RasterioIOError, CPLE_* and plain errors
        raise InputDataError(f"{path or ds.name}: reading failed ({reason(err)}); the file may be "
                             "truncated or corrupt, so write it again or restore it from a copy.") from None


class ScratchRaster:
    """An uncompressed, tiled scratch GeoTIFF beside an output (a unique name of this process),
    written once, read back, and deleted when the ``with`` block ends.

    Examples
    --------
    ``with ScratchRaster(out, grid=g, dtype="uint8", nodata=0) as s:`` then
    ``with s.write() as dst: ...`` and ``with s.read() as src: ...``.
    """

    def __init__(self, near: str | os.PathLike[str], *, grid: Grid, dtype: object,
                 nodata: float | int | None, count: int = 1) -> None:
        self.near, self.grid, self.dtype, self.nodata, self.count = Path(near), grid, dtype, nodata, count
        self.path: Path | None = None

    def __enter__(self) -> ScratchRaster:
        self.path = staging_path(self.near, ".scratch.tif")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def write(self) -> Any:
        """The scratch raster open for writing (a rasterio dataset; use it as a context manager)."""
        import rasterio

        g = self.grid
        return rasterio.open(self.path, "w", driver="GTiff", width=g.width, height=g.height,
                             count=self.count, dtype=self.dtype, crs=g.crs, transform=g.transform,
                             nodata=self.nodata, tiled=True, blockxsize=256, blockysize=256,
                             compress="NONE", bigtiff="IF_SAFER")

    def read(self) -> Any:
        """The scratch raster open for reading."""
        return open_raster(self.path, what="scratch raster")


def write_category_names(raster: str | os.PathLike[str], names: Mapping[int, str]) -> Path:
    """Write the GDAL PAM sidecar (``<raster>.aux.xml``) naming a class raster's categories
    (value -> name), which QGIS and ``gdalinfo`` show; atomically, after the raster exists."""
    from xml.sax.saxutils import escape

    from habitatmap.io.atomic import write_text_atomic

    top = max(names) if names else 0
    cats = "\n".join(f"      <Category>{escape(names.get(v, ''))}</Category>" for v in range(top + 1))
    text = ("<PAMDataset>\n  <PAMRasterBand band=\"1\">\n    <CategoryNames>\n"
            f"{cats}\n    </CategoryNames>\n  </PAMRasterBand>\n</PAMDataset>\n")
    return write_text_atomic(Path(os.fspath(raster) + ".aux.xml"), text)


def read_category_names(raster: str | os.PathLike[str]) -> dict[int, str]:
    """The category names of a class raster's band 1 from its PAM sidecar (value -> name; empty
    names left out); ``{}`` when it has none or the sidecar is not readable XML."""
    import xml.etree.ElementTree as ET

    side = Path(os.fspath(raster) + ".aux.xml")
    if not side.is_file() or side.stat().st_size > 64 * 2**20:
        return {}
    try:  # expat >= 2.4 refuses entity-expansion bombs; the size is capped above
        root = ET.parse(side).getroot()
    except ET.ParseError:
        return {}
    band = next((b for b in root.iter("PAMRasterBand") if b.get("band", "1") == "1"), None)
    cats = band.find("CategoryNames") if band is not None else None
    if cats is None:
        return {}
    return {i: (c.text or "") for i, c in enumerate(cats.findall("Category")) if (c.text or "").strip()}


def read_gzipped_raster(path: str | os.PathLike[str], *, what: str = "raster",
                        drivers: Sequence[str] = GEOTIFF, dtype: object | None = None,
                        require_crs: bool = True) -> RasterArray:
    """Read band 1 of a gzipped raster (``grid.asc.gz``, ``grid.tif.gz``), unpacking it in memory
    without letting the unpacked size exceed what the free memory allows.

    Raises
    ------
    InputDataError
        Not gzip, unpacks too large, or not readable by the allowed drivers.
    """
    import gzip

    from rasterio.io import MemoryFile

    p = check_local_path(path, what=what)
    if not p.is_file():
        raise InputDataError(f"{p}: {what} not found; check the path.")
    limit = int(MEMORY_SHARE * available_memory() / 4)
    try:
        with gzip.open(p, "rb") as fh:
            data = fh.read(limit + 1)
    except (OSError, EOFError) as err:
        raise InputDataError(f"{p}: not a readable gzip file ({reason(err)}); give it "
                             "unpacked.") from None
    if len(data) > limit:
        raise InputDataError(f"{p}: unpacks to more than {limit / 2**30:.1f} GiB, more than this machine "
                             "can hold; give a smaller grid.")
    ext = Path(p.name[:-3]).suffix.lower() if p.name.lower().endswith(".gz") else ""
    kind = " or ".join("GeoTIFF" if d == "GTiff" else "ASCII grid" if d == "AAIGrid" else d for d in drivers)
    try:
        with MemoryFile(data, ext=ext) as mem, mem.open(driver=list(drivers)) as ds:
            return _read_band(ds, 1, str(p), what, dtype, False, require_crs)
    except InputDataError:
        raise
    except Exception as err:  # rasterio raises RasterioIOError and others for bad content
        raise InputDataError(f"{p}: cannot read it as a gzipped {kind} ({reason(err)}); check "
                             "the file.") from None


def _validate_cog(path: Path) -> None:
    from rio_cogeo.cogeo import cog_validate

    valid, errors, _warnings = cog_validate(str(path), strict=True, quiet=True)
    if not valid:
        raise OutputError(f"{path}: the written file is not a valid COG ({', '.join(errors)[:200]}); "
                          "report this as a bug, with the command that wrote it.")


def _cog_options(dtype: np.dtype, resampling: str, profile: Mapping[str, object] | None) -> dict:
    options = {**COG_PROFILE, **(profile or {})}
    if "predictor" not in options:
        if dtype.kind in "iu":
            options["predictor"] = 2
        elif dtype.kind == "f":
            options["predictor"] = 3
    options["overview_resampling"] = resampling
    return options


@contextlib.contextmanager
def cog_writer(
    dest: str | os.PathLike[str],
    *,
    grid: Grid,
    count: int,
    dtype: object,
    nodata: float | int | None,
    band_descriptions: Sequence[str] | None = None,
    tags: Mapping[str, str] | None = None,
    band_tags: Sequence[Mapping[str, str]] | None = None,
    colormap: Mapping[int, tuple[int, int, int, int]] | None = None,
    scales: Sequence[float] | None = None,
    offsets: Sequence[float] | None = None,
    resampling: str = "nearest",
    profile: Mapping[str, object] | None = None,
) -> Iterator[Any]:
    """Open a raster for block-by-block writing; on success it becomes a validated COG at ``dest``.

    Yields an open rasterio dataset: write windows into it (``dst.write(arr, window=w)``) in any
    order. The blocks go to a tiled staging GeoTIFF beside ``dest`` (a unique name of this
    process); when the ``with`` block ends without error, GDAL's ``COG`` driver copies it, the copy
    is validated strictly and renamed into place. On error nothing is left at ``dest``.

    Parameters
    ----------
    dest
        Output path.
    grid, count, dtype, nodata
        Raster layout and georeferencing.
    band_descriptions, tags, band_tags, colormap, scales, offsets
        Metadata carried into the COG.
    resampling
        Overview resampling (``nearest`` for categories and QA bits, ``average`` for reflectance).
    profile
        Overrides of :data:`COG_PROFILE` creation options.
    """
    import rasterio
    from rasterio.shutil import copy as rio_copy

    dest = Path(dest)
    dtype = np.dtype(dtype)
    options = _cog_options(dtype, resampling, profile)
    stage_path = staging_path(dest, ".stage.tif")
    try:
        # The stage is not compressed: it is read once, by the COG copy, and then deleted.
        with rasterio.open(
            stage_path, "w", driver="GTiff", width=grid.width, height=grid.height, count=count,
            dtype=dtype, crs=grid.crs, transform=grid.transform, nodata=nodata, tiled=True,
            blockxsize=256, blockysize=256, compress="NONE",
            bigtiff="IF_SAFER", interleave="pixel",
        ) as dst:
            yield dst
            if band_descriptions:
                for i, desc in enumerate(band_descriptions, start=1):
                    dst.set_band_description(i, desc)
            if tags:
                dst.update_tags(**tags)
            if band_tags:
                for i, btags in enumerate(band_tags, start=1):
                    dst.update_tags(i, **btags)
            if colormap is not None:
                dst.write_colormap(1, dict(colormap))
            if scales is not None:
                dst.scales = tuple(scales)
            if offsets is not None:
                dst.offsets = tuple(offsets)
        with atomic_path(dest, validate=_validate_cog) as tmp:
            try:
                rio_copy(stage_path, tmp, driver="COG", **options)
            except rasterio.errors.RasterioError as err:
                raise write_failure(dest, err) from None
    except rasterio.errors.RasterioError as err:
        raise write_failure(dest, err) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            stage_path.unlink()


def write_cog(
    dest: str | os.PathLike[str],
    data: np.ndarray,
    *,
    grid: Grid,
    nodata: float | int | None,
    band_descriptions: Sequence[str] | None = None,
    tags: Mapping[str, str] | None = None,
    band_tags: Sequence[Mapping[str, str]] | None = None,
    colormap: Mapping[int, tuple[int, int, int, int]] | None = None,
    scales: Sequence[float] | None = None,
    offsets: Sequence[float] | None = None,
    resampling: str = "nearest",
    profile: Mapping[str, object] | None = None,
) -> Path:
    """Write an in-memory array on ``grid`` as a validated Cloud-Optimized GeoTIFF, atomically.

    See :func:`cog_writer` (which this wraps) for the parameters; ``data`` has shape
    ``(bands, rows, cols)`` or ``(rows, cols)``.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    arr = data[np.newaxis] if data.ndim == 2 else data
    if arr.shape[1:] != grid.shape:
        raise ValueError(f"array of shape {arr.shape[1:]} is not on the grid {grid.shape}")
    with cog_writer(dest, grid=grid, count=arr.shape[0], dtype=arr.dtype, nodata=nodata,
                    band_descriptions=band_descriptions, tags=tags, band_tags=band_tags,
                    colormap=colormap, scales=scales, offsets=offsets, resampling=resampling,
                    profile=profile) as dst:
        dst.write(arr)
    return Path(dest)
