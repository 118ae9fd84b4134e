"""The protection level comes from what a zone allows, by the documented rule."""

from __future__ import annotations

import pytest

from habitatmap.zoning.levels import ACTIVITIES, LEVELS, STATES, USES, protection_level


def matrix(default: str = "prohibited", **states: str) -> dict[str, str]:
    return {a: states.get(a, default) for a in ACTIVITIES}


def test_the_four_levels_by_hand():
    assert protection_level(matrix(research="allowed")) == 1  # every use prohibited
    assert protection_level(matrix(research="prohibited")) == 1  # research does not count
    assert protection_level(matrix(tourism="restricted", fishing="restricted")) == 2
    # one use allowed outright: no longer level 2 even with the four transforming uses prohibited
    assert protection_level(matrix(tourism="allowed")) == 3
    assert protection_level(matrix(roads="restricted")) == 3  # roads not prohibited: not level 2
    assert protection_level(matrix(logging="restricted", construction="restricted", tourism="allowed")) == 3
    assert protection_level(matrix(hunting="restricted")) == 4  # hunting not prohibited
    assert protection_level(matrix(construction="allowed")) == 4
    assert protection_level(matrix("allowed")) == 4
    assert LEVELS == (1, 2, 3, 4) and "research" not in USES and set(STATES) == {"allowed", "restricted",
                                                                                  "prohibited"}


def test_incomplete_or_unknown_states_are_refused():
    m = matrix()
    del m["fishing"]
    with pytest.raises(ValueError, match="activity 'fishing' is None"):
        protection_level(m)
    with pytest.raises(ValueError, match="'sometimes'"):
        protection_level(matrix(hunting="sometimes"))
