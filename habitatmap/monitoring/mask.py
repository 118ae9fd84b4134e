"""Habitat masks for SECR: the points where an animal's activity centre may lie.

:func:`trap_buffer_mask` builds secr's default mask (``make.mask(traps, buffer, nx = 64,
type = "trapbuffer")``: a 64-column grid over the detectors' bounding box grown by the buffer, cell
centres from half a spacing in, kept within the buffer of a detector), so that results match secr's
on the same data. :func:`habitat_mask` keeps, on a spacing of its own, the points within the buffer
that fall on suitable classes of a habitat map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from habitatmap.errors import InputDataError

__all__ = ["Mask", "habitat_mask", "trap_buffer_mask"]


@dataclass
class Mask:
    """Mask points and the area each stands for.

    Attributes
    ----------
    xy
        ``(M, 2)`` point coordinates in metres.
    spacing
        Distance between neighbouring points (m).
    crs
        The CRS of ``xy`` or ``None`` for local coordinates.
    """

    xy: np.ndarray
    spacing: float
    crs: str | None = None

    @property
    def cell_ha(self) -> float:
        """Area each point stands for, in hectares."""
        return self.spacing**2 * 1e-4

    @property
    def area_ha(self) -> float:
        """Area of the whole mask, in hectares."""
        return self.cell_ha * len(self.xy)


def _grid(lo: np.ndarray, hi: np.ndarray, spacing: float) -> np.ndarray:
    # secr's seq(xl[1] + spacing/2, xl[2], spacing) in both directions, x varying fastest.
    xs = np.arange(lo[0] + spacing / 2, hi[0] + 1e-9 * spacing, spacing)
    ys = np.arange(lo[1] + spacing / 2, hi[1] + 1e-9 * spacing, spacing)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _within(points: np.ndarray, detectors: np.ndarray, buffer: float) -> np.ndarray:
    dist, _ = cKDTree(detectors).query(points)
    return dist <= buffer


def trap_buffer_mask(
    detectors: np.ndarray,
    buffer: float,
    *,
    nx: int = 64,
    spacing: float | None = None,
    crs: str | None = None,
) -> Mask:
    """secr's ``trapbuffer`` mask around ``detectors`` ``(K, 2)``.

    Parameters
    ----------
    detectors
        Detector coordinates in metres.
    buffer
        Distance from the nearest detector within which points are kept (m).
    nx
        Columns across the bounding box when ``spacing`` is not given (secr's default 64).
    spacing
        Point spacing in metres.
    crs
        CRS carried on the mask.
    """
    detectors = np.asarray(detectors, dtype=float)
    if buffer <= 0:
        raise InputDataError(f"A mask buffer of {buffer} m was asked for; give a positive distance.")
    lo, hi = detectors.min(axis=0) - buffer, detectors.max(axis=0) + buffer
    step = float(spacing) if spacing is not None else float(hi[0] - lo[0]) / nx
    points = _grid(lo, hi, step)
    return Mask(points[_within(points, detectors, buffer)], step, crs)


def habitat_mask(
    detectors: np.ndarray,
    buffer: float,
    spacing: float,
    *,
    habitat: np.ndarray,
    grid: object,
    suitable: set[int] | None,
    crs: str | None = None,
) -> Mask:
    """Mask points within ``buffer`` of a detector that fall on suitable habitat.

    Parameters
    ----------
    detectors
        Detector coordinates on ``grid``'s CRS.
    buffer, spacing
        Buffer and point spacing (m).
    habitat, grid
        The habitat map (class codes) and its :class:`~habitatmap.grid.Grid`.
    suitable
        Class codes animals live in; ``None`` keeps every mapped class (not nodata 0).
    crs
        CRS carried on the mask.
    """
    detectors = np.asarray(detectors, dtype=float)
    if spacing <= 0:
        raise InputDataError(f"A mask spacing of {spacing} m was asked for; give a positive distance.")
    lo, hi = detectors.min(axis=0) - buffer, detectors.max(axis=0) + buffer
    # Anchored on whole multiples of the spacing, so that two runs over the same area share points.
    lo = np.floor(lo / spacing) * spacing
    hi = np.ceil(hi / spacing) * spacing
    points = _grid(lo, hi, spacing)
    points = points[_within(points, detectors, buffer)]
    rows, cols = grid.rowcol(points[:, 0], points[:, 1])  # type: ignore[attr-defined]
    rows, cols = np.asarray(rows), np.asarray(cols)
    inside = (rows >= 0) & (cols >= 0) & (rows < habitat.shape[0]) & (cols < habitat.shape[1])
    codes = np.zeros(len(points), dtype=habitat.dtype)
    codes[inside] = habitat[rows[inside], cols[inside]]
    keep = inside & (codes != 0)
    if suitable is not None:
        keep &= np.isin(codes, sorted(suitable))
    if not keep.any():
        raise InputDataError(
            "No point of the habitat mask falls on suitable habitat within the buffer of "
            "the detectors; widen the buffer or the suitable classes."
        )
    return Mask(points[keep], float(spacing), crs)
