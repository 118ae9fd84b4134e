"""The step graph of each shipped site: which steps, in which order, reading what."""

from __future__ import annotations

import pytest

from habitatmap.legend.model import load_legend
from habitatmap.workflow.site import load_site
from habitatmap.workflow.steps import Step, StepContext, StepOutcome, site_steps


def _steps(root, name):
    return site_steps(load_site(root / "workflows" / f"{name}.yaml"), load_legend())


def test_tumen_graph(root):
    steps = _steps(root, "tumen")
    assert [s.name for s in steps] == [
        "legend", "search", "pull", "composite:summer", "composite:autumn", "classify", "accuracy",
        "polygonize", "basemap", "sheet", "resistance:amur_leopard", "leastcost:amur_leopard",
        "circuit:amur_leopard", "omniscape:amur_leopard", "border:amur_leopard", "zoning", "grid", "stations",
        "survey", "merge", "summary", "density", "composite:summer:2021", "composite:autumn:2021",
        "classify:2021", "composite:summer:2022", "composite:autumn:2022", "classify:2022", "change",
        "burn:2022-04-20", "webmap"]
    by = {s.name: s for s in steps}
    assert by["omniscape:amur_leopard"].deps == ("resistance:amur_leopard",)
    assert by["omniscape:amur_leopard"].params["radius"] == 12
    assert "omniscape:amur_leopard" in by["webmap"].deps
    assert isinstance(by["pull"], Step) and by["pull"].dask and by["pull"].kind == "pull"
    assert by["classify"].deps == ("composite:summer", "composite:autumn")
    assert set(by["border:amur_leopard"].deps) == {"circuit:amur_leopard", "basemap"}
    assert by["search"].remote is False and by["search"].files["catalog"].name == "stac"
    assert by["classify"].files["training"].name == "training_points.gpkg"
    assert by["accuracy"].files["labels"].name == "truth_habitat.tif"
    # Every step comes after the steps it reads.
    seen: set[str] = set()
    for s in steps:
        assert set(s.deps) <= seen, s.name
        seen.add(s.name)


def test_real_sites_graphs(root):
    altai = {s.name: s for s in _steps(root, "altai_sayan")}
    assert altai["composite:winter"].deps == ("pull:snow",) and altai["pull:snow"].params["keep_snow"]
    assert altai["composite:summer"].deps == ("pull",) and "sheet" not in altai
    assert altai["search"].remote and altai["search"].params["stac"].startswith("https://")
    lk = {s.name: s for s in _steps(root, "lesser_khingan")}
    assert "leastcost:amur_tiger" in lk and "border:amur_tiger" not in lk  # no border layer shipped
    kz = [s.name for s in _steps(root, "altyn_emel")]
    assert not any(n.startswith(("leastcost", "circuit")) for n in kz) and kz[-1] == "webmap"


def test_two_corridor_species_get_their_own_folders(root, site_copy):
    p = site_copy("      segment_km: 1\n", "      segment_km: 1\n    - species: amur_tiger\n")
    steps = site_steps(load_site(p), load_legend())
    names = [s.name for s in steps]
    assert "leastcost:amur_tiger" in names and "border:amur_tiger" in names
    from habitatmap.workflow.steps import _folders

    two = load_site(p)
    assert _folders(two, two.corridors[1])["leastcost"] == "leastcost_amur_tiger"
    site = load_site(root / "workflows" / "tumen.yaml")
    assert _folders(site, site.corridors[0])["leastcost"] == "leastcost"


def test_context_and_outcome_defaults(root, tmp_path):
    site = load_site(root / "workflows" / "tumen.yaml")
    ctx = StepContext(site, load_legend(), tmp_path, {})
    ctx.progress(1, 2)
    ctx.scene_progress("x", 1, 1)
    out = StepOutcome(["a.tif"])
    assert out.facts == {} and out.products == [] and out.provenance == []


@pytest.mark.parametrize("name", ["tumen", "lesser_khingan", "altai_sayan", "altyn_emel"])
def test_every_step_has_json_parameters(root, name):
    from habitatmap.provenance import canonical_json

    for s in _steps(root, name):
        canonical_json(s.params)  # the cache key needs them as JSON
