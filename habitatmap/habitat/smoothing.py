"""Smoothing a class map for 1:100000: an optional majority filter, then the minimum mapping unit.

Both run tile by tile from a scratch raster with a halo wide enough that the result does not depend
on the tiling (see :func:`smooth_window`), so memory stays flat whatever the map's size.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rasterio.windows import Window

__all__ = ["SMOOTH_TILE", "majority_filter", "mmu_pixels", "smooth_window"]


def mmu_pixels(mmu_ha: float, pixel_area_m2: float) -> int:
    """Patches of fewer pixels than this are removed (a patch of exactly the MMU is kept)."""
    if mmu_ha <= 0:
        return 0
    return max(1, math.ceil(mmu_ha * 10_000 / pixel_area_m2 - 1e-9))


def majority_filter(labels: np.ndarray, size: int, nodata: int) -> np.ndarray:
    """Most frequent class in a ``size`` x ``size`` window (nodata pixels do not vote or change).

    A tie keeps the pixel's own class when it is among the most frequent, else the lowest code.
    """
    from scipy.ndimage import uniform_filter

    codes = [int(c) for c in np.unique(labels) if c != nodata]
    best = labels.copy()
    if not codes:
        return best
    best_count = np.full(labels.shape, -1.0, dtype=np.float32)
    own = np.zeros(labels.shape, dtype=np.float32)
    for c in codes:
        count = uniform_filter((labels == c).astype(np.float32), size=size, mode="constant") * size * size
        count = np.rint(count)
        better = count > best_count
        best[better] = c
        best_count[better] = count[better]
        own[labels == c] = count[labels == c]
    keep = own >= best_count
    best[keep] = labels[keep]
    best[labels == nodata] = nodata
    return best


#: Side of the tiles the majority filter and the MMU run on.
SMOOTH_TILE = 2048


def smooth_window(raw: Any, win: Window, grid: Any, majority: int, mmu_px: int,
                  nodata: int) -> tuple[np.ndarray, np.ndarray]:
    """Majority filter and MMU sieve for one tile, read with a halo; returns (before, after) of the tile.

    The halo makes the tile's result independent of the tiling: a patch smaller than the MMU that
    touches the tile lies wholly within ``mmu_px`` pixels of it, and a larger patch that runs out
    of the halo still shows at least ``mmu_px`` pixels inside it, so it is never mistaken for a
    small one. Only the choice between two large neighbours for a small patch at a tile edge can
    differ from a whole-map sieve (GDAL then sees the neighbours' truncated sizes).
    """
    import rasterio.features

    m = majority // 2 if majority else 0
    halo = (mmu_px + 1 if mmu_px > 1 else 0) + m
    r0, c0 = max(0, win.row_off - halo), max(0, win.col_off - halo)
    r1 = min(grid.height, win.row_off + win.height + halo)
    c1 = min(grid.width, win.col_off + win.width + halo)
    labels = raw.read(1, window=Window(c0, r0, c1 - c0, r1 - r0))
    inner = (slice(win.row_off - r0, win.row_off - r0 + win.height),
             slice(win.col_off - c0, win.col_off - c0 + win.width))
    before = labels[inner].copy()
    if majority:
        labels = majority_filter(labels, majority, nodata)
    if mmu_px > 1:
        valid = labels != nodata
        labels = rasterio.features.sieve(labels, size=mmu_px, mask=valid, connectivity=4)
        labels[~valid] = nodata
    return before, labels[inner]
