"""Printable sheets: true scale, languages, bad input."""

from __future__ import annotations

import re

import pytest
from pyproj.transformer import AreaOfInterest, TransformerGroup


def _frame_mm(code: str) -> tuple[float, float]:
    """Ground size of the sheet frame / 100000, computed independently with pyproj."""
    from habitatmap.basemap.sheets import parse_sheet

    w, s, e, n = parse_sheet(code).bounds
    grp = TransformerGroup("EPSG:4284", "EPSG:32652", always_xy=True,
                           area_of_interest=AreaOfInterest(w, s, e, n))
    t = next(t for t in grp.transformers if "(20)" in t.description)
    xs, ys = [], []
    for i in range(31):
        for lon, lat in ((w + (e - w) * i / 30, s), (w + (e - w) * i / 30, n),
                         (w, s + (n - s) * i / 30), (e, s + (n - s) * i / 30)):
            x, y = t.transform(lon, lat)
            xs.append(x)
            ys.append(y)
    return (max(xs) - min(xs)) / 100, (max(ys) - min(ys)) / 100


def test_pdf_is_at_true_scale(cli, demo_run, tmp_path):
    from habitatmap.basemap.sheetmap import FOOTER_MM, LEGEND_MM, MARGIN_MM, TITLE_MM

    out, _ = demo_run
    r = cli("sheet-map", "K-52-46", "--basemap", out / "basemap.gpkg", "--out", tmp_path / "s.pdf",
            "--lang", "ru")
    assert r.exit_code == 0, r.stderr
    data = (tmp_path / "s.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    box = re.search(rb"MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", data)
    w_mm, h_mm = (float(v) / 72 * 25.4 for v in box.groups())
    map_w, map_h = _frame_mm("K-52-46")
    assert w_mm == pytest.approx(2 * MARGIN_MM + LEGEND_MM + map_w, abs=0.5)
    assert h_mm == pytest.approx(FOOTER_MM + TITLE_MM + MARGIN_MM + map_h, abs=0.5)


def test_chinese_sheet_or_a_clear_font_error(cli, demo_run, tmp_path):
    from habitatmap.basemap.sheetmap import _cjk_font

    out, _ = demo_run
    r = cli("sheet-map", "K52D004010", "--basemap", out / "basemap.gpkg", "--out", tmp_path / "s.png",
            "--lang", "zh")
    if _cjk_font() is None:
        assert r.exit_code == 2 and "fonts-wqy-microhei" in r.stderr
        return
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("args", "message"), [
    (("K-52-999",), "not a 1:100000 sheet code"),
    (("K-52-1",), "has nothing on sheet K-52-1"),
    (("K-52-46", "--lang", "fr"), "unknown language"),
])
def test_sheet_map_bad_input(cli, demo_run, tmp_path, args, message):
    out, _ = demo_run
    r = cli("sheet-map", args[0], "--basemap", out / "basemap.gpkg", "--out", tmp_path / "x.pdf", *args[1:])
    assert r.exit_code == 2 and message in r.stderr
    assert not (tmp_path / "x.pdf").exists()
    r = cli("sheet-map", "K-52-46", "--basemap", out / "basemap.gpkg", "--out", tmp_path / "x.svg")
    assert r.exit_code == 2 and ".pdf or .png" in r.stderr


def test_render_sheet_directly(demo_run, tmp_path):
    from habitatmap.basemap.sheetmap import SheetMapResult, render_sheet
    from habitatmap.legend.model import load_legend

    out, _ = demo_run
    res = render_sheet("K-52-46", out / "basemap.gpkg", tmp_path / "s.png", load_legend(), lang="mn")
    assert isinstance(res, SheetMapResult) and res.code == "K-52-46" and res.path.stat().st_size > 10_000
    assert "(20)" in res.operation.description and res.page_mm[0] > res.map_mm[0]


def test_truncated_base_map_is_one_sentence(demo_run, tmp_path):
    from habitatmap.basemap.sheetmap import render_sheet
    from habitatmap.errors import InputDataError
    from habitatmap.legend.model import load_legend

    out, _ = demo_run
    cut = tmp_path / "cut.gpkg"
    data = (out / "basemap.gpkg").read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputDataError, match=r"cut\.gpkg: cannot read it as a vector file"):
        render_sheet("K-52-46", cut, tmp_path / "s.pdf", load_legend())
    assert not (tmp_path / "s.pdf").exists()
