"""The accuracy report: JSON for machines, Markdown (in any legend language) and a PNG for people."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio

from habitatmap.habitat.accuracy.assess import assess_map
from habitatmap.habitat.accuracy.report import REPORT_FILES, build_report, render_markdown, write_report
from tests.unit.habitat.conftest import GRID


@pytest.fixture(scope="module")
def assessment(world, legend, tmp_path_factory):
    _, _, reference, t = world
    m = t.copy()
    m[100:110, :] = 51  # some errors
    path = tmp_path_factory.mktemp("report") / "map.tif"
    with rasterio.open(path, "w", driver="GTiff", width=300, height=300, count=1, dtype="uint8",
                       crs=GRID.crs, transform=GRID.transform, nodata=0) as ds:
        ds.write(m, 1)
    return assess_map(path, reference, legend)


def test_build_report(assessment, legend):
    r = build_report(assessment, legend, extra={"model": "rf"})
    k = len(r["classes"])
    assert np.array(r["error_matrix"]).shape == (k, k) and r["model"] == "rf"
    assert r["software"]["habitatmap"] and r["legend"]["id"] == legend.id
    assert sum(map(sum, r["error_matrix"])) == r["n"] == 200


def test_markdown_in_every_language(assessment, legend):
    r = build_report(assessment, legend)
    assert render_markdown(r, legend).startswith("# Accuracy report")
    zh = render_markdown(r, legend, lang="zh")
    assert zh.startswith("# 精度报告") and "总体精度" in zh and legend.by_code(51).name("zh") in zh
    assert "Отчёт о точности" in render_markdown(r, legend, lang="ru")


def test_write_report(assessment, legend, tmp_path):
    paths = write_report(build_report(assessment, legend), legend, tmp_path / "rep", lang="mn")
    assert [p.name for p in paths] == list(REPORT_FILES)
    assert json.loads(paths[0].read_text())["n"] == 200
    assert "Нарийвчлалын тайлан" in paths[1].read_text(encoding="utf-8")
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
