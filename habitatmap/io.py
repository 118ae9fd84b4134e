"""Atomic file output and Cloud-Optimized GeoTIFF writing.

Every product is written to a temporary file in the destination folder and renamed into place only
when it is complete and valid, so an interrupted run never leaves a half-written output behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from habitatmap.errors import ConfigError, HabitatmapError, OutputError

__all__ = [
    "COG_PROFILE",
    "atomic_dir",
    "atomic_path",
    "check_output_folder",
    "cog_writer",
    "read_yaml",
    "sha256_file",
    "temporary_path",
    "write_cog",
    "write_layers",
    "write_text_atomic",
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


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; outputs get the usual permissions instead.
_FILE_MODE = 0o666 & ~_current_umask()


def check_output_folder(dest: Path) -> None:
    """Raise :class:`OutputError` unless ``dest``'s folder exists and is writable."""
    if not dest.parent.is_dir():
        raise OutputError(
            f"{dest}: the output folder {dest.parent} does not exist; create it or choose another path."
        )
    if not os.access(dest.parent, os.W_OK):
        raise OutputError(f"{dest}: cannot create files in {dest.parent} (permission denied); "
                          "choose a writable folder.")


def _tmp_name(dest: Path) -> Path:
    check_output_folder(dest)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{dest.stem}.tmp-", suffix=dest.suffix, dir=dest.parent)
    except OSError as err:
        raise OutputError(
            f"{dest}: cannot create files in {dest.parent} ({err.strerror}); choose a writable folder."
        ) from None
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_path(
    dest: str | os.PathLike[str],
    *,
    validate: Callable[[Path], None] | None = None,
) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; move it into place when the block succeeds.

    Parameters
    ----------
    dest
        Final path of the output.
    validate
        Optional check run on the temporary file before the rename; it raises to reject the file.

    Yields
    ------
    pathlib.Path
        The temporary path to write to (same folder, so the final rename is atomic).
    """
    dest = Path(dest)
    tmp = _tmp_name(dest)
    try:
        yield tmp
        if validate is not None:
            validate(tmp)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_yaml(path: str | os.PathLike[str], *, what: str, missing: str,
              error: type[HabitatmapError] = ConfigError) -> object:
    """Parse a YAML file safely (``yaml.safe_load``), with every failure as one sentence.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (``"legend file"``, ``"crosswalk"``).
    missing
        The fix to suggest when the file does not exist.
    error
        The exception class to raise (the caller's kind of user error).

    Raises
    ------
    HabitatmapError
        Of class ``error``: missing file, not UTF-8, or invalid YAML (with the line).
    """
    import yaml

    p = Path(path)
    if not p.is_file():
        raise error(f"{p}: {what} not found; {missing}.")
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise error(f"{p}: {what} is not UTF-8 text; save it as UTF-8.") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "syntax error"
        raise error(f"{p}: invalid YAML{at} ({problem}); fix the syntax.") from None


def write_layers(dest: str | os.PathLike[str], layers: Mapping[str, object], *,
                 layer_options: Mapping[str, Mapping[str, str]] | None = None) -> Path:
    """Write named layers into one new GeoPackage, atomically (the whole file or nothing).

    Parameters
    ----------
    dest
        The GeoPackage to write (replaced if it exists).
    layers
        Layer name -> GeoDataFrame, or a plain DataFrame for an attribute table.
    layer_options
        GDAL layer creation options per layer name (e.g. ``{"layer_styles": {"FID": "id"}}``).
    """
    import pyogrio

    with atomic_path(dest) as tmp:
        for i, (name, frame) in enumerate(layers.items()):
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", append=i > 0,
                                    layer_options=dict((layer_options or {}).get(name, {})) or None)
    return Path(dest)


def write_text_atomic(dest: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text to ``dest`` atomically and return the path."""
    dest = Path(dest)
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return dest


@contextlib.contextmanager
def atomic_dir(dest: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder beside ``dest``; swap it into place when the block succeeds.

    An existing ``dest`` is replaced only after the new folder is complete.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        yield tmp
        old = None
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
            os.replace(dest, old / dest.name)
        os.replace(tmp, dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def sha256_file(path: str | os.PathLike[str], *, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in chunks so memory stays flat."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _validate_cog(path: Path) -> None:
    from rio_cogeo.cogeo import cog_validate

    valid, errors, _warnings = cog_validate(str(path), strict=True, quiet=True)
    if not valid:
        raise OutputError(f"{path}: the written file is not a valid COG ({'; '.join(errors)}).")


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
def temporary_path(dest: str | os.PathLike[str], suffix: str) -> Iterator[Path]:
    """A scratch file name beside ``dest`` (same disk), deleted when the ``with`` block ends."""
    dest = Path(dest)
    check_output_folder(dest)
    path = _tmp_name(dest.with_suffix(suffix))
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def cog_writer(
    dest: str | os.PathLike[str],
    *,
    width: int,
    height: int,
    count: int,
    dtype: object,
    crs: object,
    transform: object,
    nodata: float | int | None,
    band_descriptions: Sequence[str] | None = None,
    tags: Mapping[str, str] | None = None,
    band_tags: Sequence[Mapping[str, str]] | None = None,
    colormap: Mapping[int, tuple[int, int, int, int]] | None = None,
    scales: Sequence[float] | None = None,
    offsets: Sequence[float] | None = None,
    resampling: str = "nearest",
    profile: Mapping[str, object] | None = None,
    stage: str | os.PathLike[str] | None = None,
) -> Iterator[object]:
    """Open a raster for block-by-block writing; on success it becomes a validated COG at ``dest``.

    Yields an open rasterio dataset: write windows into it (``dst.write(arr, window=w)``) in any
    order. The blocks go to a tiled staging GeoTIFF beside ``dest``; when the ``with`` block ends
    without error, GDAL's ``COG`` driver copies it (building overviews with bounded memory), the copy
    is validated strictly and renamed into place. On error nothing is left at ``dest``.

    Parameters
    ----------
    dest
        Output path.
    width, height, count, dtype, crs, transform, nodata
        Raster layout and georeferencing.
    band_descriptions, tags, band_tags, colormap, scales, offsets
        Metadata carried into the COG.
    resampling
        Overview resampling (``nearest`` for categories and QA bits, ``average`` for reflectance).
    profile
        Overrides of :data:`COG_PROFILE` creation options.
    stage
        Name for the staging file (default: a unique temporary name). A stale file there is replaced.
    """
    import rasterio
    from rasterio.shutil import copy as rio_copy

    dest = Path(dest)
    dtype = np.dtype(dtype)
    options = _cog_options(dtype, resampling, profile)
    if stage is None:
        stage_path = _tmp_name(dest.with_suffix(".stage.tif"))
    else:
        stage_path = Path(stage)
        check_output_folder(dest)
        stage_path.unlink(missing_ok=True)
    try:
        # The stage is not compressed: it is read once, by the COG copy, and then deleted.
        with rasterio.open(
            stage_path, "w", driver="GTiff", width=width, height=height, count=count,
            dtype=dtype, crs=crs, transform=transform, nodata=nodata, tiled=True,
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
            rio_copy(stage_path, tmp, driver="COG", **options)
    finally:
        with contextlib.suppress(FileNotFoundError):
            stage_path.unlink()


def write_cog(
    dest: str | os.PathLike[str],
    data: np.ndarray,
    *,
    crs: object,
    transform: object,
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
    """Write an in-memory array as a validated Cloud-Optimized GeoTIFF, atomically.

    See :func:`cog_writer` (which this wraps) for the parameters; ``data`` has shape
    ``(bands, rows, cols)`` or ``(rows, cols)``.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    arr = data[np.newaxis] if data.ndim == 2 else data
    count, height, width = arr.shape
    with cog_writer(dest, width=width, height=height, count=count, dtype=arr.dtype, crs=crs,
                    transform=transform, nodata=nodata, band_descriptions=band_descriptions,
                    tags=tags, band_tags=band_tags, colormap=colormap, scales=scales,
                    offsets=offsets, resampling=resampling, profile=profile) as dst:
        dst.write(arr)
    return Path(dest)
