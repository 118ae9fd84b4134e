"""The sample area's grid: a ~20 km window on the Russia-China border east of Hunchun."""

from __future__ import annotations

from dataclasses import dataclass

from affine import Affine

#: UTM zone 52N on WGS 84, the zone Landsat uses for this path.
UTM_EPSG = 32652
PIXEL = 30.0


@dataclass(frozen=True)
class SampleGrid:
    """A north-up 30 m grid in UTM 52N, snapped to whole metres of 30 m (as Landsat grids are)."""

    west: float
    north: float
    width: int
    height: int

    @property
    def transform(self) -> Affine:
        """Affine transform of the grid."""
        return Affine(PIXEL, 0.0, self.west, 0.0, -PIXEL, self.north)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in metres."""
        return (self.west, self.north - self.height * PIXEL, self.west + self.width * PIXEL,
                self.north)

    def window(self, row_off: int, col_off: int, height: int, width: int) -> SampleGrid:
        """A sub-grid starting at (row_off, col_off)."""
        return SampleGrid(self.west + col_off * PIXEL, self.north - row_off * PIXEL, width, height)


def tumen_grid(size: int = 640) -> SampleGrid:
    """The master grid of the Tumen sample, ``size`` x ``size`` pixels centred near 130.73E 42.93N.

    The centre is chosen so the illustrative border runs through the middle of the window, with the
    Hunchun basin side (China) to the west and the Land-of-the-Leopard side (Russia) to the east.
    """
    # 130.73E 42.93N in UTM 52N is about (641800, 4754900); snap the corner to the 30 m lattice.
    cx, cy = 641_790.0, 4_754_910.0
    half = size * PIXEL / 2
    west = round((cx - half) / PIXEL) * PIXEL
    north = round((cy + half) / PIXEL) * PIXEL
    return SampleGrid(west=west, north=north, width=size, height=size)
