"""Site workflow files: the schema, the shipped sites, and errors that name the line and the field."""

from __future__ import annotations

import pytest

from habitatmap.errors import ConfigError
from habitatmap.workflow.site import (
    BasemapSpec,
    ChangeDesignSpec,
    ChangeSpec,
    ClassificationSpec,
    CompositeSpec,
    CoresSpec,
    CorridorSpec,
    DateRange,
    DensitySpec,
    FireSpec,
    MonitoringSpec,
    OmniscapeSpec,
    ReferenceDesignSpec,
    SceneSearch,
    Site,
    SurveySpec,
    ZoningSpec,
    key_lines,
    load_site,
)

SITES = ("tumen", "lesser_khingan", "altai_sayan", "altyn_emel")


def test_bundled_site(root):
    site = load_site(root / "workflows" / "tumen.yaml")
    assert isinstance(site, Site) and site.id == "tumen" and site.root == root / "workflows"
    assert isinstance(site.scenes, SceneSearch) and isinstance(site.scenes.dates[0], DateRange)
    assert isinstance(site.composites["summer"], CompositeSpec)
    assert isinstance(site.classification, ClassificationSpec)
    assert isinstance(site.classification.reference_design, ReferenceDesignSpec)
    assert isinstance(site.basemap, BasemapSpec) and isinstance(site.corridors[0], CorridorSpec)
    assert isinstance(site.corridors[0].cores, CoresSpec) and isinstance(site.zoning, ZoningSpec)
    assert site.zoning.species == "amur_leopard" and site.zoning.mismatch_km == 2
    om = site.corridors[0].omniscape
    assert isinstance(om, OmniscapeSpec) and (om.radius, om.block_size, om.r_cutoff) == (12, 9, 5.0)
    mon = site.monitoring
    assert isinstance(mon, MonitoringSpec) and mon.cell_km == 2
    assert mon.species == "Panthera pardus orientalis"
    assert isinstance(mon.survey, SurveySpec) and isinstance(mon.density, DensitySpec)
    # Relative paths are relative to the site file's folder, so a copied site keeps working.
    assert site.resolve(site.aoi) == root / "workflows" / "tumen_aoi.geojson"
    assert site.resolve(site.sample) == root / "sample_data" / "tumen"
    assert site.stac_source() == str(root / "sample_data" / "tumen" / "stac" / "catalog.json")
    assert site.resolve_layer(site.basemap.layers[2]).endswith("cn_tlnp.gpkg:国家公园范围")


@pytest.mark.parametrize("name", SITES)
def test_shipped_sites_load(root, name):
    site = load_site(root / "workflows" / f"{name}.yaml")
    assert site.id == name and site.name.kk  # every site is named in every legend language
    assert site.resolve(site.aoi).is_file()
    for layer in site.basemap.layers:  # the shipped (approximate) outlines are there
        assert site.resolve(layer.split(":")[0]).is_file()
    text = (root / "workflows" / f"{name}.yaml").read_text(encoding="utf-8")
    if name != "tumen":
        assert "APPROXIMATE" in text and site.sample is None
        assert site.stac_source().startswith("https://")


def test_real_sites_ask_what_the_issue_asks(root):
    altai = load_site(root / "workflows" / "altai_sayan.yaml")
    assert altai.crs == "ESRI:102025"  # equal-area: the site spans UTM zones 45-47
    assert any(c.keep_snow for c in altai.composites.values())
    assert altai.corridors[0].species == "snow_leopard"
    kz = load_site(root / "workflows" / "altyn_emel.yaml")
    assert "kk" in kz.languages and kz.webmap_lang == "kk" and kz.species[0] == "pallas_cat"
    lk = load_site(root / "workflows" / "lesser_khingan.yaml")
    assert lk.corridors[0].species == "amur_tiger" and set(lk.countries) == {"RUS", "CHN"}


def test_key_lines():
    text = "site:\n  id: x\n  composites:\n    summer: {months: 6-8}\n  dates:\n    - a\n    - b\n"
    lines = key_lines(text)
    assert lines[("site", "id")] == 2 and lines[("site", "composites", "summer", "months")] == 4
    assert lines[("site", "dates", 1)] == 7


def _edit(root, tmp_path, old, new):
    text = (root / "workflows" / "tumen.yaml").read_text(encoding="utf-8")
    assert old in text
    p = tmp_path / "workflows" / "s.yaml"
    p.parent.mkdir(exist_ok=True)
    p.write_text(text.replace(old, new), encoding="utf-8")
    return p


@pytest.mark.parametrize(("old", "new", "message"), [
    ("languages: [en, ru, zh, mn]", "languages: [en, xx]",
     r"line 15: site.languages.1: unknown language 'xx'"),
    ("composites: [summer, autumn]", "composites: [winter]",
     r"site.classification.composites: \['winter'\] are not defined under site.composites"),
    ("max_cloud: 60", "max_cloud: 600", r"line \d+: site.scenes.max_cloud: input should be less than"),
    ("max_cloud: 60", "max_cloud: .nan", r"site.scenes.max_cloud: input should be a finite number"),
    ("months: 6-8, method: median", "months: 6-13, method: median",
     r"line \d+: site.composites.summer.months: not months"),
    ("months: 9-10, method: median", "months: 9-10, method: mean",
     r"site.composites.autumn.method: unknown method 'mean'"),
    ("indices: [ndvi, ndwi, nbr, ndmi]}\n  # The habitat", "indices: [ndvi, evi]}\n  # The habitat",
     r"site.composites.autumn.indices"),
    ("{start: 2021-05-01, end: 2022-10-31}", "{start: 2022-05-01, end: 2021-10-31}",
     r"site.scenes.dates.0: value error, end 2021-10-31 is before start 2022-05-01"),
    ("    - species: amur_leopard", "    - species: snow_leopard",
     r"site.corridors.0.species: 'snow_leopard' is not one of the site's species"),
    ("cores: {layer: zones, select: zone_class=core}", "cores: {layer: zones, file: x.gpkg}",
     r"give exactly one of layer"),
    ("  aoi: tumen_aoi.geojson", "  aoi: tumen_aoi.geojson\n  inputs: {}", r"site.inputs: extra inputs"),
    ("webmap_lang: en", "webmap_lang: de", r"site.webmap_lang: unknown language 'de'"),
    ("omniscape: {radius: 12, block_size: 9", "omniscape: {radius: 12, block_size: 6",
     r"site.corridors.0.omniscape: value error, block_size 6 must be odd"),
    ("omniscape: {radius: 12,", "omniscape: {radius: 0,", r"site.corridors.0.omniscape.radius"),
    ("crs: EPSG:32652", "crs: nonsense", r"line 13: site.crs: not a coordinate reference system PROJ knows"),
])
def test_site_errors_name_line_and_field(root, tmp_path, old, new, message):
    with pytest.raises(ConfigError, match=message):
        load_site(_edit(root, tmp_path, old, new))


def test_not_a_site(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("nothing: here\n")
    with pytest.raises(ConfigError, match="no top-level 'site' mapping"):
        load_site(p)
    p.write_text("site: [a, b]\n")
    with pytest.raises(ConfigError, match="no top-level 'site' mapping"):
        load_site(p)


def test_monitoring_needs_packages_or_a_survey(site_copy):
    old = "    survey: {density_per_100km2: 20"
    path = site_copy(old, "    packages: [a, b]\n" + old)
    with pytest.raises(ConfigError, match="packages or a synthetic survey"):
        load_site(path)


def test_change_section(root, site_copy):
    import datetime as dt

    site = load_site(root / "workflows" / "tumen.yaml")
    assert isinstance(site.change, ChangeSpec) and site.change.years == [2021, 2022]
    assert isinstance(site.change.reference_design, ChangeDesignSpec)
    assert len(site.change.reference_design.label_from) == 2
    fire = site.change.fires[0]
    assert isinstance(fire, FireSpec) and fire.date == dt.date(2022, 4, 20) and fire.assessment == "extended"
    for old, new, message in [
        ("years: [2021, 2022]", "years: [2022, 2021]", "two years, the earlier first"),
        ("years: [2021, 2022]", "years: [2019, 2022]", r"site.change.years: 2019 is outside site.scenes"),
        ("{date: 2022-04-20, months: 6-8}", "{date: 2022-04-20, months: 6-14}",
         r"site.change.fires.0.months: --months '6-14': not months"),
        ("{date: 2022-04-20, months: 6-8}", "{date: 2022-04-20, assessment: late}",
         r"site.change.fires.0.assessment"),
        ("label_from: [../sample_data/tumen/truth_habitat.tif, ../sample_data/tumen/truth_habitat_2022.tif]",
         "label_from: [../sample_data/tumen/truth_habitat.tif]", "the reference rasters of both years"),
    ]:
        with pytest.raises(ConfigError, match=message):
            load_site(site_copy(old, new))
