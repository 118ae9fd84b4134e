"""The demo: finds the sample in a checkout, regenerates it where only its checksums are installed."""

from __future__ import annotations

import json
import shutil

import pytest

from habitatmap.errors import InputDataError
from habitatmap.workflow.demo import cache_dir, demo_workflow


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HABITATMAP_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("HABITATMAP_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "habitatmap"


def test_a_checkout_uses_its_own_sample(root):
    assert demo_workflow(root / "workflows" / "tumen.yaml") == root / "workflows" / "tumen.yaml"


@pytest.mark.slow  # about 11 s; make test's wheel check runs the demo from a wheel (regenerates it)
def test_an_installation_without_the_sample_regenerates_it(root, tmp_path):
    """As an installed wheel is laid out: the site files, no sample, its checksums only."""
    install = tmp_path / "site-packages" / "habitatmap"
    shutil.copytree(root / "workflows", install / "workflows")
    (install / "sample_data" / "tumen").mkdir(parents=True)
    shutil.copy(root / "sample_data" / "tumen" / "metadata.json", install / "sample_data" / "tumen")
    wf = demo_workflow(install / "workflows" / "tumen.yaml", cache=tmp_path / "cache")
    assert wf == tmp_path / "cache" / "workflows" / "tumen.yaml" and wf.is_file()
    regenerated = json.loads((tmp_path / "cache" / "sample_data" / "tumen" / "metadata.json").read_text())
    bundled = json.loads((root / "sample_data" / "tumen" / "metadata.json").read_text())
    if regenerated["software"] == bundled["software"]:
        assert regenerated["files"] == bundled["files"]  # checked against its checksums
    assert demo_workflow(install / "workflows" / "tumen.yaml", cache=tmp_path / "cache") == wf  # cached


def test_a_damaged_checkout_sample_is_refused(root, tmp_path):
    shutil.copytree(root / "workflows", tmp_path / "workflows")
    shutil.copytree(root / "sample_data" / "tumen", tmp_path / "sample_data" / "tumen")
    (tmp_path / "sample_data" / "tumen" / "truth_habitat.tif").write_bytes(b"x")
    with pytest.raises(InputDataError, match=r"truth_habitat.tif: contents differ"):
        demo_workflow(tmp_path / "workflows" / "tumen.yaml")


def test_a_site_without_a_sample_is_not_a_demo(root, tmp_path):
    with pytest.raises(InputDataError, match=r"names no sample \(site.sample\)"):
        demo_workflow(root / "workflows" / "altyn_emel.yaml")
