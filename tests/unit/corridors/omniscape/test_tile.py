"""A task reads only its part of the inputs and its sum does not depend on how targets are tiled."""

from __future__ import annotations

import math

import numpy as np
import rasterio

from habitatmap.corridors.omniscape.options import OmniscapeOptions
from habitatmap.corridors.omniscape.targets import Geometry
from habitatmap.corridors.omniscape.tile import (
    InputFiles,
    TileResult,
    read_layers,
    read_window_of,
    solve_tile,
)


def _opts(landscape, **kw) -> OmniscapeOptions:
    base = dict(radius=5, buffer=1, block_size=3, resistance_file=landscape["resistance"],
                source_file=landscape["sources"], calc_flow_potential=True)
    return OmniscapeOptions(**{**base, **kw})


def test_layers_are_reclassified_and_padded_outside_the_raster(landscape):
    opts = _opts(landscape, source_threshold=0.5)
    raw = rasterio.open(landscape["resistance"]).read(1, masked=True).filled(np.nan)
    value = float(raw[0, 0])
    files = InputFiles(landscape["resistance"], landscape["sources"], reclass=((value, math.nan),))
    res, g, src, conds = read_layers(files, opts, -2, 5, -3, 4)
    assert res.shape == (7, 7)
    assert np.isnan(res[:2]).all() and np.isnan(res[:, :3]).all()  # outside the raster
    assert np.isnan(res[2, 3])  # reclassified to nodata
    assert g[2, 3] == 0.0 and np.all(g[np.isnan(res)] == 0)
    assert np.all((src == 0) | (src >= 0.5))
    assert conds == [None, None, None, None]


def test_sources_from_resistance_keep_cells_up_to_the_cutoff(landscape):
    opts = _opts(landscape, source_from_resistance=True, r_cutoff=1.5, source_file=None)
    res, _, src, _ = read_layers(InputFiles(landscape["resistance"]), opts, 0, 37, 0, 41)
    keep = np.isfinite(res) & (res <= 1.5)
    np.testing.assert_allclose(src[keep], 1.0 / res[keep])
    assert np.all(src[~keep] == 0)


def test_tiling_does_not_change_the_sum(landscape):
    opts = _opts(landscape)
    geo = Geometry(5, 1, 3, 37, 41)
    files = InputFiles(landscape["resistance"], landscape["sources"])
    rows, cols = geo.centres(0), geo.centres(1)
    whole = solve_tile(files, opts, geo, rows, cols, None)
    assert isinstance(whole, TileResult) and whole.targets > 50 and whole.solved <= whole.targets
    total = np.zeros((37 + 40, 41 + 40))
    for i in range(0, len(rows), 4):
        for j in range(0, len(cols), 5):
            part = solve_tile(files, opts, geo, rows[i:i + 4], cols[j:j + 5], None)
            h, w = part.current.shape
            total[part.row + 20:part.row + 20 + h, part.col + 20:part.col + 20 + w] += part.current
    h, w = whole.current.shape
    np.testing.assert_allclose(total[whole.row + 20:whole.row + 20 + h, whole.col + 20:whole.col + 20 + w],
                               whole.current, rtol=1e-10, atol=1e-12)
    assert whole.flow_potential is not None and whole.flow_potential.sum() > 0


def test_solve_targets_on_layers_read_once_equals_the_task(landscape):
    from habitatmap.corridors.omniscape.targets import target_strengths
    from habitatmap.corridors.omniscape.tile import solve_targets

    opts = _opts(landscape)
    geo = Geometry(5, 1, 3, 37, 41)
    files = InputFiles(landscape["resistance"], landscape["sources"])
    rows, cols = geo.centres(0)[2:5], geo.centres(1)[1:4]
    task = solve_tile(files, opts, geo, rows, cols, None)
    _, g, src, conds = read_layers(files, opts, -6, 43, -6, 47)
    ty, tx, amps = target_strengths(src, rows, cols, (-6, -6), geo)
    cum, fp, solved = solve_targets(g, src, conds, (-6, -6), ty, tx, amps, opts, geo, None)
    assert solved == task.solved > 0 and fp is not None
    h, w = task.current.shape
    mine = cum[task.row + 6:task.row + 6 + h, task.col + 6:task.col + 6 + w]
    np.testing.assert_allclose(mine, task.current, rtol=1e-12, atol=1e-14)


def test_blas_runs_on_one_thread_while_windows_are_solved_and_is_restored():
    import threading

    from threadpoolctl import threadpool_info

    from habitatmap.corridors.omniscape.tile import single_threaded_blas

    def blas_threads():
        return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    before = blas_threads()
    inside = []
    release = threading.Event()

    def task():
        with single_threaded_blas():
            inside.append(blas_threads())
            release.wait(5)

    t = threading.Thread(target=task)
    t.start()
    with single_threaded_blas():
        release.set()  # the other task leaves first: the limit must stay while this one runs
        t.join()
        assert set(blas_threads().values()) == {1}
    assert set(inside[0].values()) == {1}
    assert blas_threads() == before


def test_read_window_of_pads_with_nan_outside_the_raster(landscape):
    whole = rasterio.open(landscape["sources"]).read(1)
    part = read_window_of(landscape["sources"], -1, 2, 39, 43)
    assert part.shape == (3, 4)
    assert np.isnan(part[0]).all() and np.isnan(part[:, 2:]).all()
    np.testing.assert_array_equal(part[1:, :2], whole[:2, 39:41])
    assert np.isnan(read_window_of(landscape["sources"], 50, 52, 0, 3)).all()
