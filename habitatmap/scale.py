"""Map-scale rules: what 1:100000 means for the smallest patch and the finest line detail.

Both sides' plans ask for a 1:100000 base map, so generalisation follows that scale:

* **Minimum mapping unit** (MMU): the smallest area still drawn as its own patch is 2 mm x 2 mm on
  the printed map, i.e. 200 m x 200 m = **4 ha** on the ground at 1:100000 (about 44 Landsat
  pixels). Smaller patches are merged into their largest neighbour. CORINE Land Cover, also made
  for 1:100000 but by photo-interpretation, uses 25 ha (5 mm x 5 mm); pass ``--mmu-ha 25`` for that.
* **Line tolerance**: outlines are simplified with a tolerance of 0.25 mm on the map, i.e. **25 m**
  on the ground, below the 30 m Landsat pixel and below what a printed line shows.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MMU_HA", "MAP_SCALE", "MMU_MAP_MM", "SIMPLIFY_MAP_MM", "SIMPLIFY_TOLERANCE_M"]

#: Scale denominator of the shared base map.
MAP_SCALE = 100_000
#: Side of the smallest square patch drawn on the map, in millimetres of paper.
MMU_MAP_MM = 2.0
#: Simplification tolerance in millimetres of paper.
SIMPLIFY_MAP_MM = 0.25

#: Default minimum mapping unit in hectares: (2 mm x 100000)^2 = (200 m)^2 = 4 ha.
DEFAULT_MMU_HA = (MMU_MAP_MM / 1000 * MAP_SCALE) ** 2 / 10_000
#: Default simplification tolerance in metres: 0.25 mm x 100000 = 25 m.
SIMPLIFY_TOLERANCE_M = SIMPLIFY_MAP_MM / 1000 * MAP_SCALE
