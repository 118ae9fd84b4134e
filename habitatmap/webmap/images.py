"""Rasters as images on a web map: warped to Web Mercator with the datum-safe operation
(:func:`habitatmap.geodesy.warp`), at most :data:`MAX_IMAGE_PX` on the longer side, as PNG data URIs."""

from __future__ import annotations

import base64
import io
import os
from typing import Any

import numpy as np

from habitatmap.geodesy import DatumOperation

__all__ = ["MAX_IMAGE_PX", "current_image", "habitat_image", "palette_image", "png_data_uri", "ratio_image",
           "to_mercator"]

#: Longest side, in pixels, of the habitat and current images embedded in a web map. A whole
#: Landsat-scene habitat map (7681 x 7821 px) then makes a 2.1 MB page (measured), and 2048 px is
#: finer than a screen shows at the overview zoom.
MAX_IMAGE_PX = 2048


def png_data_uri(rgba: np.ndarray) -> str:
    """An RGBA array as a ``data:image/png;base64,...`` URI."""
    import matplotlib.image

    buf = io.BytesIO()
    matplotlib.image.imsave(buf, rgba, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def to_mercator(path: str | os.PathLike[str], resampling: str, *, allow_ballpark: bool = False,
                what: str = "raster") -> tuple[np.ndarray, list[list[float]], float, DatumOperation | None]:
    """Band 1 of a raster in Web Mercator, at most MAX_IMAGE_PX on its longer side.

    Returns
    -------
    (array, [[south, west], [north, east]] in degrees, nodata (NaN if none), datum operation)

    Raises
    ------
    InputDataError, GeodesyError
        Unreadable or CRS-less raster; only a ballpark datum step available.
    """
    from habitatmap.geodesy import lonlat_bounds, warp, warped_grid
    from habitatmap.io.raster import read_raster

    raster = read_raster(path, what=what)
    target = warped_grid(raster.grid, "EPSG:3857", max_size=MAX_IMAGE_PX)
    data = raster.data if raster.data.dtype.kind != "f" else raster.data.astype(np.float32)
    nodata = raster.nodata
    out, op = warp(data, raster.grid, target, resampling=resampling, nodata=nodata,
                   allow_ballpark=allow_ballpark, what=f"{path}")
    # Web Mercator to degrees is a formula on one sphere: no datum is involved.
    w, s, e, n = lonlat_bounds(target.bounds, "EPSG:3857")
    return out, [[s, w], [n, e]], float(nodata) if nodata is not None else float("nan"), op


def habitat_image(path: str | os.PathLike[str], legend: Any, *,
                  allow_ballpark: bool = False) -> tuple[list[int], str, list[list[float]], Any]:
    """A class map as a PNG in the legend's colours: (codes present, data URI, bounds, operation)."""
    arr, bounds, nodata, op = to_mercator(path, "nearest", allow_ballpark=allow_ballpark, what="habitat map")
    codes = [int(c) for c in np.unique(arr) if int(c) != legend.nodata and (np.isnan(nodata) or c != nodata)]
    rgba = np.zeros((*arr.shape, 4), dtype=np.uint8)
    cmap = legend.colormap()
    for c in codes:
        if c in cmap:
            rgba[arr == c] = cmap[c]
    known = [c for c in codes if c in cmap]
    return known, png_data_uri(rgba), bounds, op


def palette_image(path: str | os.PathLike[str], *, allow_ballpark: bool = False, what: str = "class map",
                  keep: Any = None) -> tuple[dict[int, int], dict[int, tuple[int, int, int, int]], str,
                                             list[list[float]], Any]:
    """A class raster in its own colour table (burn severity, habitat change) as a PNG: (pixels of
    each code shown, the colours, data URI, bounds, operation). ``keep(codes) -> bool mask`` picks
    the codes drawn (e.g. only changed pairs); nodata, 0 and codes without a colour are clear."""
    from habitatmap.io.raster import open_raster

    with open_raster(path, what=what) as ds:
        try:
            cmap = {int(k): tuple(int(c) for c in v) for k, v in ds.colormap(1).items()}
        except ValueError:  # no colour table
            cmap = {}
    arr, bounds, nodata, op = to_mercator(path, "nearest", allow_ballpark=allow_ballpark, what=what)
    values = arr.astype(np.int64)
    codes, counts = np.unique(values, return_counts=True)
    shown = {int(c): int(n) for c, n in zip(codes, counts, strict=True)
             if c != 0 and (np.isnan(nodata) or c != nodata) and int(c) in cmap}
    if keep is not None and shown:
        wanted = np.asarray(keep(np.array(list(shown))), dtype=bool)
        shown = {c: n for (c, n), k in zip(shown.items(), wanted, strict=True) if k}
    rgba = np.zeros((*arr.shape, 4), dtype=np.uint8)
    for c in shown:
        r, g, b, _a = cmap[c]
        rgba[values == c] = (r, g, b, 230)
    return shown, {c: cmap[c] for c in shown}, png_data_uri(rgba), bounds, op


def ratio_image(path: str | os.PathLike[str], *, span: float = 4.0,
                allow_ballpark: bool = False) -> tuple[str, list[list[float]], Any]:
    """A ratio map (Omniscape's normalised current) as a PNG on a diverging ramp centred on 1 (log
    scale, ``1 / span`` to ``span``): (data URI, bounds, operation). Cells without flow are clear."""
    import matplotlib

    arr, bounds, _, op = to_mercator(path, "average", allow_ballpark=allow_ballpark,
                                     what="normalised current")
    finite = np.isfinite(arr) & (arr > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.log(np.where(finite, arr, 1.0)) / np.log(span)
    rgba = (matplotlib.colormaps["RdBu_r"](np.clip((t + 1) / 2, 0, 1)) * 255).astype(np.uint8)
    rgba[..., 3] = np.where(finite, 200, 0)
    return png_data_uri(rgba), bounds, op


def current_image(path: str | os.PathLike[str], *,
                  allow_ballpark: bool = False) -> tuple[str, list[list[float]], float, Any]:
    """A current map as a PNG (inferno ramp to its 99th percentile): (data URI, bounds, top, operation)."""
    import matplotlib

    arr, bounds, _, op = to_mercator(path, "average", allow_ballpark=allow_ballpark, what="current map")
    finite = np.isfinite(arr) & (arr > 0)
    vmax = float(np.quantile(arr[finite], 0.99)) if finite.any() else 1.0
    norm = np.clip(np.where(finite, arr, 0) / vmax, 0, 1)
    rgba = (matplotlib.colormaps["inferno"](norm) * 255).astype(np.uint8)
    rgba[..., 3] = np.where(finite, 200, 0)
    return png_data_uri(rgba), bounds, vmax, op
