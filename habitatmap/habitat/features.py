"""The classifier's features: the bands of one or more composites on one grid.

Features are named ``<position>:<band>`` (``1:nir08``, ``2:ndvi``): the composites' order on the
command line and their band descriptions. A saved model keeps these names, so applying it to other
composites checks each band it needs by name, not by position in the file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rasterio.windows import Window

from habitatmap.errors import InputDataError
from habitatmap.grid import Grid
from habitatmap.io.raster import open_raster, read_window
from habitatmap.values import quote

__all__ = ["EXCLUDED_BANDS", "SAMPLE_TILE", "FeatureStack"]

#: Side of the windows samples are read in: the COG block size ``composite`` writes.
SAMPLE_TILE = 256

#: Composite bands that describe the data rather than the surface, never used as features.
EXCLUDED_BANDS = ("clear_count",)


@dataclass(frozen=True)
class FeatureStack:
    """Which band of which composite each feature is.

    Attributes
    ----------
    paths
        The composite files, in command-line order.
    grid
        Their shared grid.
    names
        Feature names, ``<position>:<band>``.
    bands
        ``(composite index, 1-based band number)`` per feature.
    months
        Each composite's ``MONTHS`` tag (``all`` when absent), for provenance.
    """

    paths: tuple[Path, ...]
    grid: Grid
    names: tuple[str, ...]
    bands: tuple[tuple[int, int], ...]
    months: tuple[str, ...] = ()

    @classmethod
    def open(cls, paths: Sequence[str | os.PathLike[str]]) -> FeatureStack:
        """Read the composites' headers and check they share one grid.

        Raises
        ------
        InputDataError
            If a file is missing or not a raster, a band has no name, or the grids differ.
        """
        if not paths:
            raise InputDataError("no composite given; pass the composite GeoTIFF(s) to classify.")
        grid: Grid | None = None
        names: list[str] = []
        bands: list[tuple[int, int]] = []
        months: list[str] = []
        for i, p in enumerate(map(Path, paths)):
            if not p.is_file() and not p.is_dir():
                raise InputDataError(f"{p}: composite not found; build it with 'habitatmap composite'.")
            with open_raster(p, what="composite") as ds:
                here = Grid.from_dataset(ds)
                descriptions = list(ds.descriptions)
                months.append(ds.tags().get("MONTHS", "all"))
            if grid is None:
                grid = here
            elif not grid.same_as(here):
                raise InputDataError(f"{p}: not on the grid of {paths[0]} (CRS, pixel size or extent "
                                     "differ); build all composites from the same 'scenes pull' folder.")
            for b, desc in enumerate(descriptions, start=1):
                if not desc:
                    raise InputDataError(f"{p}: band {b} has no name; features are matched by band "
                                         "name, so use composites written by 'habitatmap composite'.")
                if desc in EXCLUDED_BANDS:
                    continue
                names.append(f"{i + 1}:{desc}")
                bands.append((i, b))
        assert grid is not None
        return cls(tuple(map(Path, paths)), grid, tuple(names), tuple(bands), tuple(months))

    def select(self, required: Sequence[str]) -> FeatureStack:
        """The features ``required`` (a model's feature names), in that order.

        Raises
        ------
        InputDataError
            Naming the composite and band missing.
        """
        index = dict(zip(self.names, self.bands, strict=True))
        missing = [n for n in required if n not in index]
        if missing:
            pos, band = missing[0].split(":", 1)
            k = int(pos) - 1
            where = str(self.paths[k]) if 0 <= k < len(self.paths) else f"composite #{pos} (not given)"
            raise InputDataError(
                f"{where}: has no band {quote(band)}, which the model needs (it uses "
                f"{', '.join(required)}); give the composites in the training order with those bands.")
        return FeatureStack(self.paths, self.grid, tuple(required), tuple(index[n] for n in required),
                            self.months)

    def read(self, window: Window) -> np.ndarray:
        """Features of a window as float32, shape ``(n_features, rows, cols)``; nodata is NaN."""
        out = np.empty((len(self.names), int(window.height), int(window.width)), dtype=np.float32)
        for k, path in enumerate(self.paths):
            slots = [j for j, (c, _) in enumerate(self.bands) if c == k]
            if not slots:
                continue
            with open_raster(path, what="composite") as ds:
                data = read_window(ds, [self.bands[j][1] for j in slots], window=window, out_dtype="float32",
                                   path=path)
                nodata = ds.nodata
            # Composites use NaN as nodata already; another nodata value becomes NaN here (reading
            # with masked=True would make GDAL build a mask band, a third of the read time).
            if nodata is not None and not np.isnan(nodata):
                data[data == np.float32(nodata)] = np.nan
            out[slots] = data
        return out

    def sample(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Feature values at pixel (row, col) positions, shape ``(n, n_features)``; nodata is NaN."""
        values = np.full((len(rows), len(self.names)), np.nan, dtype=np.float32)
        if len(rows) == 0:
            return values
        # Read only the tiles holding samples (the composites' 256 px COG blocks), each once: points
        # scattered over a whole scene cost their tiles, not the full rows between them.
        tile = SAMPLE_TILE
        keys = (rows // tile) * (self.grid.width // tile + 1) + cols // tile
        order = np.argsort(keys, kind="stable")
        bounds = np.flatnonzero(np.diff(keys[order])) + 1
        for sel in np.split(order, bounds):
            r0, c0 = int(rows[sel[0]]) // tile * tile, int(cols[sel[0]]) // tile * tile
            win = Window(c0, r0, min(tile, self.grid.width - c0), min(tile, self.grid.height - r0))
            block = self.read(win)
            values[sel] = block[:, rows[sel] - r0, cols[sel] - c0].T
        return values
