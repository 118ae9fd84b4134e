"""``habitatmap basemap`` and ``basemap mapping`` (the library side is tested in tests/unit/basemap)."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

from habitatmap.basemap import load_mapping
from habitatmap.cli.basemap import basemap, basemap_app, mapping_draft


def test_needs_layers_and_out(cli, tmp_path):
    assert callable(basemap) and callable(mapping_draft) and basemap_app is not None
    r = cli("basemap", "--out", tmp_path / "b.gpkg")
    assert r.exit_code == 2 and "needs --layer" in r.stderr
    r = cli("basemap", "--layer", tmp_path / "none.shp", "--out", tmp_path / "no" / "b.gpkg")
    assert r.exit_code == 2 and "does not exist" in r.stderr  # checked before any work


def test_own_layers_never_use_the_sample_mapping(cli, tmp_path):
    """A user's layer that cannot be inferred is refused, naming 'basemap mapping'; the draft it
    writes, once completed, builds the map."""
    gdf = gpd.GeoDataFrame({"NAME": ["Тест"], "KIND": ["участок А"]},
                           geometry=[box(500000, 4700000, 510000, 4710000)], crs="EPSG:32652")
    layer = tmp_path / "my_park.gpkg"
    gdf.to_file(layer)
    r = cli("basemap", "--layer", layer, "--out", tmp_path / "b.gpkg")
    assert r.exit_code == 2 and "habitatmap basemap mapping" in r.stderr and "country" in r.stderr
    assert "tumen" not in r.stderr.lower() and not (tmp_path / "b.gpkg").exists()
    draft = tmp_path / "mapping.yaml"
    r = cli("basemap", "mapping", "--layer", layer, "--out", draft)
    assert r.exit_code == 0 and "country ?" in r.stdout
    text = draft.read_text(encoding="utf-8")
    assert "field NAME: Тест" in text and "TO DO" in text
    r = cli("basemap", "--layer", layer, "--out", tmp_path / "b.gpkg", "--mapping", draft)
    assert r.exit_code == 2 and "country" in r.stderr  # the draft's nulls must be filled
    draft.write_text(text.replace("country: null", "country: MNG"), encoding="utf-8")
    assert load_mapping(draft).for_layer(str(layer))["country"] == "MNG"
    r = cli("basemap", "--layer", layer, "--out", tmp_path / "b.gpkg", "--mapping", draft)
    assert r.exit_code == 0, r.stderr
