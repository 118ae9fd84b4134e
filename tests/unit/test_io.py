"""Atomic outputs and the COG writer."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rio_cogeo.cogeo import cog_validate

from habitatmap.errors import OutputError
from habitatmap.io import atomic_dir, atomic_path, sha256_file, write_cog


def test_atomic_path_keeps_old_file_when_writing_fails(tmp_path):
    dest = tmp_path / "out.txt"
    dest.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert dest.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_path_rejects_invalid_output(tmp_path):
    dest = tmp_path / "out.txt"

    def reject(p):
        raise OutputError(f"{p}: bad")

    with pytest.raises(OutputError), atomic_path(dest, validate=reject) as tmp:
        tmp.write_text("x")
    assert not dest.exists() and list(tmp_path.iterdir()) == []


def test_atomic_dir_swaps_only_when_complete(tmp_path):
    dest = tmp_path / "data"
    dest.mkdir()
    (dest / "a").write_text("old")
    with pytest.raises(RuntimeError), atomic_dir(dest) as tmp:
        (tmp / "a").write_text("new")
        raise RuntimeError
    assert (dest / "a").read_text() == "old"
    with atomic_dir(dest) as tmp:
        (tmp / "b").write_text("new")
    assert sorted(p.name for p in dest.iterdir()) == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_write_cog_is_valid_and_keeps_metadata(tmp_path):
    arr = (np.arange(600 * 600, dtype=np.uint32) % 250 + 1).astype(np.uint8).reshape(600, 600)
    path = write_cog(tmp_path / "c.tif", arr, crs="EPSG:32652",
                     transform=rasterio.Affine(30, 0, 6e5, 0, -30, 4.75e6), nodata=0,
                     band_descriptions=["habitat"], tags={"K": "V"},
                     colormap={0: (0, 0, 0, 0), 1: (255, 0, 0, 255)})
    valid, errors, warnings = cog_validate(str(path), strict=True, quiet=True)
    assert valid, (errors, warnings)
    with rasterio.open(path) as ds:
        assert ds.descriptions == ("habitat",)
        assert ds.tags()["K"] == "V"
        assert ds.colormap(1)[1] == (255, 0, 0, 255)
        assert ds.nodata == 0
        assert ds.overviews(1)
        np.testing.assert_array_equal(ds.read(1), arr)
    assert [p.name for p in tmp_path.iterdir()] == ["c.tif"]
    assert len(sha256_file(path)) == 64


def test_write_cog_into_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(OutputError, match=r"output folder .* does not exist"):
        write_cog(tmp_path / "no" / "c.tif", np.ones((4, 4), np.uint8), crs="EPSG:32652",
                  transform=rasterio.Affine(30, 0, 0, 0, -30, 0), nodata=0)


def test_os_errors_reach_the_cli_as_one_sentence(monkeypatch, cli):
    """An OSError that escapes the library (e.g. disk full) is still one sentence and exit 2."""
    import habitatmap.legend_export as mod

    def disk_full(*_a, **_k):
        raise OSError(28, "No space left on device", "/data/out.json")

    monkeypatch.setattr(mod, "write_text_atomic", disk_full)
    r = cli("legend", "export", "-f", "json", "-o", "/tmp/whatever.json")
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    assert "/data/out.json: No space left on device" in r.stderr


def test_read_yaml_errors_are_one_sentence(tmp_path):
    from habitatmap.errors import ConfigError
    from habitatmap.io import read_yaml
    from habitatmap.workflow import load_site

    with pytest.raises(ConfigError, match=r"x\.yaml: mapping file not found; start here"):
        read_yaml(tmp_path / "x.yaml", what="mapping file", missing="start here")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\nb: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"invalid YAML at line \d"):
        read_yaml(bad, what="mapping file", missing="-")
    cp = tmp_path / "site.yaml"
    cp.write_bytes("site: {id: тест}\n".encode("cp1251"))
    with pytest.raises(ConfigError, match="workflow file is not UTF-8 text"):
        load_site(cp)  # used to end in a UnicodeDecodeError traceback
