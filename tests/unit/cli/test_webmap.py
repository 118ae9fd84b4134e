"""``habitatmap webmap`` and ``habitatmap webmap compare`` (browser tests: tests/unit/webmap)."""

from __future__ import annotations

from habitatmap.cli.webmap import compare, webmap


def test_webmap_needs_its_inputs(cli, tmp_path):
    r = cli("webmap", "--out", tmp_path / "m.html")
    assert r.exit_code == 2 and "needs --basemap and --out" in r.stderr
    for fn in (webmap, compare):
        assert callable(fn)
    r = cli("webmap", "--help")
    assert "--allow-ballpark" in r.stdout and "--lang" in r.stdout
