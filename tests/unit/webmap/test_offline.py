"""Offline pages: Leaflet inlined from xstatic-leaflet, no CDN, values escaped."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from habitatmap.errors import OutputError
from habitatmap.webmap.offline import escape_frame, leaflet_assets, offline_map, write_offline


def test_leaflet_is_inlined_with_its_images():
    js, css = leaflet_assets()
    assert "L.version" in js or "Leaflet" in js
    assert "url(images/" not in css and "data:image/png;base64," in css


def test_offline_map_has_no_remote_links(tmp_path):
    import re

    page = write_offline(offline_map(), tmp_path / "m.html").read_text(encoding="utf-8")
    assert not re.findall(r"""<(?:script|link|img)\b[^>]*(?:src|href)=["']https?://""", page)
    assert "leaflet" in page.lower()


def test_a_page_loading_remote_content_is_refused(tmp_path):
    import folium

    fmap = offline_map()
    folium.Marker([42.9, 130.7], icon=folium.Icon(icon="cloud", prefix="fa")).add_to(fmap)
    fmap.get_root().header.add_child(folium.Element('<script src="https://cdn.example.org/x.js"></script>'))
    with pytest.raises(OutputError, match=r"would load https://cdn.example.org/x.js from the internet"):
        write_offline(fmap, tmp_path / "m.html")
    assert not (tmp_path / "m.html").exists()


def test_escape_frame_escapes_every_value():
    gdf = gpd.GeoDataFrame({"a": ["<b>x</b>", None], "b": [1.5, float("nan")], "c": ["kept out", "y"]},
                           geometry=[shapely.Point(0, 0)] * 2, crs=4326)
    out = escape_frame(gdf, ["a", "b", "missing"])
    assert list(out.columns) == ["a", "b", "geometry"]
    assert out["a"].tolist() == ["&lt;b&gt;x&lt;/b&gt;", ""] and out["b"].tolist() == ["1.5", ""]
