"""``habitatmap composite``."""

from __future__ import annotations

from habitatmap.cli.composite import composite


def test_composite_command(cli, small_sample, tmp_path):
    r = cli("scenes", "pull", small_sample / "stac" / "catalog.json", "--bbox", "130.70,42.92,130.72,42.935",
            "--out", tmp_path / "scenes", "--workers", "1")
    assert r.exit_code == 0, r.stderr
    r = cli("composite", tmp_path / "scenes", "--out", tmp_path / "c.tif", "--indices", "ndvi", "--threads",
            "1")
    assert r.exit_code == 0 and "median of 6 scenes" in r.stdout
    r = cli("composite", tmp_path / "scenes", "--out", tmp_path / "c.tif", "--indices", "evi")
    assert r.exit_code == 2 and "unknown index 'evi'" in r.stderr and callable(composite)
