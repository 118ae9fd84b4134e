"""Landsat Collection 2 ``QA_PIXEL`` bits: decode to masks, encode from masks.

Bit layout (USGS Landsat 8-9 Collection 2 Level-2 Science Product Guide; the same bits on
Landsat 4-7 except that cirrus is not flagged there):

====  =====================  ===============================================
bit   flag                   note
====  =====================  ===============================================
0     fill                   no image data
1     dilated cloud          cloud buffer
2     cirrus                 high-confidence cirrus (OLI only)
3     cloud
4     cloud shadow
5     snow
6     clear                  set when neither cloud nor dilated cloud is set
7     water
8-9   cloud confidence       0 none, 1 low, 2 medium, 3 high
10-11 cloud-shadow conf.
12-13 snow/ice confidence
14-15 cirrus confidence      OLI only
====  =====================  ===============================================

The clear bit is *not* a usable-pixel mask: shadowed and cirrus pixels keep it. Use
:func:`unusable_mask`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CONFIDENCE_FIELDS",
    "FLAG_BITS",
    "confidence",
    "decode_flags",
    "encode_qa",
    "unusable_mask",
]

FLAG_BITS: dict[str, int] = {
    "fill": 0, "dilated_cloud": 1, "cirrus": 2, "cloud": 3,
    "cloud_shadow": 4, "snow": 5, "clear": 6, "water": 7,
}
CONFIDENCE_FIELDS: dict[str, int] = {"cloud": 8, "cloud_shadow": 10, "snow_ice": 12, "cirrus": 14}

QA_FILL = 1  # the value of a fill pixel (only bit 0 set)


def decode_flags(qa: np.ndarray) -> dict[str, np.ndarray]:
    """Return a boolean mask for each single-bit flag in :data:`FLAG_BITS`."""
    qa = np.asarray(qa, dtype=np.uint16)
    return {name: (qa >> bit) & 1 == 1 for name, bit in FLAG_BITS.items()}


def confidence(qa: np.ndarray, field: str) -> np.ndarray:
    """Return the two-bit confidence (0 none, 1 low, 2 medium, 3 high) of ``field``."""
    shift = CONFIDENCE_FIELDS[field]
    return ((np.asarray(qa, dtype=np.uint16) >> shift) & 0b11).astype(np.uint8)


def unusable_mask(
    qa: np.ndarray, *, mask_snow: bool = True, mask_cirrus: bool = True
) -> np.ndarray:
    """Return True where a pixel must not be used: fill, cloud, dilated cloud, shadow, cirrus, snow.

    Parameters
    ----------
    qa
        ``QA_PIXEL`` values.
    mask_snow
        Mask snow (turn off for winter snow-leopard work).
    mask_cirrus
        Mask high-confidence cirrus (a no-op on Landsat 4-7, which never set it).
    """
    qa = np.asarray(qa, dtype=np.uint16)
    bits = (1 << FLAG_BITS["fill"]) | (1 << FLAG_BITS["dilated_cloud"]) | (
        1 << FLAG_BITS["cloud"]) | (1 << FLAG_BITS["cloud_shadow"])
    if mask_cirrus:
        bits |= 1 << FLAG_BITS["cirrus"]
    if mask_snow:
        bits |= 1 << FLAG_BITS["snow"]
    return (qa & np.uint16(bits)) != 0


def encode_qa(
    shape: tuple[int, int],
    *,
    fill: np.ndarray | None = None,
    cloud: np.ndarray | None = None,
    dilated_cloud: np.ndarray | None = None,
    cloud_shadow: np.ndarray | None = None,
    cirrus: np.ndarray | None = None,
    snow: np.ndarray | None = None,
    water: np.ndarray | None = None,
    oli: bool = True,
) -> np.ndarray:
    """Build ``QA_PIXEL`` values the way the USGS processing sets them.

    Flags get high confidence where set and low confidence elsewhere; the clear bit is set where
    neither cloud nor dilated cloud is; fill pixels carry only bit 0. On TM/ETM+ (``oli=False``)
    cirrus bits stay 0. A clear OLI land pixel comes out as 21824, an ETM+ one as 5440.
    """
    def m(a: np.ndarray | None) -> np.ndarray:
        return np.zeros(shape, bool) if a is None else np.asarray(a, bool)

    cloud_, dil, shadow, cir, snow_, water_, fill_ = (
        m(cloud), m(dilated_cloud), m(cloud_shadow), m(cirrus), m(snow), m(water), m(fill))
    if not oli:
        cir = np.zeros(shape, bool)
    qa = np.zeros(shape, np.uint16)

    def setbit(mask: np.ndarray, bit: int) -> None:
        qa[mask] |= np.uint16(1 << bit)

    setbit(dil, 1)
    setbit(cir, 2)
    setbit(cloud_, 3)
    setbit(shadow, 4)
    setbit(snow_, 5)
    setbit(~(cloud_ | dil), 6)
    setbit(water_, 7)
    for flag, field in ((cloud_, "cloud"), (shadow, "cloud_shadow"), (snow_, "snow_ice")):
        shift = CONFIDENCE_FIELDS[field]
        qa |= np.where(flag, np.uint16(3 << shift), np.uint16(1 << shift)).astype(np.uint16)
    if oli:
        shift = CONFIDENCE_FIELDS["cirrus"]
        qa |= np.where(cir, np.uint16(3 << shift), np.uint16(1 << shift)).astype(np.uint16)
    qa[fill_] = QA_FILL
    return qa
