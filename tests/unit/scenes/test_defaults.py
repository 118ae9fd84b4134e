"""Collection 2 Level-2 defaults."""

from habitatmap.scenes.defaults import (
    C2_SR_OFFSET,
    C2_SR_SCALE,
    DEFAULT_BANDS,
    DEFAULT_COLLECTION,
    DEFAULT_STAC,
)


def test_defaults():
    assert DEFAULT_BANDS == ("blue", "green", "red", "nir08", "swir16", "swir22")
    assert (C2_SR_SCALE, C2_SR_OFFSET) == (2.75e-05, -0.2)  # USGS C2 L2 surface reflectance
    assert DEFAULT_STAC.startswith("https://") and DEFAULT_COLLECTION == "landsat-c2-l2"
