"""Map-scale rules of the 1:100000 base map."""

from habitatmap.scale import DEFAULT_MMU_HA, MAP_SCALE, MMU_MAP_MM, SIMPLIFY_MAP_MM, SIMPLIFY_TOLERANCE_M


def test_scale_rules():
    assert MAP_SCALE == 100_000 and MMU_MAP_MM == 2.0 and SIMPLIFY_MAP_MM == 0.25
    assert DEFAULT_MMU_HA == 4.0  # (2 mm x 100000)^2 = 200 m x 200 m
    assert SIMPLIFY_TOLERANCE_M == 25.0
