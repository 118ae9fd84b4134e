"""Rasters as web-map images, warped datum-safely to Web Mercator."""

from __future__ import annotations

import base64

import numpy as np
import pytest
import rasterio
from affine import Affine

from habitatmap.errors import GeodesyError
from habitatmap.legend.model import load_legend
from habitatmap.webmap.images import (
    MAX_IMAGE_PX,
    current_image,
    habitat_image,
    palette_image,
    png_data_uri,
    ratio_image,
    to_mercator,
)


def _tif(path, arr, crs="EPSG:32652", nodata=0):
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                       dtype=arr.dtype, crs=crs, transform=Affine(30, 0, 640_000, 0, -30, 4_760_000),
                       nodata=nodata) as ds:
        ds.write(arr, 1)
    return path


def test_png_data_uri():
    uri = png_data_uri(np.zeros((2, 3, 4), np.uint8))
    assert uri.startswith("data:image/png;base64,") and base64.b64decode(uri.split(",")[1])[:4] == b"\x89PNG"


def test_to_mercator_and_the_images(tmp_path):
    arr = np.full((50, 60), 51, np.uint8)
    arr[:, :30] = 61
    arr[0, 0] = 0
    path = _tif(tmp_path / "h.tif", arr)
    out, bounds, nodata, op = to_mercator(path, "nearest")
    assert out.shape[0] <= MAX_IMAGE_PX and nodata == 0 and op.target_crs == "EPSG:3857"
    (s, w), (n, e) = bounds
    assert 42.8 < s < n < 43.0 and 130.6 < w < e < 131.0
    classes, uri, _, _ = habitat_image(path, load_legend())
    assert classes == [51, 61] and uri.startswith("data:image/png")
    cur = _tif(tmp_path / "c.tif", np.linspace(0, 1, 3000, dtype=np.float32).reshape(50, 60), nodata=None)
    uri, _, vmax, _ = current_image(cur)
    assert uri.startswith("data:image/png") and 0.9 < vmax <= 1.0


def test_ratio_image_is_white_at_one_and_clear_without_flow(tmp_path):
    import io

    from PIL import Image

    ratio = np.ones((40, 40), np.float32)
    ratio[:, :10] = 0.0  # no flow
    ratio[:, 30:] = 4.0  # channelled
    path = _tif(tmp_path / "n.tif", ratio, nodata=None)
    uri, bounds, op = ratio_image(path)
    rgba = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",")[1]))))
    mid = rgba[rgba.shape[0] // 2]
    assert mid[2][3] == 0  # no flow: transparent
    assert mid[len(mid) // 2][:3].min() > 230  # ratio 1: near white
    assert mid[-3][0] > mid[-3][2]  # channelled: red
    assert op.target_crs == "EPSG:3857" and len(bounds) == 2


def test_an_old_datum_raster_needs_the_flag(tmp_path):
    path = _tif(tmp_path / "bj.tif", np.full((10, 10), 51, np.uint8), crs="EPSG:2440")
    with pytest.raises(GeodesyError, match="zero-shift ballpark"):
        to_mercator(path, "nearest")
    assert to_mercator(path, "nearest", allow_ballpark=True)[3].ballpark


def test_palette_image_uses_the_files_colour_table(tmp_path):
    arr = np.zeros((40, 40), np.uint16)
    arr[:20] = 1111  # unchanged
    arr[20:, :10] = 1171  # changed
    path = _tif(tmp_path / "c.tif", arr)
    with rasterio.open(path, "r+") as ds:
        ds.write_colormap(1, {1111: (200, 200, 200, 255), 1171: (255, 0, 0, 255)})
    shown, colours, uri, _bounds, op = palette_image(path)
    assert shown.keys() == {1111, 1171} and colours[1171] == (255, 0, 0, 255)
    assert uri.startswith("data:image/png;base64,") and op.target_crs == "EPSG:3857"
    only, _, _, _, _ = palette_image(path, keep=lambda c: c // 100 != c % 100)
    assert list(only) == [1171] and only[1171] > 0
