"""Masks: secr's trapbuffer rule, and habitat masks from a habitat map."""

from __future__ import annotations

import numpy as np
import pytest

from habitatmap.errors import InputDataError
from habitatmap.grid import Grid
from habitatmap.io.raster import read_raster
from habitatmap.monitoring.mask import Mask, habitat_mask, trap_buffer_mask


def test_trap_buffer_mask_follows_secr():
    traps = np.array([(x, y) for x in range(365, 636, 30) for y in range(365, 636, 30)], dtype=float)
    m = trap_buffer_mask(traps, 100)
    # make.mask(traps, buffer = 100, nx = 64, type = "trapbuffer"): spacing 470 / 64, cells from half a
    # spacing in, kept within 100 m of a trap.
    assert isinstance(m, Mask) and m.spacing == pytest.approx(470 / 64)
    assert m.xy[:, 0].min() == pytest.approx(265 + 470 / 128)
    d = np.sqrt(((m.xy[:, None, :] - traps[None]) ** 2).sum(-1)).min(1)
    assert (d <= 100).all() and len(m.xy) < 64 * 64
    assert m.cell_ha == pytest.approx((470 / 64) ** 2 / 1e4) and m.area_ha == pytest.approx(
        m.cell_ha * len(m.xy)
    )


def test_habitat_mask_keeps_suitable_classes(landscape):
    r = read_raster(landscape["habitat"])
    det = np.array([[632500.0, 4765000.0]])
    m = habitat_mask(det, 1000, 100, habitat=r.data, grid=r.grid, suitable={11})
    rows, cols = r.grid.rowcol(m.xy[:, 0], m.xy[:, 1])
    assert (r.data[rows, cols] == 11).all() and isinstance(r.grid, Grid)
    # Points sit on whole multiples of the spacing plus half: two runs share points.
    assert np.allclose((m.xy - 50) % 100, 0)
    with pytest.raises(InputDataError, match="suitable"):
        habitat_mask(det, 1000, 100, habitat=r.data, grid=r.grid, suitable={99})
