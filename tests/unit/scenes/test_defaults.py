"""Collection 2 Level-2 defaults."""

import pytest

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


def test_c2_table_by_band_type():
    """One table: thermal bands in kelvin, ST auxiliaries with their own scales, by either
    provider's asset key; reflectance for the optical bands."""
    from habitatmap.scenes.defaults import C2_DEFAULTS, C2_ST_OFFSET, C2_ST_SCALE, BandDefaults, c2_defaults

    assert (C2_ST_SCALE, C2_ST_OFFSET) == (0.00341802, 149.0)
    st = c2_defaults("lwir11", "lwir11")
    assert isinstance(st, BandDefaults) and st.unit == "K"
    assert 42706 * st.scale + st.offset == pytest.approx(294.97, abs=0.01)
    assert c2_defaults(None, "ST_B10.TIF") == st and c2_defaults("lwir", "ST_B6") == st
    assert c2_defaults(None, "ST_ATRAN.TIF") == c2_defaults(None, "atran") == C2_DEFAULTS["atran"]
    assert c2_defaults(None, "ST_QA").scale == 0.01
    assert c2_defaults("red", "SR_B4.TIF").scale == C2_SR_SCALE
    assert c2_defaults(None, "qa_pixel").nodata == 1
