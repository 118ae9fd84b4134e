"""Defaults of the Landsat Collection 2 Level-2 products and of where to find them (no imports).

The scale, offset and nodata here are used only where an item's ``raster:bands`` says nothing:
USGS's own STAC items (landsatlook) carry none, Planetary Computer's carry them per asset.
Source: USGS, *Landsat 8-9 Collection 2 Level 2 Science Product Guide* (LSDS-1619) and
*Landsat 4-7 C2 L2 Science Product Guide* (LSDS-1618), tables "Level-2 product scaling".
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "C2_DEFAULTS",
    "C2_SR_OFFSET",
    "C2_SR_SCALE",
    "C2_ST_OFFSET",
    "C2_ST_SCALE",
    "DEFAULT_BANDS",
    "DEFAULT_COLLECTION",
    "DEFAULT_STAC",
    "BandDefaults",
    "c2_defaults",
]

#: Microsoft Planetary Computer: a public STAC API with Landsat Collection 2 Level-2 as COGs.
DEFAULT_STAC = "https://planetarycomputer.microsoft.com/api/stac/v1"
DEFAULT_COLLECTION = "landsat-c2-l2"

#: Surface-reflectance bands every Landsat 4-9 Level-2 product has, by common name.
DEFAULT_BANDS: tuple[str, ...] = ("blue", "green", "red", "nir08", "swir16", "swir22")
#: Collection 2 Level-2 surface reflectance: reflectance = DN * scale + offset.
C2_SR_SCALE = 2.75e-05
C2_SR_OFFSET = -0.2
#: Collection 2 Level-2 surface temperature: kelvin = DN * scale + offset.
C2_ST_SCALE = 0.00341802
C2_ST_OFFSET = 149.0


class BandDefaults(NamedTuple):
    """How one kind of Collection 2 Level-2 band turns digital numbers into physical values."""

    kind: str
    scale: float
    offset: float
    nodata: float | None
    unit: str


_SR = BandDefaults("surface reflectance", C2_SR_SCALE, C2_SR_OFFSET, 0, "1")
_ST = BandDefaults("surface temperature", C2_ST_SCALE, C2_ST_OFFSET, 0, "K")
_QA = BandDefaults("quality bits", 1.0, 0.0, 1, "bit field")

#: One table by band type: the key is an ``eo:bands`` common name or, for bands that have none,
#: the asset key in either provider's spelling (Planetary Computer ``atran``, USGS ``ST_ATRAN``).
C2_DEFAULTS: dict[str, BandDefaults] = {
    **{name: _SR for name in ("coastal", "blue", "green", "red", "nir08", "nir", "swir16", "swir22")},
    **{name: _ST for name in ("lwir11", "lwir", "lwir12")},
    "qa_pixel": _QA,
    "atran": BandDefaults("atmospheric transmittance", 0.0001, 0.0, -9999, "1"),
    "cdist": BandDefaults("distance to cloud", 0.01, 0.0, -9999, "km"),
    "drad": BandDefaults("downwelled radiance", 0.001, 0.0, -9999, "W/(m2 sr um)"),
    "urad": BandDefaults("upwelled radiance", 0.001, 0.0, -9999, "W/(m2 sr um)"),
    "trad": BandDefaults("thermal radiance", 0.001, 0.0, -9999, "W/(m2 sr um)"),
    "emis": BandDefaults("emissivity", 0.0001, 0.0, -9999, "1"),
    "emsd": BandDefaults("emissivity standard deviation", 0.0001, 0.0, -9999, "1"),
    "qa": BandDefaults("surface temperature uncertainty", 0.01, 0.0, -9999, "K"),
}


def c2_defaults(common_name: str | None, asset_key: str) -> BandDefaults:
    """The Collection 2 Level-2 defaults of a band, found by common name, then by asset key.

    ``ST_B10.TIF``, ``ST_B10``, ``lwir11`` and ``ST_ATRAN`` all resolve; anything unknown is read
    as surface reflectance, the only scaling of the optical bands.
    """
    if common_name and common_name.lower() in C2_DEFAULTS:
        return C2_DEFAULTS[common_name.lower()]
    key = asset_key.lower().removesuffix(".tif")
    if key in C2_DEFAULTS:
        return C2_DEFAULTS[key]
    if key.startswith("st_"):
        rest = key[3:]
        return _ST if rest.startswith("b") else C2_DEFAULTS.get(rest, _ST)
    return _SR
