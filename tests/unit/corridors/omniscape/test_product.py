"""``corridors omniscape``: COGs with provenance in a kept folder."""

from __future__ import annotations

import json

import numpy as np
import rasterio

from habitatmap.corridors.omniscape.options import OmniscapeOptions
from habitatmap.corridors.omniscape.product import PRODUCT, OmniscapeRun, run_omniscape


def test_writes_the_three_maps_and_a_record(landscape, tmp_path):
    opts = OmniscapeOptions(radius=4, block_size=3, calc_flow_potential=True, calc_normalized_current=True)
    out = tmp_path / "omni"
    out.mkdir()
    (out / "notes.txt").write_text("kept", encoding="utf-8")
    run = run_omniscape(landscape["resistance"], out, opts, sources=landscape["sources"])
    assert isinstance(run, OmniscapeRun) and run.targets > 0
    assert sorted(run.files) == ["cum_currmap.tif", "flow_potential.tif", "normalized_cum_currmap.tif",
                                 "provenance.json"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "kept"
    record = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert record["product"] == PRODUCT and record["parameters"]["radius"] == 4
    assert {i["role"] for i in record["inputs"]} >= {"resistance", "sources"}
    with rasterio.open(out / "cum_currmap.tif") as a, rasterio.open(out / "flow_potential.tif") as b, \
            rasterio.open(out / "normalized_cum_currmap.tif") as c:
        cum, fp, norm = a.read(1), b.read(1), c.read(1)
        assert a.dtypes[0] == "float32" and a.crs.to_epsg() == 32652
    ok = ~np.isnan(cum) & (fp > 0)
    np.testing.assert_allclose(norm[ok], cum[ok] / fp[ok], rtol=1e-5)
    # Run again with fewer maps: the ones not made again are removed.
    opts2 = OmniscapeOptions(radius=4, block_size=3)
    run2 = run_omniscape(landscape["resistance"], out, opts2, sources=landscape["sources"])
    assert sorted(run2.files) == ["cum_currmap.tif", "provenance.json"]
    assert not (out / "flow_potential.tif").exists()
