"""Where Omniscape puts its targets, how strong they are, and its block-artifact correction.

Indices here are 0-based; Omniscape's (1-based) rules are kept exactly, including where a window
clipped by the raster's edge takes its zeroed target block and its slice of the correction array
from the unclipped window's positions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Geometry", "block_reference", "correction_array", "correction_offset", "target_strengths",
           "window_extent", "zero_block"]


@dataclass(frozen=True)
class Geometry:
    """The integer options of a run and the raster's size.

    Attributes
    ----------
    radius, buffer, block_size
        Omniscape's ``radius``, ``buffer`` and (odd) ``block_size``, in cells.
    height, width
        Raster rows and columns.
    """

    radius: int
    buffer: int
    block_size: int
    height: int
    width: int

    @property
    def block_radius(self) -> int:
        """Half the block size, rounded down."""
        return (self.block_size - 1) // 2

    @property
    def reach(self) -> int:
        """Radius of the solved window (``radius + buffer``)."""
        return self.radius + self.buffer

    def centres(self, axis: int) -> np.ndarray:
        """Target rows (axis 0) or columns (axis 1): block centres whose whole block is inside."""
        size = self.height if axis == 0 else self.width
        br = self.block_radius
        return np.arange(br, size - br, self.block_size, dtype=np.int64)


def target_strengths(sources: np.ndarray, rows: np.ndarray, cols: np.ndarray, origin: tuple[int, int],
                     geo: Geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Targets among the block centres ``rows x cols`` (global indices) and their strengths.

    ``sources`` is a grid whose cell ``[0, 0]`` is global ``origin`` and that holds every block.
    A target's strength is the sum of the sources of its block; blocks summing to 0 are dropped.

    Returns
    -------
    ty, tx, amps
        Global row, column and strength of each target, row by row.
    """
    br = geo.block_radius
    ty, tx = np.meshgrid(rows, cols, indexing="ij")
    ty, tx = ty.ravel(), tx.ravel()
    if len(ty) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    oy, ox = origin
    bs = geo.block_size
    # Blocks are whole and side by side (centres block_size apart), so one reshape sums them all.
    y0, x0 = int(rows[0]) - br - oy, int(cols[0]) - br - ox
    sub = np.nan_to_num(sources[y0:y0 + len(rows) * bs, x0:x0 + len(cols) * bs], nan=0.0)
    amps = sub.reshape(len(rows), bs, len(cols), bs).sum(axis=(1, 3)).ravel()
    keep = amps > 0
    return ty[keep], tx[keep], amps[keep]


def window_extent(t: int, size: int, reach: int) -> tuple[int, int]:
    """First and last index (inclusive) of the window around ``t`` clipped to ``0..size-1``."""
    return max(t - reach, 0), min(t + reach, size - 1)


def zero_block(w0: int, size: int, geo: Geometry) -> tuple[int, int]:
    """Global first and last index of the block whose sources a window sets to 0.

    Omniscape zeroes the block at the window's unclipped centre position counted from the clipped
    window's start, so a window clipped at the start of the raster zeroes a block that is not
    around its target (the target's own source then goes under the ground's removal rule).
    """
    r, br = geo.reach, geo.block_radius
    return w0 + r - br, w0 + min(r + br, size - 1)


def correction_offset(t: int, size: int, geo: Geometry) -> int:
    """Index into the correction array of the target's own cell, by Omniscape's slicing rule."""
    r = geo.reach
    w0, w1 = window_extent(t, size, r)
    extent = w1 - w0 + 1
    lower, upper = 1, 2 * r + 1
    if t + 1 > size - r:
        upper = extent
    if t + 1 < r + 1:
        lower = upper - extent + 1
    return t - w0 + lower - 1


def block_reference(values: np.ndarray, kind: int) -> float:
    """The value a target compares sources with: median (``within``) or mode (``equal``) of its
    block, missing cells skipped; NaN when the whole block is missing.

    The mode is the first value whose running count exceeds every earlier maximum, scanning the
    block column by column (the order Julia iterates an array in), as Omniscape's ``mode``.
    """
    flat = values.T.ravel()
    flat = flat[~np.isnan(flat)]
    if flat.size == 0:
        return math.nan
    if kind == 1:
        return float(np.median(flat))
    counts: dict[float, int] = {}
    best, best_count = float(flat[0]), 0
    for v in flat.tolist():
        c = counts.get(v, 0) + 1
        counts[v] = c
        if c > best_count:
            best, best_count = v, c
    return best


def correction_array(geo: Geometry, currents) -> np.ndarray:
    """Omniscape's block-artifact correction, ``(2 reach + 1)`` square.

    ``currents(sources, g)`` must return the node currents of the disc window (``sources`` on the
    disc pattern, ``g`` a conductance square): it is called for the unit-source window and for the
    blocked window, both on a disc of unit conductance.
    """
    r, rad, br = geo.reach, geo.radius, geo.block_radius
    k = 2 * r + 1
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    disc = (yy * yy + xx * xx) <= r * r
    near = (yy * yy + xx * xx) <= rad * rad
    n_sources = int(near.sum())
    null_src = np.where(near, 1.0 / (n_sources - 1), 0.0)
    null_src[r, r] = 0.0
    lo, hi = r - br, min(r + br, geo.height - 1)
    lo_x, hi_x = r - br, min(r + br, geo.width - 1)
    blocked = near.astype(np.float64)
    blocked[lo:hi + 1, lo_x:hi_x + 1] = 0.0
    if blocked.sum() > 0:
        blocked *= geo.block_size ** 2 / blocked.sum()
    g = disc.astype(np.float64)
    block_current = currents(blocked, g)
    null_current = currents(null_src, g)
    total = np.zeros_like(null_current)
    for oy in range(-br, br + 1):
        for ox in range(-br, br + 1):
            ys, ye = max(0, -oy), min(k, k - oy)
            xs, xe = max(0, -ox), min(k, k - ox)
            total[ys:ye, xs:xe] += null_current[ys + oy:ye + oy, xs + ox:xe + ox]
    # A dead-end cell beyond the sources (the disc's tips with four neighbours) carries no current
    # but for rounding; it counts as 0 (a ratio of two rounding errors would be arbitrary).
    zero = block_current <= 1e-12 * float(block_current.max())
    total[zero] = 0.0
    total[total <= 1e-12 * float(total.max())] = 1.0
    block_current = np.where(zero, 1.0, block_current)
    return total / block_current
