"""Compositing, indices, months and grids, against hand-computed values."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from rasterio.windows import Window

from habitatmap.composite import block_size_for, medoid, parse_months
from habitatmap.errors import ConfigError
from habitatmap.grid import Grid, utm_epsg
from habitatmap.indices import compute_index, normalized_difference, parse_indices


@pytest.mark.parametrize(("spec", "months"), [
    ("6-9", {6, 7, 8, 9}), ("11-2", {11, 12, 1, 2}), ("6,7,9", {6, 7, 9}), ("6-7,9", {6, 7, 9}),
    ("12", {12}), (None, None), ("", None),
])
def test_months(spec, months):
    assert parse_months(spec) == (frozenset(months) if months else None)


@pytest.mark.parametrize("spec", ["0-3", "6-13", "june", "6-", "6--9"])
def test_bad_months(spec):
    with pytest.raises(ConfigError, match="--months"):
        parse_months(spec)


def test_normalized_difference_by_hand():
    a = np.array([0.4, 0.3, 0.0, np.nan], dtype=np.float32)
    b = np.array([0.1, 0.3, 0.0, 0.2], dtype=np.float32)
    nd = normalized_difference(a, b)
    np.testing.assert_allclose(nd[:2], [0.3 / 0.5, 0.0])
    assert np.isnan(nd[2]) and np.isnan(nd[3])
    bands = {"nir08": np.float32(0.5), "red": np.float32(0.1), "swir22": np.float32(0.2),
             "green": np.float32(0.08), "swir16": np.float32(0.25)}
    assert float(compute_index("ndvi", bands)) == pytest.approx(0.4 / 0.6)
    assert float(compute_index("nbr", bands)) == pytest.approx(0.3 / 0.7)
    assert float(compute_index("ndsi", bands)) == pytest.approx(-0.17 / 0.33)


def test_index_names_are_checked_against_bands():
    assert parse_indices("NDVI, nbr,ndvi", ["red", "nir08", "swir22"]) == ("ndvi", "nbr")
    with pytest.raises(ConfigError, match="unknown index 'evi'"):
        parse_indices("evi", ["red"])
    with pytest.raises(ConfigError, match=r"ndsi needs the band.s. green, swir16"):
        parse_indices("ndsi", ["red", "nir08"])


def test_medoid_matches_brute_force():
    rng = np.random.default_rng(3)
    t, b, n = 5, 3, 200
    stack = rng.random((t, b, n), dtype=np.float32)
    valid = rng.random((t, n)) > 0.3
    valid[:, 0] = False  # no observation
    got = medoid(stack, valid)
    assert np.isnan(got[:, 0]).all()
    for p in range(1, n):
        obs = [i for i in range(t) if valid[i, p]]
        cost = {i: sum(np.linalg.norm(stack[i, :, p] - stack[j, :, p]) for j in obs) for i in obs}
        best = min(obs, key=lambda i: (cost[i], i))
        np.testing.assert_allclose(got[:, p], stack[best, :, p], rtol=1e-6)


def test_composite_block_median_and_count(tmp_path):
    import rasterio

    from habitatmap.composite import composite_block

    grid = Grid("EPSG:32652", Grid.from_bounds(32652, (0, 0, 90, 60), 30).transform, 3, 2)
    values = [np.full((2, 2, 3), v, dtype=np.float32) for v in (0.1, 0.2, 0.4)]
    values[0][:, 0, 0] = np.nan          # pixel (0,0): scenes 2,3 -> median 0.3
    values[1][0, 1, 1] = np.nan          # one band missing makes the whole observation unclear
    for v in values:
        v[:, 1, 2] = np.nan              # pixel (1,2): nothing clear
    paths = []
    for i, v in enumerate(values):
        path = tmp_path / f"s{i}.tif"
        with rasterio.open(path, "w", driver="GTiff", width=3, height=2, count=2, dtype="float32",
                           crs="EPSG:32652", transform=grid.transform, nodata=float("nan")) as dst:
            dst.write(v)
        paths.append(str(path))
    _, out, n_in, n_empty = composite_block(paths, Window(0, 0, 3, 2), grid, None, ["red", "nir08"],
                                            "median", ("ndvi",))
    assert out.shape == (4, 2, 3)
    np.testing.assert_allclose(out[0, 0, 0], 0.3, rtol=1e-6)
    np.testing.assert_allclose(out[:2, 1, 1], [0.25, 0.25], rtol=1e-6)  # scenes 1 and 3 only
    np.testing.assert_allclose(out[0, 0, 1], 0.2, rtol=1e-6)
    np.testing.assert_array_equal(out[3], [[2, 3, 3], [3, 2, 0]])
    assert np.isnan(out[:3, 1, 2]).all() and out[3, 1, 2] == 0
    assert (n_in, n_empty) == (6, 1)


def test_block_size_keeps_task_memory_flat():
    sizes = {t: block_size_for(t, 7) for t in (1, 2, 6, 12, 50)}
    for t, side in sizes.items():
        assert side % 256 == 0 and 256 <= side <= 2048
        if side > 256:
            assert t * 7 * 4 * 3 * side * side <= 192 * 1024 * 1024
    assert sizes[2] > sizes[12]


def test_grid_snaps_outward_to_the_anchor_lattice():
    g = Grid.from_bounds("EPSG:32652", (632_401.0, 4_745_620.0, 650_890.0, 4_764_190.0), 30,
                         anchor=(632_310.0, 4_764_210.0))
    w, s, e, n = g.bounds
    assert (w, n) == (632_400.0, 4_764_210.0)
    assert (w - 632_310) % 30 == 0 and (4_764_210 - s) % 30 == 0
    assert w <= 632_401 and e >= 650_890 and s <= 4_745_620 and n >= 4_764_190
    assert e - w == 30 * g.width and n - s == 30 * g.height
    windows = list(g.blocks(256))
    assert sum(win.width * win.height for win in windows) == g.width * g.height
    assert Grid.from_dict(g.to_dict()) == g


@pytest.mark.parametrize(("lon", "lat", "epsg"), [(130.7, 42.9, 32652), (96.5, 50.3, 32647),
                                                    (-70.0, -33.0, 32719), (179.99, 10, 32660)])
def test_utm_zones(lon, lat, epsg):
    assert utm_epsg(lon, lat) == epsg


def test_all_months_combinations_parse():
    for a, b in itertools.product(range(1, 13), repeat=2):
        months = parse_months(f"{a}-{b}")
        assert months and a in months and b in months
