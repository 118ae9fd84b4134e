"""Habitat change: a from-to matrix by hand, losses and gains by zone, area-adjusted estimates,
different grids or legends refused."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine

from habitatmap.change.habitat import (
    PRODUCT,
    ChangeResult,
    change_code,
    change_colours,
    read_crosswalk,
    run_habitat_change,
    split_code,
)
from habitatmap.errors import ConfigError, InputDataError
from habitatmap.legend import load_legend

X0, Y0 = 600000.0, 4750000.0


def _map(path, data, legend_id="habitatmap-transboundary", x0=X0):
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype="uint8",
        crs="EPSG:32652",
        transform=Affine(30, 0, x0, 0, -30, Y0),
        nodata=0,
    ) as ds:
        ds.write(data.astype("uint8"), 1)
        ds.update_tags(LEGEND_ID=legend_id, LEGEND_VERSION="1.0.0")


def test_codes_and_colours():
    assert change_code(np.array([11, 0]), np.array([31, 31])).tolist() == [1131, 0]
    assert split_code(1131) == (11, 31)
    cols = change_colours(load_legend(), [1111, 1131])
    assert cols[1111] == (225, 225, 225, 255) and cols[1131] != cols[1111]


def test_matrix_losses_gains_and_adjusted_areas(tmp_path):
    before = np.full((20, 20), 11)
    after = before.copy()
    after[:5, :] = 71  # 100 px of Korean pine forest burned: 9 ha
    after[5:7, :10] = 31  # 20 px became meadow: 1.8 ha
    _map(tmp_path / "h1.tif", before)
    _map(tmp_path / "h2.tif", after)
    zones = gpd.GeoDataFrame(
        {"country": ["RUS", "CHN"], "park": ["W", "E"], "zone_value": ["core", "buffer"]},
        geometry=[shapely.box(X0, Y0 - 600, X0 + 300, Y0), shapely.box(X0 + 300, Y0 - 600, X0 + 600, Y0)],
        crs="EPSG:32652",
    )
    zones.to_file(tmp_path / "zones.gpkg")
    # A reference sample: the interpreters saw one of the "burned" points as still forest.
    pts = [
        (X0 + 15 + 30 * c, Y0 - 15 - 30 * r, lab)
        for r, c, lab in [
            (0, 0, "1171"),
            (1, 5, "1171"),
            (2, 12, "1111"),
            (3, 3, "1171"),
            (5, 2, "1131"),
            (6, 8, "1131"),
            (10, 10, "1111"),
            (15, 3, "1111"),
            (18, 18, "1111"),
            (12, 14, "1111"),
        ]
    ]
    gpd.GeoDataFrame(
        {"reference": [p[2] for p in pts]},
        geometry=[shapely.Point(p[0], p[1]) for p in pts],
        crs="EPSG:32652",
    ).to_file(tmp_path / "ref.gpkg")
    res = run_habitat_change(
        tmp_path / "h1.tif",
        tmp_path / "h2.tif",
        tmp_path / "out",
        load_legend(),
        zones=str(tmp_path / "zones.gpkg"),
        reference=str(tmp_path / "ref.gpkg"),
    )
    assert isinstance(res, ChangeResult) and PRODUCT == "change.habitat"
    m = res.matrix
    assert m.loc["korean_pine_broadleaf_forest", "burned_bare"] == pytest.approx(9.0)
    assert m.loc["korean_pine_broadleaf_forest", "meadow_grassland"] == pytest.approx(1.8)
    assert m.loc["korean_pine_broadleaf_forest", "korean_pine_broadleaf_forest"] == pytest.approx(280 * 0.09)
    assert res.changed_ha == pytest.approx(10.8)
    ch = res.changes.set_index(["park", "class"])
    assert ch.loc[("(all)", "korean_pine_broadleaf_forest"), "loss_ha"] == pytest.approx(10.8)
    # The meadow came in the west (columns 0-9), the burn on both halves equally.
    assert ch.loc[("W", "meadow_grassland"), "gain_ha"] == pytest.approx(1.8)
    assert ch.loc[("E", "burned_bare"), "gain_ha"] == pytest.approx(4.5)
    adj = res.adjusted.set_index("code")
    # Stratum 1171 (100 px, rows 0-4): 3 of its 4 sample points burned, one still forest; the other
    # strata's points show no burn: 9 ha x 3/4 burned, and the quarter goes to unchanged forest.
    assert adj.loc[1171, "adjusted_ha"] == pytest.approx(9.0 * 3 / 4, rel=1e-6)
    assert adj.loc[1111, "adjusted_ha"] == pytest.approx(280 * 0.09 + 9.0 / 4, rel=1e-6)
    with rasterio.open(tmp_path / "out" / "change.tif") as ds:
        assert ds.read(1)[0, 0] == 1171 and ds.dtypes[0] == "uint16" and ds.colormap(1)[1171][3] == 255
    assert "→" in (tmp_path / "out" / "change.tif.aux.xml").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "out" / "provenance.json").read_text())["product"] == PRODUCT


def test_different_grids_or_legends_are_refused(tmp_path):
    a = np.full((5, 5), 11)
    _map(tmp_path / "h1.tif", a)
    _map(tmp_path / "h2.tif", a, x0=X0 + 30)
    with pytest.raises(InputDataError, match="not on one grid"):
        run_habitat_change(tmp_path / "h1.tif", tmp_path / "h2.tif", tmp_path / "o", load_legend())
    _map(tmp_path / "old.tif", np.full((5, 5), 3), legend_id="national-2015")
    _map(tmp_path / "h2.tif", a)
    with pytest.raises(InputDataError, match="--crosswalk"):
        run_habitat_change(tmp_path / "old.tif", tmp_path / "h2.tif", tmp_path / "o", load_legend())
    cw = tmp_path / "cw.yaml"
    cw.write_text("codes:\n  3: korean_pine_broadleaf_forest\n")
    assert read_crosswalk(cw, load_legend()) == {3: 11}
    res = run_habitat_change(
        tmp_path / "old.tif", tmp_path / "h2.tif", tmp_path / "o", load_legend(), crosswalk=cw
    )
    assert res.changed_ha == 0 and not (tmp_path / "o" / "adjusted.csv").exists()
    cw.write_text("nothing: here\n")
    with pytest.raises(ConfigError, match="codes"):
        read_crosswalk(cw, load_legend())
    assert isinstance(res.matrix, pd.DataFrame)
