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

from habitatmap.errors import OutputError

__all__ = [
    "COG_PROFILE",
    "atomic_dir",
    "atomic_path",
    "sha256_file",
    "write_cog",
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


def _tmp_name(dest: Path) -> Path:
    if not dest.parent.is_dir():
        raise OutputError(
            f"{dest}: the output folder {dest.parent} does not exist; create it or choose another path."
        )
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
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


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
    """Write an array as a validated Cloud-Optimized GeoTIFF, atomically.

    The array is first written to a plain GeoTIFF beside the destination, then copied with GDAL's
    ``COG`` driver (which builds the overviews and orders the IFDs), validated strictly with
    rio-cogeo and only then renamed into place.

    Parameters
    ----------
    dest
        Output path.
    data
        Array of shape ``(bands, rows, cols)`` or ``(rows, cols)``.
    crs, transform
        Georeferencing (anything rasterio accepts).
    nodata
        Nodata value written to every band.
    band_descriptions, tags, band_tags, colormap, scales, offsets
        Metadata carried into the COG.
    resampling
        Overview resampling (``nearest`` for categories and QA bits, ``average`` for reflectance).
    profile
        Overrides of :data:`COG_PROFILE` creation options.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    import rasterio
    from rasterio.shutil import copy as rio_copy

    arr = data[np.newaxis] if data.ndim == 2 else data
    count, height, width = arr.shape
    dest = Path(dest)
    options = {**COG_PROFILE, **(profile or {})}
    if arr.dtype.kind in "iu" and "predictor" not in options:
        options["predictor"] = 2
    options["overview_resampling"] = resampling
    stage = _tmp_name(dest.with_suffix(".stage.tif"))
    try:
        with rasterio.open(
            stage, "w", driver="GTiff", width=width, height=height, count=count,
            dtype=arr.dtype, crs=crs, transform=transform, nodata=nodata,
            tiled=True, blockxsize=256, blockysize=256, compress="DEFLATE",
        ) as dst:
            dst.write(arr)
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
            rio_copy(stage, tmp, driver="COG", **options)
    finally:
        with contextlib.suppress(FileNotFoundError):
            stage.unlink()
    return dest
