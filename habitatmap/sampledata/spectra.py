"""Synthetic Landsat surface reflectance and QA for the sample scenes.

Each class has a surface-reflectance signature in the six optical bands for summer and autumn.
Pixels vary around it through spatially correlated brightness and band noise, topographic
illumination, haze, sensor differences and edge mixing, so classification is neither trivial nor
hopeless. Clouds, their shadows, cirrus, scene-edge fill and Landsat 7 SLC-off gaps are drawn on top
and flagged with the real Collection 2 ``QA_PIXEL`` bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from habitatmap.sampledata.grid import PIXEL
from habitatmap.sampledata.terrain import Terrain, fractal_noise
from habitatmap.scenes.qa import encode_qa

__all__ = ["SceneData", "SceneSpec", "make_scene", "surface"]


BANDS = ("blue", "green", "red", "nir08", "swir16", "swir22")
SCALE, OFFSET = 0.0000275, -0.2

# Surface reflectance (blue, green, red, nir08, swir16, swir22); typical values for these covers.
SUMMER: dict[int, tuple[float, ...]] = {
    11: (0.024, 0.046, 0.029, 0.300, 0.150, 0.068),
    12: (0.028, 0.056, 0.034, 0.345, 0.172, 0.079),
    13: (0.019, 0.035, 0.021, 0.215, 0.098, 0.043),
    14: (0.025, 0.050, 0.030, 0.300, 0.140, 0.065),
    15: (0.030, 0.062, 0.036, 0.385, 0.182, 0.080),
    21: (0.035, 0.066, 0.051, 0.300, 0.205, 0.112),
    31: (0.040, 0.076, 0.061, 0.320, 0.232, 0.131),
    42: (0.090, 0.118, 0.138, 0.205, 0.262, 0.221),
    51: (0.030, 0.056, 0.044, 0.232, 0.138, 0.068),
    52: (0.042, 0.052, 0.032, 0.022, 0.011, 0.008),
    61: (0.036, 0.072, 0.046, 0.375, 0.198, 0.098),
    62: (0.092, 0.112, 0.121, 0.182, 0.221, 0.199),
    71: (0.062, 0.082, 0.101, 0.160, 0.252, 0.212),
}
AUTUMN: dict[int, tuple[float, ...]] = {
    11: (0.029, 0.051, 0.045, 0.252, 0.171, 0.086),
    12: (0.035, 0.061, 0.076, 0.232, 0.212, 0.121),
    13: (0.020, 0.033, 0.022, 0.182, 0.090, 0.040),
    14: (0.040, 0.075, 0.070, 0.240, 0.180, 0.090),
    15: (0.041, 0.082, 0.071, 0.282, 0.191, 0.095),
    21: (0.045, 0.071, 0.081, 0.222, 0.232, 0.141),
    31: (0.056, 0.081, 0.096, 0.212, 0.272, 0.182),
    42: (0.090, 0.118, 0.138, 0.205, 0.262, 0.221),
    51: (0.041, 0.061, 0.071, 0.172, 0.191, 0.112),
    52: (0.040, 0.050, 0.030, 0.020, 0.010, 0.007),
    61: (0.071, 0.091, 0.112, 0.201, 0.292, 0.232),
    62: (0.092, 0.112, 0.121, 0.182, 0.221, 0.199),
    71: (0.066, 0.084, 0.108, 0.150, 0.262, 0.225),
}


@dataclass(frozen=True)
class SceneSpec:
    """What one synthetic acquisition looks like."""

    platform: str          # landsat-4/5 (TM), landsat-7 (ETM+), landsat-8/9 (OLI)
    date: str              # YYYY-MM-DD
    processed: str         # YYYYMMDD, the processing date in the product id
    wrs_path: int
    wrs_row: int
    season: str            # summer | autumn
    cloud_fraction: float  # target fraction of cloud over the window
    sun_elevation: float
    sun_azimuth: float
    offset: tuple[int, int]  # (row, col) of the scene window in the master grid
    cirrus: bool = False
    edge: bool = False     # scene edge (fill) crosses the window
    slc_off: bool = False

    @property
    def oli(self) -> bool:
        """True for the OLI sensor (Landsat 8/9)."""
        return self.platform not in ("landsat-4", "landsat-5", "landsat-7")


@dataclass
class SceneData:
    """Pixels of one scene: scaled DN per band and QA_PIXEL."""

    dn: dict[str, np.ndarray]
    qa: np.ndarray
    cloud_cover: float  # percent of the non-fill area flagged cloud or dilated cloud


def _signatures(habitat: np.ndarray, table: dict[int, tuple[float, ...]]) -> np.ndarray:
    out = np.zeros((len(BANDS), *habitat.shape), np.float32)
    for code, refl in table.items():
        m = habitat == code
        for b, v in enumerate(refl):
            out[b][m] = v
    return out


def surface(
    rng: np.random.Generator, habitat: np.ndarray, terrain: Terrain, spec: SceneSpec,
    texture: np.ndarray, burn: np.ndarray | None = None,
) -> np.ndarray:
    """Cloud-free surface reflectance (bands, rows, cols) on the master grid for one scene;
    ``burn`` (severity 0-1) blends each pixel's cover towards burned ground (char and ash:
    NIR falls, SWIR2 rises), so dNBR grows with severity."""
    shape = habitat.shape
    table = SUMMER if spec.season == "summer" else AUTUMN
    refl = _signatures(habitat, table)
    if burn is not None:
        bare = np.array(table[71], np.float32)[:, None, None]
        refl = refl * (1 - burn)[None] + bare * burn[None]
    # Within-class variation: a fixed (stand structure) and a per-date part (phenology, moisture).
    brightness = 1 + 0.07 * texture + 0.04 * fractal_noise(rng, shape, 3.2)
    refl *= brightness
    for b in range(len(BANDS)):
        refl[b] *= 1 + 0.035 * fractal_noise(rng, shape, 3.4)
    # Topographic illumination (partial: diffuse light fills shadows), water stays flat.
    cos_i = terrain.illumination(spec.sun_elevation, spec.sun_azimuth)
    cos_z = np.cos(np.radians(90 - spec.sun_elevation))
    topo = np.clip(1 + 0.7 * (cos_i / cos_z - 1), 0.35, 1.6).astype(np.float32)
    topo[habitat == 52] = 1.0
    refl *= topo
    # Edge mixing: the sensor's point spread blends neighbouring covers.
    refl = ndimage.gaussian_filter(refl, sigma=(0, 0.55, 0.55))
    # Residual haze after atmospheric correction: stronger in short wavelengths.
    haze = 0.006 + 0.004 * fractal_noise(rng, shape, 3.5)
    for b, k in enumerate((1.0, 0.7, 0.45, 0.2, 0.05, 0.02)):
        refl[b] += k * haze
    # Sensor and calibration differences between ETM+ and OLI, and per-date gain.
    sensor = (1.02, 1.01, 1.0, 0.98, 1.01, 1.0) if not spec.oli else (1.0,) * 6
    for b in range(len(BANDS)):
        refl[b] *= sensor[b] * rng.uniform(0.985, 1.015)
    # Sensor noise at about OLI's signal-to-noise ratio.
    refl += rng.normal(0, 1, refl.shape).astype(np.float32) * (0.0005 + 0.002 * refl)
    return refl


def _clouds(rng: np.random.Generator, shape: tuple[int, int], spec: SceneSpec):
    field = fractal_noise(rng, shape, 3.3)
    thr = np.quantile(field, 1 - spec.cloud_fraction) if spec.cloud_fraction > 0 else np.inf
    opacity = np.clip((field - thr) / 0.35 + 0.5, 0, 1).astype(np.float32)  # soft edges
    cloud = opacity >= 0.5
    dilated = ndimage.binary_dilation(cloud, iterations=3) & ~cloud
    # Shadow: the cloud projected away from the sun for a cloud-top height of ~1.8 km.
    height = 1800.0
    dist = height / np.tan(np.radians(spec.sun_elevation)) / PIXEL
    az = np.radians(spec.sun_azimuth)
    drow, dcol = dist * np.cos(az), -dist * np.sin(az)  # away from the sun (north-up rows)
    shadow = ndimage.shift(cloud.astype(np.float32), (drow, dcol), order=0, cval=0) > 0.5
    shadow &= ~cloud & ~dilated
    return opacity, cloud, dilated, shadow


def _slc_off(shape: tuple[int, int], offset: tuple[int, int]) -> np.ndarray:
    """Landsat 7 scan-line-corrector gaps: wedge-shaped stripes widening away from the track."""
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    rows += offset[0]
    cols += offset[1]
    ang = np.radians(11.0)  # scan lines are tilted by the orbit's heading
    along = rows * np.cos(ang) + cols * np.sin(ang)
    # The window sits ~60 km east of the path centre line, where gaps are ~10 px of every ~33.
    cross = 2000.0 + cols - rows * np.sin(ang)
    width = 2.0 + 8.5 * np.clip(cross / 3000.0, 0, 1)
    return (along % 32.8) < width


def make_scene(
    rng: np.random.Generator, habitat: np.ndarray, terrain: Terrain, spec: SceneSpec,
    texture: np.ndarray, size: tuple[int, int], burn: np.ndarray | None = None,
) -> SceneData:
    """Synthesise one scene's window: DN bands (scale/offset applied inversely) and QA_PIXEL
    (``burn``: a fire's severity before this acquisition, see :func:`surface`)."""
    refl_full = surface(rng, habitat, terrain, spec, texture, burn)
    r0, c0 = spec.offset
    h, w = size
    sl = (slice(r0, r0 + h), slice(c0, c0 + w))
    refl = refl_full[:, sl[0], sl[1]].copy()
    hab = habitat[sl]
    opacity, cloud, dilated, shadow = _clouds(rng, (h, w), spec)
    cloud_refl = np.array((0.42, 0.43, 0.45, 0.48, 0.33, 0.22), np.float32)[:, None, None]
    cloud_refl = cloud_refl * (0.85 + 0.15 * opacity)
    refl = refl * (1 - opacity) + cloud_refl * opacity
    refl[:, shadow] *= np.array((0.45, 0.42, 0.38, 0.3, 0.28, 0.28), np.float32)[:, None]
    cirrus = np.zeros((h, w), bool)
    if spec.cirrus and spec.oli:
        cf = fractal_noise(rng, (h, w), 3.0)
        cirrus = cf > np.quantile(cf, 0.88)
        refl[:, cirrus] += 0.018
    fill = np.zeros((h, w), bool)
    if spec.edge:
        rows, cols = np.mgrid[0:h, 0:w]
        fill |= cols > (0.82 * w - 0.21 * rows)  # the scene's east edge, tilted like a WRS frame
    if spec.slc_off:
        fill |= _slc_off((h, w), spec.offset)
    water = (hab == 52) & ~cloud
    qa = encode_qa((h, w), fill=fill, cloud=cloud, dilated_cloud=dilated, cloud_shadow=shadow,
                   cirrus=cirrus, water=water, oli=spec.oli)
    dn = {}
    for b, name in enumerate(BANDS):
        v = np.round((refl[b] - OFFSET) / SCALE)
        v = np.clip(v, 1, 65535).astype(np.uint16)
        v[fill] = 0
        dn[name] = v
    valid = ~fill
    cc = 100.0 * float((cloud | dilated)[valid].mean()) if valid.any() else 0.0
    return SceneData(dn=dn, qa=qa, cloud_cover=round(cc, 2))
