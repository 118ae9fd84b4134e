"""Zones (country, park, zone) burned onto a raster grid strip by strip, for area tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ZoneStrips"]


class ZoneStrips:
    """A zone layer moved onto ``grid``'s CRS (datum-guarded), rasterized one window at a time so
    memory follows the strip, not the raster.

    Attributes
    ----------
    table
        One row per zone polygon (``country``, ``park``, ``zone``); a pixel's id is its row + 1,
        0 outside every zone.
    operation
        The datum operation used to move the layer (``None`` when it was on the grid's CRS).
    """

    def __init__(self, zones: str, grid: Any, *, allow_ballpark: bool = False) -> None:
        from habitatmap.geodesy import to_crs
        from habitatmap.io.vector import read_vector

        frame, _ = read_vector(zones, what="zone layer")
        moved, self.operation = to_crs(
            frame, grid.crs, allow_ballpark=allow_ballpark, what=f"zone layer {zones}"
        )
        park = next((c for c in ("park", "park_en", "name_en", "name") if c in moved.columns), None)
        zone = next(
            (c for c in ("zone_value", "zone_class", "zone_national", "zone") if c in moved.columns), None
        )
        self.table = pd.DataFrame(
            {
                "country": moved["country"].astype(str).to_numpy() if "country" in moved else "",
                "park": moved[park].astype(str).to_numpy() if park else "",
                "zone": moved[zone].astype(str).to_numpy() if zone else "",
            }
        )
        self._shapes = [(g, i + 1) for i, g in enumerate(moved.geometry) if g is not None and not g.is_empty]
        self._grid = grid

    def ids(self, window: Any) -> np.ndarray:
        """Zone ids (int64) of the pixels of ``window``."""
        import rasterio.features
        from rasterio.windows import transform

        if not self._shapes:
            return np.zeros((int(window.height), int(window.width)), dtype=np.int64)
        out = rasterio.features.rasterize(
            self._shapes,
            out_shape=(int(window.height), int(window.width)),
            transform=transform(window, self._grid.transform),
            fill=0,
            dtype="int32",
        )
        return out.astype(np.int64)
