"""The shared protection level 1-4 of a zone, derived from what the zone allows, never from its name.

The rule, applied to a zone's activity matrix (each of the ten activities allowed, restricted or
prohibited; research does not count, every law allows it somewhere):

1. **strict**: every use prohibited (logging, hunting, grazing, construction, roads, tourism,
   plant collection, fishing, fire use);
2. **high**: logging, hunting, construction and roads prohibited, and no use allowed outright (the
   rest only restricted);
3. **moderate**: hunting prohibited, logging and construction at most restricted;
4. **low**: anything else (logging or construction allowed, or hunting not prohibited).

So a Russian *заповедная зона*, a Chinese *核心保护区* and a Mongolian *онгон бүс* are all level 1
because their rules are the same, and the tables of both sides meet on one scale.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ACTIVITIES", "LEVELS", "STATES", "USES", "protection_level"]

#: The activities of the matrix, in table order.
ACTIVITIES: tuple[str, ...] = ("logging", "hunting", "grazing", "construction", "roads", "tourism",
                               "research", "plant_collection", "fishing", "fire_use")
#: The activities that count for the level (all but research).
USES: tuple[str, ...] = tuple(a for a in ACTIVITIES if a != "research")
#: What an activity can be in a zone.
STATES: tuple[str, ...] = ("allowed", "restricted", "prohibited")
#: The levels (1 strictest).
LEVELS: tuple[int, ...] = (1, 2, 3, 4)

_TRANSFORMING = ("logging", "hunting", "construction", "roads")


def protection_level(activities: Mapping[str, str]) -> int:
    """The shared protection level of a zone from its activity matrix (see the module docstring).

    Raises
    ------
    ValueError
        If an activity is missing or its state is not one of :data:`STATES`.
    """
    for a in ACTIVITIES:
        if activities.get(a) not in STATES:
            raise ValueError(f"activity {a!r} is {activities.get(a)!r}; give one of {', '.join(STATES)}")
    uses = {a: activities[a] for a in USES}
    if all(s == "prohibited" for s in uses.values()):
        return 1
    if all(uses[a] == "prohibited" for a in _TRANSFORMING) and "allowed" not in uses.values():
        return 2
    if uses["hunting"] == "prohibited" and uses["logging"] != "allowed" and uses["construction"] != "allowed":
        return 3
    return 4
