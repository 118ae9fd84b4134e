"""A run checks its inputs in one sentence and streams the same sums whatever the task size."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from habitatmap.corridors.omniscape.options import OmniscapeOptions
from habitatmap.corridors.omniscape.run import (
    MAPS,
    OmniscapeMaps,
    block_correction,
    check_inputs,
    omniscape,
    read_reclass_table,
    tile_plan,
)
from habitatmap.corridors.omniscape.targets import Geometry
from habitatmap.errors import ConfigError, HabitatmapWarning, InputDataError
from tests.unit.corridors.omniscape.conftest import write_tif


def _opts(landscape, **kw):
    return OmniscapeOptions(**{**dict(radius=4, block_size=3, resistance_file=landscape["resistance"],
                                      source_file=landscape["sources"], calc_flow_potential=True,
                                      calc_normalized_current=True), **kw})


def test_tile_plan_covers_every_centre_once():
    geo = Geometry(4, 0, 3, 37, 41)
    plan = tile_plan(geo, per=5)
    rows = {int(r) for rs, _ in plan for r in rs}
    cols = {int(c) for _, cs in plan for c in cs}
    assert rows == set(geo.centres(0).tolist()) and cols == set(geo.centres(1).tolist())
    assert sum(len(r) * len(c) for r, c in plan) == len(geo.centres(0)) * len(geo.centres(1))


def test_task_size_does_not_change_the_maps(landscape, tmp_path):
    opts = _opts(landscape)
    outs = []
    for per in (2, 50):
        with omniscape(opts, tmp_path / f"s{per}", tile_targets=per) as maps:
            assert isinstance(maps, OmniscapeMaps) and maps.tasks >= 1
            strips = list(maps.strips())
            outs.append({k: np.concatenate([s[1][k] for s in strips]) for k in MAPS})
            nodata = np.concatenate([s[2] for s in strips])
    for k in MAPS:
        np.testing.assert_allclose(outs[0][k], outs[1][k], rtol=1e-10, atol=1e-12)
    norm = outs[0]["normalized_cum_currmap"]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = outs[0]["cum_currmap"] / outs[0]["flow_potential"]
    np.testing.assert_allclose(norm, np.where(np.isnan(expected), 0, expected))
    assert nodata.sum() > 0
    assert not list(tmp_path.glob("*scratch*"))  # scratch sums are gone after the run


def test_inputs_are_checked_in_one_sentence(landscape, tmp_path):
    small = write_tif(tmp_path / "small.tif", np.ones((5, 5)))
    with pytest.raises(InputDataError, match="5 x 5 cells, but the resistance"):
        check_inputs(_opts(landscape, source_file=small))
    zero = rasterio.open(landscape["resistance"]).read(1)
    zero[3, 3] = 0.0
    bad = write_tif(tmp_path / "zero.tif", zero)
    with pytest.raises(InputDataError, match="contains 0 or negative values"):
        check_inputs(_opts(landscape, resistance_file=bad))
    with pytest.raises(InputDataError, match="not found"):
        check_inputs(_opts(landscape, source_file=tmp_path / "none.tif"))
    with pytest.raises(ConfigError, match="wider than the window"), omniscape(
            _opts(landscape, radius=1, block_size=7), tmp_path / "x"):
        pass


def test_another_origin_is_warned_about(landscape, tmp_path):
    import rasterio.transform

    src = rasterio.open(landscape["sources"]).read(1)
    moved = tmp_path / "moved.tif"
    with rasterio.open(moved, "w", driver="GTiff", width=41, height=37, count=1, dtype="float64",
                       crs="EPSG:32652", transform=rasterio.transform.from_origin(0, 0, 30, 30)) as ds:
        ds.write(src, 1)
    with pytest.warns(HabitatmapWarning, match="another projection or origin"):
        check_inputs(_opts(landscape, source_file=moved))
    check_inputs(_opts(landscape, source_file=moved, allow_different_projections=True))


def test_reclass_table_reads_julia_style_missing(tmp_path):
    p = tmp_path / "reclass.txt"
    p.write_text('1\t3\n2 4\n5   "missing"\n', encoding="utf-8")
    table = read_reclass_table(p)
    assert table[:2] == ((1.0, 3.0), (2.0, 4.0)) and np.isnan(table[2][1])
    p.write_text("1 2 3\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="line 1"):
        read_reclass_table(p)


def test_block_correction_equals_the_plain_windows_correction():
    from habitatmap.corridors.omniscape.reference import window_current
    from habitatmap.corridors.omniscape.targets import correction_array

    geo = Geometry(4, 2, 3, 50, 50)
    for four in (False, True):
        opts = OmniscapeOptions(radius=4, buffer=2, block_size=3, connect_four_neighbors_only=four)
        fast = block_correction(geo, opts)
        def plain_currents(s, g, f=four):
            return window_current(np.where(g > 0, g, np.nan), s, (6, 6), four=f)

        plain = correction_array(geo, plain_currents)
        np.testing.assert_allclose(fast, plain, rtol=1e-9)
        assert fast.shape == (13, 13) and fast.min() > 0
