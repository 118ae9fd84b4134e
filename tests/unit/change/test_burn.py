"""Burn severity: the issue's worked example, every class boundary, a synthetic fire of known area."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine

from habitatmap.change.burn import (
    KEY_BENSON,
    PRODUCT,
    BurnResult,
    SeverityClass,
    burn_indices,
    classify_severity,
    load_thresholds,
    nbr,
    run_burn,
)
from habitatmap.errors import ConfigError, InputDataError


def test_worked_example():
    # NBR_pre 0.60, NBR_post 0.05 -> dNBR 550, RdNBR 710.1, RBR 343.5 (x 1000).
    out = burn_indices(np.array([0.60]), np.array([0.05]))
    assert out["dnbr"][0] == pytest.approx(550.0)
    # RdNBR = 550 / sqrt(0.6) = 710.047 exactly (the 710.1 is that figure rounded from 710.05);
    # RBR = 550 / 1.601 = 343.535.
    assert out["rdnbr"][0] == pytest.approx(550 / np.sqrt(0.6)) and out["rdnbr"][0] == pytest.approx(
        710.1, abs=0.06
    )
    assert round(out["rbr"][0], 1) == 343.5
    # NBR itself: (NIR - SWIR2) / (NIR + SWIR2).
    assert nbr(np.array([0.4]), np.array([0.1]))[0] == pytest.approx(0.6)
    assert np.isnan(nbr(np.array([0.0]), np.array([0.0]))[0])
    # An offset from unburned pixels comes off dNBR before the relative indices.
    off = burn_indices(np.array([0.60]), np.array([0.05]), offset=50)
    assert off["dnbr"][0] == pytest.approx(500) and off["rbr"][0] == pytest.approx(500 / 1.601)


@pytest.mark.parametrize(
    "value, code",
    [
        (-500.1, 0),
        (-500, 1),
        (-251, 1),
        (-250.5, 1),
        (-250, 2),
        (-100.1, 2),
        (-100, 3),
        (99, 3),
        (99.9, 3),
        (100, 4),
        (269.9, 4),
        (270, 5),
        (439, 5),
        (440, 6),
        (659.99, 6),
        (660, 7),
        (1300, 7),
        (np.nan, 0),
    ],
)
def test_every_class_boundary(value, code):
    # A value exactly on a threshold goes to the class that threshold starts.
    assert classify_severity(np.array([value]))[0] == code
    assert [c.code for c in KEY_BENSON] == list(range(1, 8)) and isinstance(KEY_BENSON[0], SeverityClass)


def test_thresholds_file(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text(
        "classes:\n  - {code: 1, key: unburned, lower: -2000}\n  - {code: 2, key: burned, lower: 200}\n"
    )
    cls = load_thresholds(str(p))
    assert classify_severity(np.array([199.9, 200]), cls).tolist() == [1, 2]
    p.write_text("classes:\n  - {code: 1, key: a, lower: 300}\n  - {code: 2, key: b, lower: 200}\n")
    with pytest.raises(ConfigError, match="increase"):
        load_thresholds(str(p))
    p.write_text("classes:\n  - {code: 1, key: a, lower: 0, colour: red}\n")
    with pytest.raises(ConfigError, match="#rrggbb"):
        load_thresholds(str(p))
    p.write_text("classes:\n  - {code: 1, key: a, lower: 0, names: High}\n")
    with pytest.raises(ConfigError, match="language: name"):
        load_thresholds(str(p))


def _composite(path, nir, swir, x0=600000.0, y0=4750000.0):
    h, w = nir.shape
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=w,
        height=h,
        count=2,
        dtype="float32",
        crs="EPSG:32652",
        transform=Affine(30, 0, x0, 0, -30, y0),
        nodata=float("nan"),
    ) as ds:
        ds.write(np.stack([nir, swir]).astype("float32"))
        ds.set_band_description(1, "nir08")
        ds.set_band_description(2, "swir22")


def test_synthetic_fire_of_known_area(tmp_path):
    n = 120
    nir = np.full((n, n), 0.40)
    swir = np.full((n, n), 0.10)  # NBR 0.6 everywhere before
    _composite(tmp_path / "pre.tif", nir, swir)
    post_nir, post_swir = nir.copy(), swir.copy()
    yy, xx = np.mgrid[:n, :n]
    fire = (yy - 60) ** 2 + (xx - 60) ** 2 <= 30**2  # a disc of radius 30 px
    post_nir[fire], post_swir[fire] = 0.15, 0.13  # NBR 0.0714: dNBR 528.6, moderate-high
    _composite(tmp_path / "post.tif", post_nir, post_swir)
    res = run_burn(tmp_path / "pre.tif", tmp_path / "post.tif", tmp_path / "out")
    assert isinstance(res, BurnResult) and PRODUCT == "change.burn"
    true_ha = np.pi * (30 * 30) ** 2 / 1e4  # 254.5 ha of disc
    boundary_px = 2 * np.pi * 30
    # Within one pixel's area (0.09 ha) per boundary pixel.
    assert abs(res.burned_ha - true_ha) <= boundary_px * 0.09
    areas = pd.read_csv(tmp_path / "out" / "areas.csv")
    assert areas.loc[areas["class"] == "moderate_high", "pixels"].iloc[0] == fire.sum()
    with rasterio.open(tmp_path / "out" / "severity.tif") as ds:
        sev = ds.read(1)
        assert ds.colormap(1)[6][:3] == (255, 100, 27)
    assert (sev[fire] == 6).all() and (sev[~fire] == 3).all()
    with rasterio.open(tmp_path / "out" / "dnbr.tif") as ds:
        assert ds.read(1)[60, 60] == pytest.approx(1000 * (0.6 - 0.02 / 0.28), rel=1e-5)
    import geopandas as gpd

    polys = gpd.read_file(tmp_path / "out" / "burned.gpkg", layer="burned")
    assert polys["area_ha"].sum() == pytest.approx(fire.sum() * 0.09)
    assert (tmp_path / "out" / "report.md").read_text().count("ha") > 3


def test_different_grids_are_refused_in_one_sentence(tmp_path):
    a = np.full((10, 10), 0.4)
    _composite(tmp_path / "pre.tif", a, a / 4)
    _composite(tmp_path / "post.tif", a, a / 4, x0=600030.0)
    with pytest.raises(InputDataError, match="not on one grid"):
        run_burn(tmp_path / "pre.tif", tmp_path / "post.tif", tmp_path / "out")
    assert not (tmp_path / "out").exists()
