"""The sample's synthetic landscape of habitats."""

from __future__ import annotations

import numpy as np

from habitatmap.legend.model import load_legend
from habitatmap.sampledata.habitat import (
    BURNABLE,
    FIRE_DATE,
    Landscape,
    Settlement,
    after_fire,
    make_fire,
    make_landscape,
)
from habitatmap.sampledata.terrain import make_terrain


def test_landscape_uses_legend_codes_only():
    rng = np.random.default_rng(4)
    land = make_landscape(rng, make_terrain(rng, (96, 96)))
    assert isinstance(land, Landscape) and land.habitat.shape == (96, 96)
    assert set(np.unique(land.habitat)) <= set(load_legend().codes)
    assert all(isinstance(s, Settlement) for s in land.settlements)


def test_the_fire_burns_burnable_cover_and_leaves_burned_ground():
    rng = np.random.default_rng(5)
    ter = make_terrain(rng, (320, 320))
    land = make_landscape(rng, ter)
    sev = make_fire(np.random.default_rng(6), ter, land)
    burned = sev > 0
    assert FIRE_DATE == "2022-04-20" and sev.min() >= 0 and sev.max() == 1.0
    assert burned.sum() > 1000 and np.isin(land.habitat[burned], BURNABLE).all()
    assert ter.side[np.unravel_index(int(sev.argmax()), sev.shape)] > 0  # it starts in Russia
    after = after_fire(land.habitat, sev)
    assert (after[sev >= 0.45] == 71).all() and (after[sev < 0.45] == land.habitat[sev < 0.45]).all()


def test_the_bundled_scenes_after_the_fire_show_it(sample_dir):
    """NBR falls inside the fire, by more where it burned harder, in the summer scenes either side
    of it; outside it the scenes agree."""
    import rasterio
    from rasterio.windows import from_bounds

    def nbr(item):
        d = sample_dir / "stac" / "landsat-c2-l2" / item
        bands = []
        for b in ("SR_B5", "SR_B7"):
            path = next(d.glob(f"*_{b}.TIF"))
            with rasterio.open(path) as ds:
                bands.append(ds.read(1).astype(float) * 2.75e-5 - 0.2)
                grid = ds.transform, ds.bounds
        with rasterio.open(next(d.glob("*_QA_PIXEL.TIF"))) as ds:
            clear = (ds.read(1) & 0b11111) == 0
        return (bands[0] - bands[1]) / (bands[0] + bands[1]), clear, grid

    pre, clear_pre, (_t, b) = nbr("LC08_L2SP_115030_20210622_02_T1")
    post, clear_post, _ = nbr("LC09_L2SP_115030_20220617_02_T1")
    with rasterio.open(sample_dir / "truth_burn_severity.tif") as ds:
        sev = ds.read(1, window=from_bounds(*b, transform=ds.transform))
    ok = clear_pre & clear_post
    d = (pre - post)[ok]
    s = sev[ok]
    assert np.median(d[s == 0]) < 0.02
    low, high = np.median(d[(s > 0) & (s < 40)]), np.median(d[s >= 70])
    assert 0.05 < low < high and high > 0.4
