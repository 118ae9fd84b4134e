"""Synthetic terrain for the sample: fractal relief, a border ridge and river valleys."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from habitatmap.sampledata.grid import PIXEL

__all__ = ["Terrain", "fractal_noise", "line_mask", "make_terrain", "meander"]


def fractal_noise(rng: np.random.Generator, shape: tuple[int, int], beta: float) -> np.ndarray:
    """Zero-mean, unit-variance noise with a 1/f^beta power spectrum (larger beta: smoother)."""
    h, w = shape
    ky = np.fft.fftfreq(h)[:, None]
    kx = np.fft.rfftfreq(w)[None, :]
    k = np.hypot(kx, ky)
    k[0, 0] = np.inf
    amp = k ** (-beta / 2.0)
    spec = amp * (rng.standard_normal(amp.shape) + 1j * rng.standard_normal(amp.shape))
    field = np.fft.irfft2(spec, s=shape)
    field -= field.mean()
    return field / field.std()


def meander(rng: np.random.Generator, n: int, x0: float, amp: float, waves: float) -> np.ndarray:
    """Column position (px) of a north-south line for every row: a smooth random meander."""
    t = np.linspace(0.0, 1.0, n)
    phase = rng.uniform(0, 2 * np.pi, 3)
    x = (x0 + amp * np.sin(2 * np.pi * waves * t + phase[0])
         + 0.45 * amp * np.sin(2 * np.pi * 2.3 * waves * t + phase[1])
         + 0.2 * amp * np.sin(2 * np.pi * 5.1 * waves * t + phase[2]))
    return x


def line_mask(cols: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Rasterise a north-south line given as one column per row, 8-connected."""
    h, w = shape
    mask = np.zeros(shape, bool)
    c = np.clip(np.round(cols).astype(int), 0, w - 1)
    for r in range(h):
        lo, hi = (min(c[r], c[r - 1]), max(c[r], c[r - 1])) if r else (c[r], c[r])
        mask[r, lo:hi + 1] = True
    return mask


@dataclass
class Terrain:
    """Terrain layers on the sample grid (all arrays (rows, cols))."""

    dem: np.ndarray            # metres
    slope: np.ndarray          # degrees
    aspect: np.ndarray         # degrees clockwise from north, downslope direction
    border_col: np.ndarray     # column of the border line per row (px)
    rivers: np.ndarray         # bool, river centre lines
    river_dist: np.ndarray     # metres to the nearest river centre line
    main_river_dist: np.ndarray  # metres to the main (Chinese-side) river
    side: np.ndarray           # +1 east of the border (Russia), -1 west (China)

    def illumination(self, sun_elevation: float, sun_azimuth: float) -> np.ndarray:
        """Cosine of the solar incidence angle on each slope."""
        zen = np.radians(90.0 - sun_elevation)
        az = np.radians(sun_azimuth)
        s = np.radians(self.slope)
        a = np.radians(self.aspect)
        return np.cos(zen) * np.cos(s) + np.sin(zen) * np.sin(s) * np.cos(az - a)


def make_terrain(rng: np.random.Generator, shape: tuple[int, int]) -> Terrain:
    """Build the sample terrain: higher, rugged Russian side; basin and rivers on the Chinese side."""
    h, w = shape
    rows, cols = np.mgrid[0:h, 0:w].astype(float)
    border_col = meander(rng, h, x0=0.47 * w, amp=0.05 * w, waves=1.3)
    side = np.where(cols > border_col[:, None], 1.0, -1.0)
    d_border = np.abs(cols - border_col[:, None]) * PIXEL

    relief = fractal_noise(rng, shape, beta=3.2)
    rough = fractal_noise(rng, shape, beta=2.9)
    # Regional trend: the Hunchun basin (south-west) is low, the plateau (north-east) high.
    trend = 0.55 * (cols / w) + 0.45 * (1 - rows / h)
    dem = 150 + 380 * trend + 85 * relief + 22 * rough
    dem += 190 * np.exp(-(d_border / 2500.0) ** 2)  # the watershed ridge the border follows

    # Rivers: a main river in the Chinese basin and a smaller one on the Russian side.
    main_cols = meander(rng, h, x0=0.2 * w, amp=0.06 * w, waves=1.1)
    east_cols = meander(rng, h, x0=0.8 * w, amp=0.05 * w, waves=1.6)
    main = line_mask(main_cols, shape)
    east = line_mask(east_cols, shape)
    east[: int(0.25 * h)] = False  # it rises inside the window
    rivers = main | east
    main_dist = ndimage.distance_transform_edt(~main) * PIXEL
    river_dist = ndimage.distance_transform_edt(~rivers) * PIXEL
    # Carve valleys with flat floodplains: deeper and wider for the main river.
    level = 45 + 60 * (1 - rows / h)
    dem -= 110 * np.exp(-(main_dist / 1800.0) ** 2) + 70 * np.exp(-(river_dist / 900.0) ** 2)
    flood = main_dist < 900
    dem = np.where(flood, np.minimum(dem, level + main_dist / 900 * 20 + 3 * rough), dem)
    dem = ndimage.gaussian_filter(dem, 1.5)
    dem = np.maximum(dem, 15.0)

    gy, gx = np.gradient(dem, PIXEL)  # rows increase southwards
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    # Downslope direction clockwise from north: -gradient; north is -row.
    aspect = (np.degrees(np.arctan2(-gx, gy)) + 360.0) % 360.0
    return Terrain(dem=dem, slope=slope, aspect=aspect, border_col=border_col, rivers=rivers,
                   river_dist=river_dist, main_river_dist=main_dist, side=side)
