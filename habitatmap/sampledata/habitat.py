"""The sample's truth habitat map: terrain-driven forest zonation, rivers, fields, settlements."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from habitatmap.sampledata.grid import PIXEL
from habitatmap.sampledata.terrain import Terrain, fractal_noise

# Legend codes (styles/legend.yaml); the generator only uses classes found near the Tumen.
KP, OAK, SPRUCE, LARCH, BIRCH = 11, 12, 13, 14, 15
SHRUB, MEADOW, ROCK, WETLAND, WATER, CROP, BUILT, BARE = 21, 31, 42, 51, 52, 61, 62, 71

__all__ = ["BURNABLE", "FIRE_DATE", "Landscape", "Settlement", "after_fire", "make_fire",
           "make_landscape"]


@dataclass
class Settlement:
    """A settlement: centre (row, col), radius in pixels and country."""

    row: int
    col: int
    radius: int
    country: str
    name_en: str
    name_local: str


@dataclass
class Landscape:
    """Truth habitat codes plus the human features the vectors are drawn from."""

    habitat: np.ndarray           # uint8 legend codes
    settlements: list[Settlement]
    road_cells: np.ndarray        # bool
    road_lines: list[list[tuple[float, float]]]  # (row, col) vertices of each road
    border_strip: np.ndarray      # bool, the cleared strip on the Russian side
    burn_scars: np.ndarray        # bool


def _disk(shape: tuple[int, int], r: float, c: float, radius: float) -> np.ndarray:
    rows, cols = np.ogrid[0:shape[0], 0:shape[1]]
    return (rows - r) ** 2 + (cols - c) ** 2 <= radius ** 2


def _road(shape: tuple[int, int], pts: list[tuple[float, float]]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    for (r0, c0), (r1, c1) in itertools.pairwise(pts):
        n = int(max(abs(r1 - r0), abs(c1 - c0))) * 2 + 1
        rr = np.clip(np.round(np.linspace(r0, r1, n)).astype(int), 0, shape[0] - 1)
        cc = np.clip(np.round(np.linspace(c0, c1, n)).astype(int), 0, shape[1] - 1)
        mask[rr, cc] = True
    return mask


def _fields(rng: np.random.Generator, shape: tuple[int, int], size: int) -> np.ndarray:
    """Parcel ids on a slightly rotated grid of fields ``size`` px wide."""
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    ang = np.radians(rng.uniform(8, 20))
    u = cols * np.cos(ang) + rows * np.sin(ang)
    v = -cols * np.sin(ang) + rows * np.cos(ang)
    return (np.floor(u / size).astype(int) * 1000 + np.floor(v / (size * 1.7)).astype(int))


def make_landscape(rng: np.random.Generator, terrain: Terrain) -> Landscape:
    """Assign a legend code to every pixel from terrain, noise fields and human features."""
    shape = terrain.dem.shape
    h, w = shape
    dem, slope = terrain.dem, terrain.slope
    south = np.cos(np.radians(terrain.aspect - 180.0))  # +1 south-facing, -1 north-facing
    n1, n2, n3, n4 = (fractal_noise(rng, shape, b) for b in (2.8, 3.0, 2.6, 3.4))
    russia = terrain.side > 0
    hab = np.full(shape, KP, np.uint8)

    # Forest zonation: oak low and warm, Korean pine-broadleaf in the middle, spruce-fir high/cool.
    warmth = -dem / 150.0 + south + 0.6 * n1
    hab[warmth > -1.9] = OAK
    hab[(dem > 500) & (south + 0.6 * n2 < -0.3)] = SPRUCE
    hab[(dem > 600) & (n2 > -0.2)] = SPRUCE
    # Logging history: secondary birch-aspen, more of it on the Chinese side.
    secondary = np.where(russia, n3 > 1.3, n3 > 0.8)
    hab[secondary & (dem < 500)] = BIRCH
    # Larch on cold, poorly drained valley floors of the Chinese side.
    hab[(~russia) & (terrain.river_dist < 900) & (terrain.river_dist > 300) & (n4 > 1.1)] = LARCH
    # Shrub on steep sunny slopes (fire-maintained), rock outcrops on the steepest crests.
    hab[(slope > 12) & (south > 0.5) & (n2 > 0.2) & (dem < 520)] = SHRUB
    hab[(slope > 24) & (dem > 380) & (n4 > 0.9)] = ROCK

    # Floodplains: meadow and wetland near the main river, wetland in depressions.
    flood = terrain.main_river_dist < 650 * (1 + 0.4 * n4)
    hab[flood] = MEADOW
    hab[flood & (n1 < -0.1)] = WETLAND
    hab[(terrain.river_dist < 250) & (slope < 3) & (n2 < -0.7)] = WETLAND

    # Settlements: a town and two villages in the basin, a village and a border post in Russia.
    main_col = np.array([np.argmin(terrain.main_river_dist[r]) for r in range(h)])
    bcol = terrain.border_col
    settlements = [
        Settlement(int(0.72 * h), int(main_col[int(0.72 * h)] + 22), 16, "CHN", "Xinxing (synthetic)",
                   "新兴村（合成）"),
        Settlement(int(0.35 * h), int(main_col[int(0.35 * h)] - 18), 9, "CHN", "Dongsheng (synthetic)",
                   "东升村（合成）"),
        Settlement(int(0.9 * h), int(0.08 * w), 8, "CHN", "Nanshan (synthetic)", "南山村（合成）"),
        Settlement(int(0.82 * h), int(bcol[int(0.82 * h)] + 0.22 * w), 10, "RUS",
                   "Kedrovka (synthetic)", "Кедровка (синтетическое)"),
        Settlement(int(0.55 * h), int(bcol[int(0.55 * h)] + 12), 3, "RUS", "Border post (synthetic)",
                   "Погранзастава (синтетическая)"),
    ]
    towns = np.zeros(shape, bool)
    for s in settlements:
        blob = _disk(shape, s.row, s.col, s.radius * (1 + 0.25 * n4))
        towns |= blob
    # Fields: dense on the Chinese basin floor, sparse (partly abandoned) in Russia.
    dist_town = ndimage.distance_transform_edt(~towns) * PIXEL
    parcels = _fields(rng, shape, 9)
    ids, inv = np.unique(parcels, return_inverse=True)
    parcel_draw = rng.uniform(0, 1, ids.size)[inv].reshape(shape)
    arable = (slope < 7) & (dem < 300) & ~flood
    crop = arable & np.where(russia, (dist_town < 2500) & (parcel_draw < 0.35),
                             (dist_town < 6000) & (parcel_draw < 0.8))
    hab[crop] = CROP
    hab[arable & russia & (dist_town < 3000) & (parcel_draw >= 0.35) & (parcel_draw < 0.7)] = MEADOW
    hab[arable & ~russia & (parcel_draw >= 0.8) & (dist_town < 6000)] = MEADOW

    # Burn scars in the Russian oak belt (spring grass fires are the main threat to leopard habitat).
    burns = np.zeros(shape, bool)
    for _ in range(2):
        r = rng.integers(int(0.4 * h), int(0.9 * h))
        c = int(bcol[r] + rng.integers(int(0.08 * w), int(0.3 * w)))
        burns |= _disk(shape, r, c, rng.uniform(12, 20) * (1 + 0.35 * n3))
    burns &= russia & (dem < 560)
    hab[burns & (n1 > -0.4)] = BARE
    hab[burns & (n1 <= -0.4)] = SHRUB

    # Majority filter for realistic patch sizes, then the sharp features on top.
    hab = _majority(hab, 2)
    hab[towns] = BUILT
    roads = np.zeros(shape, bool)
    chn = [s for s in settlements if s.country == "CHN"]
    rus = [s for s in settlements if s.country == "RUS"]
    road_lines = [
        [(0.0, float(main_col[0] + 8))] + [(float(s.row), float(s.col)) for s in chn[1::-1]]
        + [(float(h - 1), float(chn[0].col))],
        [(float(rus[1].row), float(rus[1].col)), (float(rus[0].row), float(rus[0].col)),
         (float(h - 1), float(rus[0].col + 40))],
    ]
    for line in road_lines:
        roads |= _road(shape, line)
    hab[roads] = BUILT
    strip = np.zeros(shape, bool)
    cols_idx = np.arange(w)[None, :]
    strip |= (cols_idx >= np.round(bcol)[:, None] + 2) & (cols_idx < np.round(bcol)[:, None] + 3)
    hab[strip] = BARE
    water = terrain.rivers.copy()
    water |= ndimage.binary_dilation(terrain.rivers & (terrain.main_river_dist == 0), iterations=1)
    ponds = flood & (n3 > 1.9) & (n1 < 0)
    water |= ponds
    hab[water] = WATER
    return Landscape(habitat=hab, settlements=settlements, road_cells=roads, road_lines=road_lines,
                     border_strip=strip,
                     burn_scars=burns)


def _majority(hab: np.ndarray, radius: int) -> np.ndarray:
    """Modal filter over a (2r+1)^2 window, ties kept as the original value."""
    codes = np.unique(hab)
    size = 2 * radius + 1
    counts = np.stack([ndimage.uniform_filter((hab == c).astype(np.float32), size) for c in codes])
    best = codes[np.argmax(counts, axis=0)]
    own = np.take_along_axis(counts, np.searchsorted(codes, hab)[None], 0)[0]
    return np.where(own >= counts.max(axis=0) - 1e-6, hab, best).astype(np.uint8)


#: The sample's fire: a spring grass fire that ran into the Russian oak and pine forest (spring
#: fires are the parks' main fire threat), between the 2021 and the 2022 scenes.
FIRE_DATE = "2022-04-20"
FIRE_RADIUS_PX = 38.0
#: Classes that burn (forests, shrub, meadow); fields, water, settlements and bare ground do not.
BURNABLE = (KP, OAK, SPRUCE, LARCH, BIRCH, SHRUB, MEADOW)
#: Severity from which the truth of 2022 shows burned ground (canopy gone); below it the canopy
#: survives and the class stays.
STAND_REPLACING = 0.45


def make_fire(rng: np.random.Generator, terrain: Terrain, land: Landscape) -> np.ndarray:
    """Burn severity (0 unburned ... 1 complete) of the sample's fire on the master grid.

    An irregular patch about 2.3 km across, centred where the Russian side's burnable cover is
    densest away from the grid's edges; severity falls from the centre to the rim, with noise.
    """
    shape = terrain.dem.shape
    burnable = np.isin(land.habitat, BURNABLE)
    share = ndimage.uniform_filter(burnable.astype(np.float32), size=int(2 * FIRE_RADIUS_PX) + 1)
    margin = int(2 * FIRE_RADIUS_PX)
    allowed = np.zeros(shape, bool)
    allowed[margin:-margin, margin:-margin] = True
    allowed &= (terrain.side > 0) & (terrain.dem < 650) & ~ndimage.binary_dilation(
        land.burn_scars, iterations=margin)
    score = np.where(allowed, share + 0.05 * rng.random(shape, dtype=np.float32), -1.0)
    r0, c0 = np.unravel_index(int(np.argmax(score)), shape)
    rows, cols = np.ogrid[0:shape[0], 0:shape[1]]
    dist = np.hypot((rows - r0) / 1.0, (cols - c0) / 1.35) / FIRE_RADIUS_PX  # longer east-west
    edge = 1 + 0.35 * fractal_noise(rng, shape, 2.4)
    severity = np.clip(1.25 - 1.1 * dist * edge, 0.0, 1.0) * burnable
    severity[dist * edge > 1.0] = 0.0
    return severity.astype(np.float32)


def after_fire(habitat: np.ndarray, severity: np.ndarray) -> np.ndarray:
    """The truth habitat after the fire: burned ground where the canopy did not survive."""
    out = habitat.copy()
    out[severity >= STAND_REPLACING] = BARE
    return out
