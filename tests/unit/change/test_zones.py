"""Zones rasterized strip by strip give the same ids as the whole raster at once."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from rasterio.windows import Window

from habitatmap.change.zones import ZoneStrips
from habitatmap.grid import Grid


def test_strips_match_the_whole(tmp_path):
    grid = Grid.from_origin("EPSG:32652", 600000.0, 4750000.0, 30.0, 50, 40)
    zones = gpd.GeoDataFrame(
        {"country": ["RUS", "CHN"], "park": ["W", "E"], "zone_class": ["core", "buffer"]},
        geometry=[
            shapely.box(600000, 4748800, 600600, 4750000),
            shapely.box(600600, 4748800, 601500, 4749500),
        ],
        crs="EPSG:4326",
    ).set_crs("EPSG:32652", allow_override=True)
    zones.to_file(tmp_path / "z.gpkg")
    zs = ZoneStrips(str(tmp_path / "z.gpkg"), grid)
    whole = zs.ids(Window(0, 0, grid.width, grid.height))
    parts = np.vstack(
        [zs.ids(Window(0, top, grid.width, min(7, grid.height - top))) for top in range(0, 40, 7)]
    )
    assert np.array_equal(whole, parts) and set(np.unique(whole)) == {0, 1, 2}
    assert list(zs.table["zone"]) == ["core", "buffer"] and zs.operation is None
    assert whole[0, 0] == 1 and whole[-1, -1] == 2 and whole[0, -1] == 0
