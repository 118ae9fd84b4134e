"""The monitoring steps of a site: their order, dependencies and keys."""

from __future__ import annotations

from habitatmap.legend import load_legend
from habitatmap.workflow.monitoring import monitoring_steps
from habitatmap.workflow.site import load_site
from habitatmap.workflow.steps import site_steps


def test_steps_of_the_sample_site(root):
    site = load_site(root / "workflows" / "tumen.yaml")
    steps = monitoring_steps(site, {"legend": "x 1"}, zoning=True, basemap=True)
    assert [s.name for s in steps] == ["grid", "stations", "survey", "merge", "summary", "density"]
    by = {s.name: s for s in steps}
    assert by["grid"].deps == ("classify", "zoning") and by["merge"].deps == ("grid", "survey")
    assert by["survey"].params["density_per_100km2"] == 20
    names = [s.name for s in site_steps(site, load_legend())]
    assert names.index("zoning") < names.index("grid") < names.index("density") < names.index("webmap")


def test_real_packages_are_inputs(site_copy):
    path = site_copy(
        "    survey: {density_per_100km2: 20, sigma_m: 1500, g0: 0.02, days: 60, start: 2022-06-01, seed: 0}",
        "    packages: [rus_pkg, chn_pkg]",
    )
    site = load_site(path)
    steps = monitoring_steps(site, {"legend": "x 1"}, zoning=True, basemap=True)
    merge = next(s for s in steps if s.name == "merge")
    assert "survey" not in [s.name for s in steps] and merge.deps == ("grid",)
    assert sorted(p.name for p in merge.files.values()) == ["chn_pkg", "rus_pkg"]
