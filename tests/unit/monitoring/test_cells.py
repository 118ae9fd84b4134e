"""The monitoring grid: ids that do not depend on the area asked for, and each cell's attributes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.legend import load_legend
from habitatmap.monitoring.cells import (
    GRID_CRS,
    PRODUCT,
    GridRun,
    cell_id,
    grid_crs_for,
    habitat_composition,
    make_cells,
    parse_cell_id,
    read_cells,
    require_equal_area,
    run_grid_make,
    zone_attributes,
)


def test_ids_and_crs():
    assert cell_id(2588000, 2052000, 2) == "2kmN2052E2588"
    assert cell_id(-1850000, 3120000, 5) == "5kmN3120E-1850"
    assert parse_cell_id("5kmN3120E-1850") == (5, -1850000.0, 3120000.0)
    with pytest.raises(InputDataError, match="not a grid cell id"):
        parse_cell_id("E12N3")
    assert grid_crs_for((130.0, 42.5, 131.0, 43.5)) == ("asia-north", GRID_CRS["asia-north"][0])
    assert grid_crs_for((10.0, 48.0, 11.0, 49.0))[0] == "europe"
    assert grid_crs_for((-70.0, -10.0, -69.0, -9.0))[0] == "global"
    assert require_equal_area("EPSG:3035").to_epsg() == 3035
    with pytest.raises(ConfigError, match="not an equal-area"):
        require_equal_area("EPSG:32652")


def test_cells_do_not_depend_on_the_area_asked_for():
    crs = require_equal_area("ESRI:102025")
    big = make_cells(shapely.box(2_580_000, 2_040_000, 2_600_000, 2_060_000), 2, crs)
    small = make_cells(shapely.box(2_585_500, 2_047_300, 2_591_100, 2_052_900), 2, crs)
    assert set(small["cell_id"]) <= set(big["cell_id"])
    joined = small.merge(big[["cell_id", "geometry"]], on="cell_id", suffixes=("", "_big"))
    assert all(a.equals(b) for a, b in zip(joined["geometry"], joined["geometry_big"], strict=True))
    assert len(big) == 100 and big["area_km2"].eq(4.0).all() and big["aoi_share"].eq(1.0).all()
    # A corner cell of the small area is cut: its share says how much.
    assert small["aoi_share"].min() < 1
    with pytest.raises(ConfigError, match="whole number"):
        make_cells(shapely.box(0, 0, 1, 1), 0, crs)


def test_run_grid_make_with_zones_and_habitat(landscape, tmp_path):
    lg = load_legend()
    out = tmp_path / "grid.gpkg"
    run = run_grid_make(
        str(landscape["aoi"]),
        2,
        out,
        lg,
        zones=str(landscape["zones"]),
        habitat=landscape["habitat"],
        species=["amur_leopard"],
    )
    assert isinstance(run, GridRun) and run.region == "asia-north" and PRODUCT == "monitoring.grid"
    cells = read_cells(out)
    assert list(cells["cell_id"]) == list(run.cells["cell_id"])
    full = cells[cells["aoi_share"] > 0.999]
    # Cells wholly west of the middle are Russian Korean pine forest; east of it Chinese meadow.
    west = full[full["share_RUS"] > 0.999]
    east = full[full["share_CHN"] > 0.999]
    assert len(west) and len(east)
    assert (west["park"] == "West park").all() and (west["level"] == 1).all()
    assert west["pct_korean_pine_broadleaf_forest"].between(80, 100).all()
    assert east["pct_meadow_grassland"].between(80, 100).all()
    r = lg.resistance("amur_leopard")
    inner = west[west["pct_korean_pine_broadleaf_forest"] == 100]
    assert np.allclose(inner["resistance_amur_leopard"], r[11])
    # The style goes with the file.
    styles = gpd.read_file(out, layer="layer_styles")
    assert list(styles["f_table_name"]) == ["cells"]


def test_attribute_functions_by_hand():
    crs = require_equal_area("EPSG:3035")
    cells = make_cells(shapely.box(0, 0, 2000, 1000), 1, crs)
    zones = gpd.GeoDataFrame(
        {"country": ["RUS", "CHN"], "park": ["a", "b"], "zone_value": ["core", "buffer"]},
        geometry=[shapely.box(0, 0, 1500, 1000), shapely.box(1500, 0, 2000, 1000)],
        crs=crs,
    )
    out = zone_attributes(cells, zones)
    row = out.set_index("cell_id").loc["1kmN0E1"]
    assert row["share_RUS"] == pytest.approx(0.5) and row["share_CHN"] == pytest.approx(0.5)


def test_habitat_composition_by_hand(landscape):
    # The landscape: Korean pine forest (11) west of its middle, meadow (31) east, water (52) in the
    # top 10 rows. A 1 km cell inside the west half, below the water, is all forest.
    lg = load_legend()
    crs = require_equal_area("ESRI:102025")
    from habitatmap.geodesy import to_crs

    aoi, _ = to_crs(gpd.read_file(landscape["aoi"]), crs)
    cells = make_cells(aoi.geometry.iloc[0], 1, crs)
    out, op = habitat_composition(cells, landscape["habitat"], lg, species=["amur_leopard"], rows_per_strip=7)
    assert op is not None and "pct_korean_pine_broadleaf_forest" in out
    full = out[out["mapped_share"] > 0.999]
    assert len(full) > 10
    pure = full[full["pct_korean_pine_broadleaf_forest"] == 100]
    assert len(pure) and np.allclose(pure["resistance_amur_leopard"], lg.resistance("amur_leopard")[11])
    # Every cell's composition adds up to 100 % of its mapped pixels.
    pct = out.filter(like="pct_").sum(axis=1)
    assert np.allclose(pct[out["mapped_share"] > 0], 100)
