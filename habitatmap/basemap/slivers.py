"""Cross-border slivers: where the two countries' park layers overlap, or leave a gap between them."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely

__all__ = ["SLIVER_SEARCH_M", "sliver_report"]

#: Gaps between the two countries' parks are looked for this far from each park (5 mm at 1:100000):
#: a wider gap is a real gap in protection, not a digitising sliver.
SLIVER_SEARCH_M = 500.0

def sliver_report(parks: gpd.GeoDataFrame, *, search_m: float = SLIVER_SEARCH_M) -> gpd.GeoDataFrame:
    """Where two countries' park layers overlap, or leave a gap between them, along their border.

    Returns one row per sliver: ``kind`` (``overlap`` or ``gap``), ``countries``, ``area_ha`` and
    ``max_width_m`` (diameter of the largest circle inside it), in the parks' CRS.
    """
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    countries = sorted(c for c in parks["country"].dropna().unique())
    for i, a in enumerate(countries):
        for b in countries[i + 1:]:
            pa = shapely.union_all(parks.geometry[parks["country"] == a].values)
            pb = shapely.union_all(parks.geometry[parks["country"] == b].values)
            both = shapely.union(pa, pb)
            # A morphological closing fills every gap narrower than search_m; keep what it adds
            # between the two countries (not notches in one park's own outline).
            r = search_m / 2
            closed = shapely.buffer(shapely.buffer(both, r, quad_segs=4), -r, quad_segs=4)
            between = shapely.intersection(shapely.buffer(pa, search_m), shapely.buffer(pb, search_m))
            pieces = {"overlap": shapely.intersection(pa, pb),
                      "gap": shapely.intersection(shapely.difference(closed, both), between)}
            for kind, geom in pieces.items():
                for part in shapely.get_parts(geom):
                    if part.geom_type != "Polygon" or part.area < 1.0:
                        continue
                    radius = shapely.length(shapely.maximum_inscribed_circle(part, 0.5))
                    rows.append({"kind": kind, "countries": f"{a}-{b}",
                                 "area_ha": round(part.area / 10_000, 4),
                                 "max_width_m": round(2 * radius, 1)})
                    geoms.append(part)
    return gpd.GeoDataFrame(rows or {"kind": [], "countries": [], "area_ha": [], "max_width_m": []},
                            geometry=geoms, crs=parks.crs)
