"""Assessing a class map against a reference sample: the estimator follows the sample's design."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from habitatmap.errors import InputDataError
from habitatmap.grid import Grid
from habitatmap.habitat.accuracy.assess import (
    DESIGN_CV,
    DESIGN_MAP_STRATA,
    Assessment,
    assess_map,
    assess_samples,
    map_pixel_counts,
    pixel_area_ha,
)
from habitatmap.habitat.samples import read_samples
from tests.unit.habitat.conftest import GRID


@pytest.fixture(scope="module")
def class_map(world, tmp_path_factory):
    _, _, _, t = world
    path = tmp_path_factory.mktemp("assess") / "map.tif"
    with rasterio.open(path, "w", driver="GTiff", width=300, height=300, count=1, dtype="uint8",
                       crs=GRID.crs, transform=GRID.transform, nodata=0) as ds:
        ds.write(t, 1)
    return path


def test_pixel_counts_and_area(class_map, world):
    _, _, _, t = world
    counts, grid = map_pixel_counts(class_map)
    assert counts == {int(c): int((t == c).sum()) for c in np.unique(t)} and grid.shape == (300, 300)
    assert pixel_area_ha(grid, "m") == pytest.approx(0.09)
    with pytest.raises(InputDataError, match="geographic CRS"):
        pixel_area_ha(Grid.from_origin("EPSG:4326", 130, 43, 0.01, 4, 4), "m")


def test_a_perfect_map_against_a_stratified_sample(class_map, world, legend):
    _, _, reference, t = world
    a = assess_map(class_map, reference, legend)
    assert isinstance(a, Assessment) and a.accuracy.overall_accuracy == pytest.approx(1.0)
    assert "Stehman" in a.design and a.accuracy.n == 200
    # Each stratum holds one reference class: areas are the strata's sizes, with no uncertainty.
    total = {int(c): int((t == c).sum()) * 0.09 for c in np.unique(t)}
    for code, area in zip(a.accuracy.classes, a.accuracy.area_ha, strict=True):
        assert area == pytest.approx(total[code])


def test_a_sample_without_strata_uses_the_map_classes(class_map, world, legend):
    _, training, _, _ = world  # plain points: post-stratified by map class
    samples = read_samples(training, GRID, legend, stratified=False)
    counts, _ = map_pixel_counts(class_map)
    acc, design = assess_samples(samples.codes, samples, counts, 0.09, legend)
    assert design == DESIGN_MAP_STRATA and acc.overall_accuracy == pytest.approx(1.0)
    assert "cross-validation" in DESIGN_CV


def test_reference_off_the_map_is_refused(class_map, legend, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    gpd.GeoDataFrame({"habitat": ["wetland"]}, geometry=[Point(0, 0)],
                     crs=GRID.crs).to_file(tmp_path / "r.gpkg")
    with pytest.raises(InputDataError, match="no sample lies on the raster grid"):
        assess_map(class_map, tmp_path / "r.gpkg", legend)
