"""Write an Omniscape run's maps: Omniscape's own files for ``.ini`` runs, COGs for the product.

``.ini`` runs write what Omniscape.jl writes, in its names and formats: a ``project_name`` folder
(``project_name_1``, ``_2`` … when it exists, as Omniscape does) holding ``config.ini`` and
``cum_currmap``, ``flow_potential``, ``normalized_cum_currmap`` and ``classified_resistance`` as
GeoTIFF or ASCII grid (``write_as_tif``), nodata -9999. The product (``corridors omniscape``) writes
float32 COGs with NaN nodata and a provenance record. Both are written strip by strip, each file
through a staging file renamed into place when complete.
"""

from __future__ import annotations

import contextlib
import math
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.corridors.omniscape.run import OmniscapeMaps

__all__ = ["NODATA", "UNITS", "project_folder", "write_cogs", "write_omniscape_files"]

#: Omniscape's nodata value.
NODATA = -9999.0
#: What each map measures.
UNITS = {"cum_currmap": "amperes", "flow_potential": "amperes", "normalized_cum_currmap": "ratio",
         "classified_resistance": "resistance"}


def project_folder(project_name: str, base: Path | None = None) -> Path:
    """Omniscape's output folder: ``project_name``, or the first free ``project_name_N``."""
    root = Path(project_name) if base is None or Path(project_name).is_absolute() else base / project_name
    if not root.exists():
        return root
    n = 1
    while Path(f"{root}_{n}").exists():
        n += 1
    return Path(f"{root}_{n}")


def _ascii_value(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


@contextlib.contextmanager
def _ascii_writer(dest: Path, maps: OmniscapeMaps) -> Iterator[Callable[[np.ndarray, int], None]]:
    """An ESRI ASCII grid written row block by row block into a staging file."""
    from habitatmap.io.atomic import atomic_path

    g = maps.grid
    west, south, _, _ = g.bounds
    with atomic_path(dest) as tmp, open(tmp, "w", encoding="ascii") as f:
        f.write(f"ncols         {g.width}\nnrows         {g.height}\nxllcorner     {west!r}\n"
                f"yllcorner     {south!r}\ncellsize      {g.resolution!r}\nNODATA_value  -9999\n")

        def write(block: np.ndarray, row: int) -> None:
            for line in block:
                f.write(" ".join(_ascii_value(v) for v in line.tolist()))
                f.write("\n")

        yield write


@contextlib.contextmanager
def _tiff_writer(dest: Path, maps: OmniscapeMaps, dtype: str) -> Iterator[Callable[[np.ndarray, int], None]]:
    """A GeoTIFF written strip by strip into a staging file (LZW, as Omniscape's)."""
    import rasterio
    from rasterio.windows import Window

    from habitatmap.io.atomic import atomic_path

    g = maps.grid
    with atomic_path(dest) as tmp, rasterio.open(
            tmp, "w", driver="GTiff", width=g.width, height=g.height, count=1, dtype=dtype, crs=g.crs or None,
            transform=g.transform, nodata=NODATA, compress="LZW", tiled=True, blockxsize=256, blockysize=256,
            bigtiff="IF_SAFER") as ds:

        def write(block: np.ndarray, row: int) -> None:
            ds.write(block.astype(dtype)[np.newaxis], window=Window(0, row, block.shape[1], block.shape[0]))

        yield write


def write_omniscape_files(maps: OmniscapeMaps, folder: Path, ini: Path | None) -> list[Path]:
    """Write an ``.ini`` run's files into ``folder`` (created; Omniscape's names and formats).

    Returns
    -------
    list of pathlib.Path
        The files written, ``config.ini`` first.
    """
    opts = maps.options
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if ini is not None:
        from habitatmap.io.atomic import atomic_path

        with atomic_path(folder / "config.ini") as tmp:
            shutil.copyfile(ini, tmp)
        files.append(folder / "config.ini")
    ext = "tif" if opts.write_as_tif else "asc"
    dtype = "float32" if opts.precision == "single" else "float64"
    with contextlib.ExitStack() as stack:
        writers: dict[str, Callable[[np.ndarray, int], None]] = {}
        for row, blocks, nodata in maps.strips():
            for name, block in blocks.items():
                if name not in writers:
                    dest = folder / f"{name}.{ext}"
                    writer = (_tiff_writer(dest, maps, dtype) if opts.write_as_tif
                              else _ascii_writer(dest, maps))
                    writers[name] = stack.enter_context(writer)
                    files.append(dest)
                out = np.array(block, dtype=np.float64)
                if name == "classified_resistance" or opts.mask_nodata:
                    out[nodata] = NODATA
                writers[name](out, row)
    return files


def write_cogs(maps: OmniscapeMaps, folder: Path, tags: dict[str, str]) -> list[str]:
    """Write the maps as float32 COGs (NaN nodata) into ``folder``; returns the file names."""
    from habitatmap.io.raster import cog_writer

    names: list[str] = []
    with contextlib.ExitStack() as stack:
        writers: dict[str, Any] = {}
        for row, blocks, nodata in maps.strips():
            for name, block in blocks.items():
                if name not in writers:
                    writers[name] = stack.enter_context(cog_writer(
                        folder / f"{name}.tif", grid=maps.grid, count=1, dtype="float32", nodata=math.nan,
                        band_descriptions=[UNITS[name]], tags={"UNITS": UNITS[name], **tags},
                        resampling="average"))
                    names.append(f"{name}.tif")
                out = block.astype(np.float32)
                if maps.options.mask_nodata or name == "classified_resistance":
                    out[nodata] = np.nan
                from rasterio.windows import Window

                writers[name].write(out[np.newaxis], window=Window(0, row, out.shape[1], out.shape[0]))
    return names
