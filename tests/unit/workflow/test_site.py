"""Site workflow files."""

from __future__ import annotations

import pytest

from habitatmap.errors import ConfigError
from habitatmap.workflow.site import (
    ClassificationSpec,
    CompositeSpec,
    CorridorSpec,
    SceneSearch,
    Site,
    SiteInputs,
    load_site,
)


def test_bundled_site(root):
    site = load_site(root / "workflows" / "tumen.yaml")
    assert isinstance(site, Site) and site.id == "tumen" and site.root == root
    assert isinstance(site.inputs, SiteInputs) and isinstance(site.scenes, SceneSearch)
    assert isinstance(site.composites["summer"], CompositeSpec)
    assert isinstance(site.classification, ClassificationSpec) and isinstance(site.corridors, CorridorSpec)
    assert site.resolve(site.inputs.aoi) == root / "workflows" / "tumen_aoi.geojson"


def test_site_errors(tmp_path, root):
    p = tmp_path / "workflows" / "s.yaml"
    p.parent.mkdir()
    p.write_text("nothing: here\n")
    with pytest.raises(ConfigError, match="no top-level 'site' mapping"):
        load_site(p)
    p.write_text("site: [a, b]\n")
    with pytest.raises(ConfigError, match="no top-level 'site' mapping"):
        load_site(p)
    text = (root / "workflows" / "tumen.yaml").read_text(encoding="utf-8")
    p.write_text(text.replace("languages: [en, ru, zh, mn]", "languages: [en, xx]"), encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown language 'xx'"):
        load_site(p)
    p.write_text(text.replace("composites: [summer, autumn]", "composites: [winter]"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\['winter'\] are not defined under site.composites"):
        load_site(p)
    p.write_text(text.replace("max_cloud: 60", "max_cloud: 600"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"site.scenes.max_cloud"):
        load_site(p)
    p.write_text(text.replace("max_cloud: 60", "max_cloud: .nan"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"site.scenes.max_cloud: input should be a finite number"):
        load_site(p)
