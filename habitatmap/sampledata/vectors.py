"""Vector layers of the sample: border, Russian and Chinese parks and zones, field samples.

Geometry is drawn in UTM 52N (WGS 84) and then written in each country's own system: the Russian
layers in Pulkovo 1942 / Gauss-Kruger zone 22 (EPSG:28422) through "Pulkovo 1942 to WGS 84 (20)",
the Chinese layers in CGCS2000 / 3-degree Gauss-Kruger zone 43 (EPSG:4511), the border in WGS 84.
A toolkit that uses the right datum transformation lines them up with the imagery; one that takes
PROJ's zero-shift "ballpark" step for Pulkovo 1942 is about 90 m off.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry import LineString, Point, Polygon

from habitatmap.errors import HabitatmapError
from habitatmap.geodesy import to_crs, transform_geometries
from habitatmap.grid import Grid
from habitatmap.sampledata.grid import UTM_EPSG
from habitatmap.sampledata.habitat import Landscape
from habitatmap.sampledata.terrain import Terrain

RU_EPSG, CN_EPSG = 28422, 4511

__all__ = ["border_frame", "border_line", "parks_and_zones", "sample_points", "to_russian_crs"]


PULKOVO_OP = "Pulkovo 1942 to WGS 84 (20)"
SYNTH_RU = "Синтетические данные; границы условные, не официальные"
SYNTH_ZH = "合成示例数据；边界为示意，非官方"


def _px_to_utm(grid: Grid, rc: np.ndarray) -> np.ndarray:
    """(row, col) pixel coordinates (cell units, centre at +0.5) -> UTM x, y."""
    return np.column_stack(grid.xy(rc[:, 0], rc[:, 1]))


def _wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # Same datum: an exact projection inverse, no densifying (the shapes stay as drawn).
    return to_crs(gdf, 4326, what="sample layer", densify=False)[0]


def _blob(rng: np.random.Generator, cx: float, cy: float, radius: float) -> Polygon:
    t = np.linspace(0, 2 * np.pi, 181)[:-1]
    ph = rng.uniform(0, 2 * np.pi, 3)
    r = radius * (1 + 0.14 * np.sin(3 * t + ph[0]) + 0.07 * np.sin(5 * t + ph[1])
                  + 0.04 * np.sin(9 * t + ph[2]))
    return Polygon(np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)]))


def border_line(grid: Grid, terrain: Terrain) -> LineString:
    """The illustrative border (UTM), following the ridge the terrain was built around."""
    rows = np.arange(grid.height, dtype=float)
    rc = np.column_stack([rows, terrain.border_col])
    xy = _px_to_utm(grid, rc)
    # Extend 1 km beyond the window at both ends so clipped layers meet the frame.
    top = xy[0] + (xy[0] - xy[5]) / np.linalg.norm(xy[0] - xy[5]) * 1000
    bot = xy[-1] + (xy[-1] - xy[-6]) / np.linalg.norm(xy[-1] - xy[-6]) * 1000
    return LineString(np.vstack([top, xy, bot])).simplify(2.0)


def _side(line: LineString, east: bool, far: float = 60_000.0) -> Polygon:
    pts = list(line.coords)  # north to south
    x_far = (max(p[0] for p in pts) + far) if east else (min(p[0] for p in pts) - far)
    return shapely.make_valid(Polygon([*pts, (x_far, pts[-1][1]), (x_far, pts[0][1])]))


def _road_lines(grid: Grid, land: Landscape) -> list[LineString]:
    return [LineString(_px_to_utm(grid, np.array(line))) for line in land.road_lines]


def _settlement_points(grid: Grid, land: Landscape, country: str) -> list[Point]:
    return [Point(_px_to_utm(grid, np.array([[s.row, s.col]]))[0])
            for s in land.settlements if s.country == country]


def parks_and_zones(
    rng: np.random.Generator, grid: Grid, terrain: Terrain, land: Landscape,
    border: LineString,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Russian park + zones and Chinese park + zones, all in UTM 52N."""
    w, s, e, n = grid.bounds
    mid_y = (s + n) / 2
    bx = border.interpolate(border.project(Point(w, mid_y))).x
    roads = _road_lines(grid, land)

    # Russia: east of the border, the border itself forms the park's western edge.
    ru_side = _side(border, east=True)
    ru_blob = _blob(rng, bx + 4200, mid_y + 800, 7200)
    ru_park = shapely.make_valid(ru_blob.intersection(ru_side))
    frame = shapely.box(w + 600, s + 600, e - 600, n - 600)
    ru_park = ru_park.intersection(frame)
    village = _settlement_points(grid, land, "RUS")[0]
    core = _blob(rng, bx + 5200, mid_y + 3200, 3300).intersection(ru_park)
    rec = roads[1].buffer(500).intersection(ru_park).difference(core)
    econ = village.buffer(1300).intersection(ru_park).difference(core).difference(rec)
    protected = ru_park.difference(core).difference(rec).difference(econ)
    ru_zones = gpd.GeoDataFrame({
        "NAME": ["Земля леопарда (синтетический пример)"] * 4,
        "ZONE": ["заповедная зона", "особо охраняемая зона", "рекреационная зона",
                 "зона хозяйственного назначения"],
        "REGIME": [
            "запрещена любая хозяйственная деятельность и рекреационное использование",
            "допускается научная и мониторинговая деятельность, экологическое просвещение",
            "допускается развитие познавательного туризма, физической культуры и спорта",
            "допускается хозяйственная деятельность для обеспечения функционирования парка",
        ],
        "NOTE": [SYNTH_RU] * 4,
    }, geometry=[core, protected, rec, econ], crs=UTM_EPSG)
    ru_parks = gpd.GeoDataFrame({
        "NAME": ["Земля леопарда (синтетический пример)"],
        "CATEGORY": ["национальный парк"],
        "NOTE": [SYNTH_RU],
    }, geometry=[ru_park], crs=UTM_EPSG)

    # China: west of the border, digitised independently: generalised and shifted by up to ~40 m,
    # so the two countries' layers overlap or leave gaps along the border, as real data do.
    coords = np.asarray(border.simplify(45.0).coords)
    coords[:, 0] += 25.0 * np.sin(np.linspace(0, 5 * np.pi, len(coords)))
    cn_side = _side(LineString(coords), east=False)
    cn_blob = _blob(rng, bx - 3800, mid_y + 2600, 6000)
    towns = shapely.union_all([p.buffer(900) for p in _settlement_points(grid, land, "CHN")])
    cn_park = cn_blob.intersection(cn_side).intersection(frame).difference(towns)
    people = shapely.union_all(
        [p.buffer(3000) for p in _settlement_points(grid, land, "CHN")] + [roads[0].buffer(1200)])
    cn_core = cn_park.difference(people)
    cn_general = cn_park.difference(cn_core)
    cn_zones = gpd.GeoDataFrame({
        "名称": ["东北虎豹国家公园（合成示例）"] * 2,
        "功能分区": ["核心保护区", "一般控制区"],
        "管控要求": ["原则上禁止人为活动", "限制人为活动，允许适度的生产生活和游憩活动"],
        "备注": [SYNTH_ZH] * 2,
    }, geometry=[cn_core, cn_general], crs=UTM_EPSG)
    cn_parks = gpd.GeoDataFrame({
        "名称": ["东北虎豹国家公园（合成示例）"],
        "类别": ["国家公园"],
        "备注": [SYNTH_ZH],
    }, geometry=[cn_park], crs=UTM_EPSG)
    cleaned = []
    for gdf in (ru_parks, ru_zones, cn_parks, cn_zones):
        gdf = gdf.set_geometry([_clean(g) for g in gdf.geometry])
        cleaned.append(gdf[~gdf.geometry.is_empty].reset_index(drop=True))
    ru_parks, ru_zones, cn_parks, cn_zones = cleaned
    for gdf, col in ((ru_zones, "AREA_HA"), (ru_parks, "AREA_HA"), (cn_zones, "面积_公顷"),
                     (cn_parks, "面积_公顷")):
        gdf[col] = (gdf.geometry.area / 10_000).round(1)
    return ru_parks, ru_zones, cn_parks, cn_zones


def _clean(geom):
    """Valid polygonal geometry without the hair-thin slivers that set differences leave."""
    geom = shapely.make_valid(shapely.set_precision(geom, 0.01))
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 100.0]
    if not parts:
        return shapely.Polygon()
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]


def to_russian_crs(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """UTM 52N (WGS 84) -> EPSG:28422 with the datum operation for the layer's area, which must be
    "Pulkovo 1942 to WGS 84 (20)" (3 m), never the ballpark step."""
    wgs = _wgs84(gdf)
    geoms, op = transform_geometries(wgs.geometry.values, 4326, RU_EPSG, what="sample Russian layer",
                                     densify=False)
    if op is None or PULKOVO_OP not in op.description:
        raise HabitatmapError(
            f"PROJ chose {op.description if op else 'no operation'!r}, not '{PULKOVO_OP}', for the "
            "sample's Russian layers; the sample cannot be generated correctly. Install a pyproj wheel "
            "with the full EPSG database.")
    return gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=list(geoms), crs=CRS(RU_EPSG))


def border_frame(border_utm: LineString) -> gpd.GeoDataFrame:
    """The border as a WGS 84 layer with its names."""
    gdf = gpd.GeoDataFrame({
        "name_en": ["Russia–China state border (illustrative)"],
        "name_ru": ["Государственная граница России и Китая (условно)"],
        "name_zh": ["中俄国界（示意）"],
        "note": ["Illustrative line for the synthetic sample; not the official boundary."],
    }, geometry=[border_utm], crs=UTM_EPSG)
    return _wgs84(gdf)


def sample_points(
    rng: np.random.Generator, grid: Grid, habitat: np.ndarray, keys: dict[int, str],
    *, margin: int, n_train: int = 1500, n_valid: int = 650, label_noise: float = 0.03,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, int]]:
    """Training points (noisy labels, homogeneous sites) and a stratified random validation sample.

    Returns the training points (EPSG:4326), the validation points (UTM 52N) and a count of the
    training labels that were deliberately flipped.
    """
    h, w = habitat.shape
    inner = np.zeros(habitat.shape, bool)
    inner[margin:h - margin, margin:w - margin] = True
    # Homogeneous 3x3 neighbourhoods: field crews place training sites inside patches.
    same = np.ones(habitat.shape, bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            same &= np.roll(np.roll(habitat, dr, 0), dc, 1) == habitat
    same &= inner
    codes, counts = np.unique(habitat[inner], return_counts=True)
    share = counts / counts.sum()
    taken = np.zeros(habitat.shape, bool)
    train_rc, train_code = [], []
    for code, p in zip(codes, share, strict=True):
        cand = np.flatnonzero(same & (habitat == code))
        k = int(min(len(cand), max(40, min(250, round(p * n_train)))))
        if k == 0:
            continue
        pick = rng.choice(cand, size=k, replace=False)
        taken.flat[pick] = True
        train_rc.append(np.column_stack(np.unravel_index(pick, habitat.shape)))
        train_code += [int(code)] * k
    rc = np.vstack(train_rc).astype(float)
    labels = np.array(train_code)
    flip = np.zeros(len(labels), bool)
    flip[rng.choice(len(labels), size=round(label_noise * len(labels)), replace=False)] = True
    present = np.array(sorted(set(train_code)))
    for i in np.flatnonzero(flip):
        others = present[present != labels[i]]
        labels[i] = rng.choice(others)
    jitter = rng.uniform(-0.4, 0.4, rc.shape)
    xy = _px_to_utm(grid, rc + jitter)
    train = gpd.GeoDataFrame({
        "id": np.arange(1, len(labels) + 1),
        "habitat": [keys[int(c)] for c in labels],
        "source": "synthetic field survey",
    }, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=UTM_EPSG)
    train = _wgs84(train)

    # Validation: stratified random by true class, at least 25 per class, excluding training sites.
    valid_rc, rows = [], []
    for code, p in zip(codes, share, strict=True):
        cand = np.flatnonzero(inner & ~taken & (habitat == code))
        n_h = int(min(len(cand), max(25, round(p * n_valid))))
        if n_h == 0:
            continue
        pick = rng.choice(cand, size=n_h, replace=False)
        valid_rc.append(np.column_stack(np.unravel_index(pick, habitat.shape)))
        big_n = int(np.count_nonzero(inner & (habitat == code)))
        rows += [(keys[int(code)], big_n, big_n / n_h)] * n_h
    vrc = np.vstack(valid_rc).astype(float) + rng.uniform(-0.4, 0.4, (len(rows), 2))
    vxy = _px_to_utm(grid, vrc)
    frame = pd.DataFrame(rows, columns=["stratum", "stratum_pixels", "sample_weight"])
    valid = gpd.GeoDataFrame({
        "id": np.arange(1, len(rows) + 1),
        "habitat": frame["stratum"],
        "stratum": frame["stratum"],
        "stratum_pixels": frame["stratum_pixels"],
        "sample_weight": frame["sample_weight"].round(4),
    }, geometry=gpd.points_from_xy(vxy[:, 0], vxy[:, 1]), crs=UTM_EPSG)
    return train, valid, {"flipped_labels": int(flip.sum()), "training_points": len(labels)}
