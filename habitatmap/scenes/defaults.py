"""Defaults of the Landsat Collection 2 Level-2 products and of where to find them (no imports).

The scale and offset here are used only where an item's ``raster:bands`` says nothing.
"""

from __future__ import annotations

__all__ = ["C2_SR_OFFSET", "C2_SR_SCALE", "DEFAULT_BANDS", "DEFAULT_COLLECTION", "DEFAULT_STAC"]

#: Microsoft Planetary Computer: a public STAC API with Landsat Collection 2 Level-2 as COGs.
DEFAULT_STAC = "https://planetarycomputer.microsoft.com/api/stac/v1"
DEFAULT_COLLECTION = "landsat-c2-l2"

#: Surface-reflectance bands every Landsat 4-9 Level-2 product has, by common name.
DEFAULT_BANDS: tuple[str, ...] = ("blue", "green", "red", "nir08", "swir16", "swir22")
#: Collection 2 Level-2 surface reflectance: reflectance = DN * scale + offset.
C2_SR_SCALE = 2.75e-05
C2_SR_OFFSET = -0.2
