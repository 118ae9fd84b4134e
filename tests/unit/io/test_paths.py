"""Which paths are read: plain files only, manifests kept inside their folder."""

from __future__ import annotations

import os

import pytest

from habitatmap.errors import InputDataError
from habitatmap.io.paths import check_local_path, file_url_path, resolve_inside, split_layer


@pytest.mark.parametrize("path", [
    "/vsizip/data.zip/a.tif", "/VSIZIP/data.zip/a.tif", "//vsicurl/http://x/a.tif", "/./vsimem/a.tif",
    "\\vsizip\\data.zip\\a.tif", "/a/../vsis3/bucket/a.tif", "file:///vsizip/data.zip/a.tif",
    "file://localhost/vsicurl/http://x", 'NETCDF:"f.nc":var', "PG:dbname=x", "GPKG:a.gpkg:t",
])
def test_gdal_virtual_paths_and_connection_strings_are_refused(path):
    with pytest.raises(InputDataError, match="GDAL"):
        check_local_path(path)


def test_plain_paths_pass(tmp_path):
    assert check_local_path(tmp_path / "a.tif") == tmp_path / "a.tif"
    assert check_local_path("data/vsi_notes/a.tif").name == "a.tif"
    assert check_local_path(f"file://{tmp_path}/a.tif") == tmp_path / "a.tif"


def test_file_url_path():
    assert file_url_path("file:///data/a%20b.tif") == "/data/a b.tif"
    with pytest.raises(InputDataError, match="another host"):
        file_url_path("file://server/share/a.tif")


def test_resolve_inside_keeps_manifest_entries_in_their_folder(tmp_path):
    (tmp_path / "a.tif").write_text("x")
    assert resolve_inside(tmp_path, "a.tif") == (tmp_path / "a.tif").resolve()
    for bad in ("/etc/passwd", "../outside.tif", "sub/../../x", "/vsizip/x.zip/a.tif", "C:\\x.tif", ""):
        with pytest.raises(InputDataError, match="not a plain name inside"):
            resolve_inside(tmp_path, bad, listed_in=tmp_path / "manifest.json")
    outside = tmp_path.parent / "secret.tif"
    outside.write_text("x")
    os.symlink(outside, tmp_path / "link.tif")
    with pytest.raises(InputDataError, match="leads outside"):
        resolve_inside(tmp_path, "link.tif")


def test_split_layer(tmp_path):
    assert split_layer("parks.gpkg:zones") == (split_layer("parks.gpkg")[0], "zones")
    assert split_layer("parks.gpkg") == (split_layer("parks.gpkg")[0], None)
    weird = tmp_path / "a:b.geojson"
    weird.write_text("{}")
    assert split_layer(str(weird)) == (weird, None)  # an existing file with a colon is a file
    assert split_layer("C:\\data\\x.gpkg")[1] is None  # a Windows drive, not a layer


def test_names_too_long_or_with_nul_are_one_sentence(tmp_path):
    with pytest.raises(InputDataError, match="too long for a file system"):
        check_local_path(tmp_path / ("x" * 300))
    with pytest.raises(InputDataError, match="too long for a file system"):
        check_local_path("/a" * 3000)
    with pytest.raises(InputDataError, match="NUL character"):
        check_local_path("a\x00b.tif")
    assert check_local_path(tmp_path / ("x" * 255)) == tmp_path / ("x" * 255)
