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


def test_accuracy_by_method_is_a_weighted_ratio():
    """Within a domain, each sample weighs N_h / n_h of its stratum."""
    from habitatmap.habitat.accuracy.assess import accuracy_by_method
    from habitatmap.habitat.samples import SampleSet

    # stratum A: 100 px, 2 samples; stratum B: 900 px, 2 samples
    samples = SampleSet(rows=np.zeros(4, int), cols=np.zeros(4, int), codes=np.array([1, 1, 2, 2]),
                        groups=np.arange(4), source="t", operation=None,
                        strata=np.array(["A", "A", "B", "B"], dtype=object),
                        stratum_sizes={"A": 100, "B": 900})
    map_codes = np.array([1, 2, 2, 1])  # A: one right, one wrong; B: one right, one wrong
    methods = np.array([1, 2, 1, 2])
    out = accuracy_by_method(methods, map_codes, samples, {}, {1: "all", 2: "only x"}, {"all": 7})
    by = {m["method"]: m for m in out}
    # method 1 holds A-right (w 50) and B-right (w 450): 1.0; method 2 holds two wrong ones: 0.0
    assert by["all"]["overall_accuracy"] == 1.0 and by["only x"]["overall_accuracy"] == 0.0
    assert by["all"]["pixels"] == 7 and by["only x"]["samples"] == 2
