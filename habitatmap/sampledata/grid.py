"""The sample area's grid: a ~20 km window on the Russia-China border east of Hunchun."""

from __future__ import annotations

from habitatmap.grid import Grid

__all__ = ["PIXEL", "UTM_EPSG", "tumen_grid"]

#: UTM zone 52N on WGS 84, the zone Landsat uses for this path.
UTM_EPSG = 32652
PIXEL = 30.0


def tumen_grid(size: int = 640) -> Grid:
    """The master grid of the Tumen sample, ``size`` x ``size`` pixels centred near 130.73E 42.93N,
    30 m pixels snapped to whole multiples of 30 m (as Landsat grids are).

    The centre is chosen so the illustrative border runs through the middle of the window, with the
    Hunchun basin side (China) to the west and the Land-of-the-Leopard side (Russia) to the east.
    """
    # 130.73E 42.93N in UTM 52N is about (641800, 4754900); snap the corner to the 30 m lattice.
    cx, cy = 641_790.0, 4_754_910.0
    half = size * PIXEL / 2
    west = round((cx - half) / PIXEL) * PIXEL
    north = round((cy + half) / PIXEL) * PIXEL
    return Grid.from_origin(f"EPSG:{UTM_EPSG}", west, north, PIXEL, size, size)
