"""The change steps of a site: their order and dependencies, and what they make of the sample's
synthetic fire (the demo run): burned ground on the 2022 map where the fire was, severity that
follows the fire's own, area-adjusted estimates of the change."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import rasterio
from rasterio.windows import from_bounds

from habitatmap.legend import load_legend
from habitatmap.workflow.change import change_steps
from habitatmap.workflow.site import load_site
from habitatmap.workflow.steps import site_steps


def test_steps_of_the_sample_site(root):
    site = load_site(root / "workflows" / "tumen.yaml")
    steps = change_steps(site, {"legend": "x 1"}, basemap=True)
    assert [s.name for s in steps] == [
        "composite:summer:2021", "composite:autumn:2021", "classify:2021", "composite:summer:2022",
        "composite:autumn:2022", "classify:2022", "change", "burn:2022-04-20"]
    by = {s.name: s for s in steps}
    assert by["classify:2022"].deps == ("classify", "composite:summer:2022", "composite:autumn:2022")
    assert by["change"].deps == ("classify:2021", "classify:2022", "basemap")
    truths = sorted(p.name for p in by["change"].files.values())
    assert truths == ["truth_habitat.tif", "truth_habitat_2022.tif"]
    assert by["burn:2022-04-20"].deps == ("search", "pull", "basemap")
    names = [s.name for s in site_steps(site, load_legend())]
    webmap = next(s for s in site_steps(site, load_legend()) if s.name == "webmap")
    assert names.index("burn:2022-04-20") < names.index("webmap")
    assert "change" in webmap.deps and "burn:2022-04-20" in webmap.deps


def _on(path, bounds):
    with rasterio.open(path) as ds:
        return ds.read(1, window=from_bounds(*bounds, transform=ds.transform), boundless=True, fill_value=0)


def test_the_demo_maps_the_fire_and_the_change(demo_run, sample_dir):
    out, result = demo_run
    with rasterio.open(out / "change" / "change.tif") as ds:
        bounds, change = ds.bounds, ds.read(1)
    severity_truth = _on(sample_dir / "truth_burn_severity.tif", bounds)
    replaced = severity_truth >= 45
    h21, h22 = _on(out / "habitat_2021.tif", bounds), _on(out / "habitat_2022.tif", bounds)
    # Burned ground appears on the 2022 map where the canopy went, not on the 2021 map.
    assert (h22[replaced] == 71).mean() > 5 * max((h21[replaced] == 71).mean(), 0.01)
    assert (change[replaced] % 100 == 71).mean() > 0.1
    # The severity classes follow the fire's: high classes inside it, little outside.
    sev = _on(out / "burn_2022-04-20" / "severity.tif", bounds)
    seen = sev > 0
    assert np.median(sev[seen & (severity_truth >= 70)]) >= 6  # moderate-high or high
    assert (sev[seen & (severity_truth == 0)] >= 4).mean() < 0.01
    adjusted = pd.read_csv(out / "change" / "adjusted.csv").set_index("code")
    burned = adjusted.loc[1171]
    assert burned["adjusted_ha"] > burned["mapped_ha"]  # the map misses part of the burn; the sample finds it
    before, after = (_on(sample_dir / f, bounds) for f in ("truth_habitat.tif", "truth_habitat_2022.tif"))
    truth_ha = float(((before == 11) & (after == 71) & (change > 0)).sum()) * 0.09
    assert abs(burned["adjusted_ha"] - truth_ha) <= burned["ci95_ha"]
    summary = json.loads((out / "summary.json").read_text())["steps"]
    assert summary["burn:2022-04-20"]["post_scenes"] == ["LC09_L2SP_115030_20220617_02_T1"]
    assert "Burn severity of the fire of 2022-04-20" in result.stdout
    assert "korean_pine_broadleaf_forest -> burned_bare: mapped" in result.stdout
    items = {p.name for p in (out / "stac" / "items").glob("*.json")}
    assert {"tumen-burn-2022-04-20-severity.json", "tumen-change-adjusted.json", "tumen-habitat-2022.json",
            "tumen-composite-summer-2021.json"} <= items
