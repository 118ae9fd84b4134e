"""National layers: read safely, repaired, moved onto the project CRS with a recorded operation."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

from habitatmap.basemap.layers import LayerInfo, read_layer, repair, to_project_crs
from habitatmap.errors import InputDataError


def test_read_layer_and_move_it(sample_dir):
    gdf, info = read_layer(sample_dir / "boundaries" / "ru_leopard_np_zones.shp")
    assert isinstance(info, LayerInfo) and info.crs == "EPSG:28422" and info.features == len(gdf)
    moved = to_project_crs(gdf, info, "EPSG:32652")
    assert moved.crs.to_epsg() == 32652 and "(20)" in info.operation.description
    assert "заповедная зона" in set(gdf["ZONE"])  # the .cpg says CP1251


def test_repair_counts_and_reasons(tmp_path):
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    gdf = gpd.GeoDataFrame({"n": [1, 2]}, geometry=[bowtie, Polygon()], crs="EPSG:32652")
    info = LayerInfo("x.gpkg", "EPSG:32652", 2)
    with pytest.warns(UserWarning) as record:
        fixed = repair(gdf, info)
    assert len(fixed) == 1 and fixed.is_valid.all() and info.repaired == 1 and info.dropped_empty == 1
    assert any("Self-intersection" in str(w.message) for w in record)


def test_read_layer_errors(tmp_path):
    with pytest.raises(InputDataError, match="layer not found"):
        read_layer(tmp_path / "none.shp")
