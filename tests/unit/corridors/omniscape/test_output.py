"""Omniscape's files (names, formats, nodata) and the product's COGs."""

from __future__ import annotations

import dataclasses

import numpy as np
import rasterio

from habitatmap.corridors.omniscape.options import OmniscapeOptions
from habitatmap.corridors.omniscape.output import (
    NODATA,
    UNITS,
    project_folder,
    write_cogs,
    write_omniscape_files,
)
from habitatmap.corridors.omniscape.run import omniscape


def test_project_folder_takes_the_first_free_suffix(tmp_path):
    assert project_folder("p", tmp_path) == tmp_path / "p"
    (tmp_path / "p").mkdir()
    (tmp_path / "p_1").mkdir()
    assert project_folder("p", tmp_path) == tmp_path / "p_2"


def test_ascii_and_tiff_files_hold_the_same_maps_with_omniscape_nodata(landscape, tmp_path):
    opts = OmniscapeOptions(radius=4, block_size=3, resistance_file=landscape["resistance"],
                            source_file=landscape["sources"], calc_flow_potential=True,
                            calc_normalized_current=True)
    with omniscape(opts, tmp_path / "s") as maps:
        tif = write_omniscape_files(maps, tmp_path / "tif", None)
    with omniscape(dataclasses.replace(opts, write_as_tif=False), tmp_path / "s2") as maps:
        asc = write_omniscape_files(maps, tmp_path / "asc", landscape["resistance"])
        cogs = write_cogs(maps, tmp_path, {"X": "1"})
    assert [p.name for p in tif] == ["cum_currmap.tif", "flow_potential.tif", "normalized_cum_currmap.tif"]
    assert asc[0].name == "config.ini" and asc[1].suffix == ".asc"
    assert sorted(cogs) == sorted(p.name for p in tif)
    for t, a in zip(tif, asc[1:], strict=True):
        with rasterio.open(t) as ds:
            tv = ds.read(1)
            assert ds.nodata == NODATA and ds.crs is not None
        with rasterio.Env(AAIGRID_DATATYPE="Float64"), rasterio.open(a) as ds:  # GDAL's default is float32
            av = ds.read(1)
        np.testing.assert_allclose(av, tv, rtol=1e-14)
        with rasterio.open(tmp_path / t.name) as ds:
            cv = ds.read(1)
            assert ds.tags()["UNITS"] == UNITS[t.stem] and ds.tags()["X"] == "1"
        np.testing.assert_array_equal(np.isnan(cv), tv == NODATA)
        np.testing.assert_allclose(cv[~np.isnan(cv)], tv[tv != NODATA], rtol=1e-6)
    assert (tv == NODATA).sum() > 0
