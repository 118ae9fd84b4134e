"""The one door in for rasters, and the COG writer."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import rasterio
from affine import Affine
from rio_cogeo.cogeo import cog_validate

from habitatmap.errors import InputDataError, OutputError
from habitatmap.grid import Grid
from habitatmap.io.raster import (
    COG_PROFILE,
    FAST_COG_PROFILE,
    RasterArray,
    ScratchRaster,
    available_memory,
    check_memory,
    cog_writer,
    gdal_path,
    open_raster,
    raster_grid,
    read_gzipped_raster,
    read_raster,
    read_window,
    write_category_names,
    write_cog,
)

GRID = Grid("EPSG:32652", Affine(30, 0, 6e5, 0, -30, 4.75e6), 600, 600)


def _tif(path, arr=None, crs="EPSG:32652", nodata=0):
    arr = np.ones((8, 8), np.uint8) if arr is None else arr
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                       dtype=arr.dtype, crs=crs, transform=Affine(30, 0, 0, 0, -30, 0), nodata=nodata) as ds:
        ds.write(arr, 1)
    return path


def test_write_cog_is_valid_and_keeps_metadata(tmp_path):
    arr = (np.arange(600 * 600, dtype=np.uint32) % 250 + 1).astype(np.uint8).reshape(600, 600)
    path = write_cog(tmp_path / "c.tif", arr, grid=GRID, nodata=0, band_descriptions=["habitat"],
                     tags={"K": "V"}, colormap={0: (0, 0, 0, 0), 1: (255, 0, 0, 255)})
    valid, errors, warnings = cog_validate(str(path), strict=True, quiet=True)
    assert valid, (errors, warnings)
    with rasterio.open(path) as ds:
        assert ds.descriptions == ("habitat",) and ds.tags()["K"] == "V"
        assert ds.colormap(1)[1] == (255, 0, 0, 255) and ds.nodata == 0 and ds.overviews(1)
        assert ds.compression.name.lower() == str(COG_PROFILE["compress"]).lower()
        np.testing.assert_array_equal(ds.read(1), arr)
    assert [p.name for p in tmp_path.iterdir()] == ["c.tif"]
    fast = write_cog(tmp_path / "f.tif", arr.astype(np.float32), grid=GRID, nodata=float("nan"),
                     profile=FAST_COG_PROFILE)
    with rasterio.open(fast) as ds:
        assert ds.compression.name.lower() == "zstd" and ds.tags(ns="IMAGE_STRUCTURE").get("PREDICTOR") == "3"
        np.testing.assert_array_equal(ds.read(1), arr)


def test_write_cog_checks_the_array_against_the_grid(tmp_path):
    with pytest.raises(ValueError, match="not on the grid"):
        write_cog(tmp_path / "c.tif", np.ones((4, 4), np.uint8), grid=GRID, nodata=0)


def test_write_cog_into_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(OutputError, match=r"output folder .* does not exist"):
        write_cog(tmp_path / "no" / "c.tif", np.ones((600, 600), np.uint8), grid=GRID, nodata=0)


def test_cog_writer_leaves_nothing_when_interrupted(tmp_path):
    with pytest.raises(RuntimeError), cog_writer(tmp_path / "c.tif", grid=GRID, count=1, dtype="uint8",
                                                 nodata=0) as dst:
        dst.write(np.ones((1, 256, 256), np.uint8), window=((0, 256), (0, 256)))
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_open_raster_refuses_what_is_not_the_expected_file(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        open_raster(tmp_path / "missing.tif", what="habitat map")
    (tmp_path / "empty.tif").write_bytes(b"")
    with pytest.raises(InputDataError, match=r"empty \(0 bytes\)"):
        open_raster(tmp_path / "empty.tif")
    (tmp_path / "dir.tif").mkdir()
    with pytest.raises(InputDataError, match="is a folder"):
        open_raster(tmp_path / "dir.tif")
    (tmp_path / "junk.tif").write_bytes(b"not a tiff at all")
    with pytest.raises(InputDataError, match="cannot read it as a GeoTIFF"):
        open_raster(tmp_path / "junk.tif")
    with pytest.raises(InputDataError, match="GDAL virtual paths"):
        open_raster("/vsizip/x.zip/a.tif")


def test_a_vrt_pointing_at_another_file_is_not_read(tmp_path):
    """A VRT named .tif must not be opened: its contents could be any file (it read /etc/passwd)."""
    vrt = tmp_path / "scene.tif"
    vrt.write_text('<VRTDataset rasterXSize="10" rasterYSize="1"><VRTRasterBand dataType="Byte" band="1">'
                   '<SimpleSource><SourceFilename relativeToVRT="0">/etc/passwd</SourceFilename>'
                   '</SimpleSource></VRTRasterBand></VRTDataset>')
    with pytest.raises(InputDataError, match="cannot read it as a GeoTIFF"):
        open_raster(vrt)


def test_read_raster_converts_nodata_and_checks(tmp_path):
    arr = np.array([[0, 5], [7, 0]], np.uint8)
    p = _tif(tmp_path / "a.tif", arr)
    r = read_raster(p, dtype=np.float64)
    assert isinstance(r, RasterArray) and r.grid.shape == (2, 2) and r.nodata == 0
    assert np.isnan(r.data[0, 0]) and r.data[0, 1] == 5
    assert read_raster(p).data.dtype == np.uint8
    nocrs = _tif(tmp_path / "nocrs.tif", crs=None)
    with pytest.raises(InputDataError, match="no coordinate reference system"):
        read_raster(nocrs)
    assert read_raster(nocrs, require_crs=False).grid.crs == ""
    with pytest.raises(InputDataError, match="has no band 2"):
        read_raster(p, band=2)


def test_raster_grid_reads_only_the_header(tmp_path):
    g = raster_grid(_tif(tmp_path / "a.tif"))
    assert g.shape == (8, 8) and g.crs == "EPSG:32652"


def test_memory_checks(monkeypatch):
    assert available_memory() > 1 << 20
    check_memory(1 << 20, "small")
    with pytest.raises(InputDataError, match=r"huge: needs about 1024\.0 GiB of memory"):
        check_memory(1 << 40, "huge")


def test_an_ascii_grid_claiming_too_many_cells_is_refused_before_reading(tmp_path):
    p = tmp_path / "big.asc"
    p.write_text("ncols 200000\nnrows 200000\nxllcorner 0\nyllcorner 0\ncellsize 1\n"
                 "NODATA_value -9999\n1 2\n")
    with pytest.raises(InputDataError, match=r"200000 x 200000 cells\): needs about .* GiB"):
        read_raster(p, drivers=("AAIGrid",), require_crs=False, dtype=np.float64)


def test_read_gzipped_raster(tmp_path):
    p = tmp_path / "g.asc.gz"
    p.write_bytes(gzip.compress(b"ncols 2\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\n"
                                b"NODATA_value -9999\n1 -9999\n"))
    r = read_gzipped_raster(p, drivers=("AAIGrid",), dtype=np.float64, require_crs=False)
    assert r.data[0, 0] == 1 and np.isnan(r.data[0, 1])
    (tmp_path / "bad.asc.gz").write_bytes(b"plain")
    with pytest.raises(InputDataError, match="not a readable gzip file"):
        read_gzipped_raster(tmp_path / "bad.asc.gz", drivers=("AAIGrid",))


def test_gdal_path_builds_the_only_gdal_paths(tmp_path):
    assert gdal_path("https://x.org/a.tif") == "/vsicurl/https://x.org/a.tif"
    assert gdal_path(f"file://{tmp_path}/a.tif") == f"{tmp_path}/a.tif"
    for bad in ("s3://bucket/a.tif", "file:///vsizip/a.zip/b.tif", "/vsicurl/http://x/a.tif"):
        with pytest.raises(InputDataError):
            gdal_path(bad)


def test_scratch_raster_is_written_read_and_removed(tmp_path):
    g = Grid("EPSG:32652", Affine(30, 0, 0, 0, -30, 0), 300, 300)
    with ScratchRaster(tmp_path / "out.tif", grid=g, dtype="uint8", nodata=0) as s:
        with s.write() as dst:
            dst.write(np.full((300, 300), 7, np.uint8), 1)
        with s.read() as src:
            assert src.read(1)[0, 0] == 7
    assert list(tmp_path.iterdir()) == []


def test_write_category_names(tmp_path):
    p = write_category_names(tmp_path / "h.tif", {1: "oak <forest>", 3: "meadow"})
    text = p.read_text()
    assert p.name == "h.tif.aux.xml" and "<Category>oak &lt;forest&gt;</Category>" in text
    assert text.count("<Category>") == 4


def test_read_window_names_the_file_of_a_truncated_raster(tmp_path):
    from rasterio.windows import Window

    full = _tif(tmp_path / "full.tif", np.arange(512 * 512, dtype=np.uint16).reshape(512, 512) % 251)
    data = full.read_bytes()
    cut = tmp_path / "cut.tif"
    cut.write_bytes(data[: len(data) // 2])
    with open_raster(full) as ds:
        assert read_window(ds, 1, window=Window(0, 0, 4, 4)).shape == (4, 4)
    with open_raster(cut) as ds, pytest.raises(InputDataError, match=r"cut\.tif: reading failed \(.+\); "
                                                                     "the file may be truncated"):
        read_window(ds, 1, path=cut)


def test_category_names_are_read_back(tmp_path):
    from habitatmap.io.raster import read_category_names, write_category_names

    (tmp_path / "x.tif").write_bytes(b"")
    assert read_category_names(tmp_path / "x.tif") == {}
    write_category_names(tmp_path / "x.tif", {1: "a & <b>", 3: "c"})
    assert read_category_names(tmp_path / "x.tif") == {1: "a & <b>", 3: "c"}
    (tmp_path / "x.tif.aux.xml").write_text("<PAMDataset><unclosed>")
    assert read_category_names(tmp_path / "x.tif") == {}
