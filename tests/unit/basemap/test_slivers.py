"""Cross-border slivers between the two countries' parks."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from habitatmap.basemap.slivers import SLIVER_SEARCH_M, sliver_report


def test_sliver_report_by_hand():
    # Russia: a 1 km square. China: overlaps it by a 20 m strip in the south half and leaves a
    # 30 m gap in the north half.
    parks = gpd.GeoDataFrame({"country": ["RUS", "CHN", "CHN"]},
                             geometry=[box(0, 0, 1000, 1000), box(980, 0, 2000, 500),
                                       box(1030, 500, 2000, 1000)], crs="EPSG:32652")
    rep = sliver_report(parks)
    overlap = rep[rep["kind"] == "overlap"]
    gap = rep[rep["kind"] == "gap"]
    assert len(overlap) == 1 and overlap["area_ha"].iloc[0] == pytest.approx(1.0)
    assert overlap["max_width_m"].iloc[0] == pytest.approx(20, abs=1)
    assert len(gap) == 1 and gap["area_ha"].iloc[0] == pytest.approx(1.5, rel=0.01)
    assert gap["max_width_m"].iloc[0] == pytest.approx(30, abs=1)
    assert set(rep["countries"]) == {"CHN-RUS"}



def test_wide_gaps_are_not_slivers():
    parks = gpd.GeoDataFrame({"country": ["RUS", "CHN"]},
                             geometry=[box(0, 0, 1000, 1000), box(1000 + 2 * SLIVER_SEARCH_M, 0, 3000, 1000)],
                             crs="EPSG:32652")
    assert sliver_report(parks).empty
