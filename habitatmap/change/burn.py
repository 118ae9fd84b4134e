"""Burn severity from two Landsat composites: NBR, dNBR, RdNBR, RBR and Key & Benson's classes.

NBR = (NIR - SWIR2) / (NIR + SWIR2) from surface reflectance (a band's GDAL scale and offset, or
Landsat Collection 2's 2.75e-5 and -0.2 for integer bands without them, applied first);
dNBR = NBR_pre - NBR_post; RdNBR = dNBR / sqrt(|NBR_pre|) (Miller & Thode 2007); RBR = dNBR /
(NBR_pre + 1.001) (Parks et al. 2014). An optional offset, the mean dNBR of unburned reference
pixels, is subtracted from dNBR before RdNBR and RBR (Key 2006; Parks et al. 2014). All three are
written x 1000, the scale the thresholds use.

Severity classes are Key & Benson's (2006) dNBR ranges (x 1000), replaceable by a thresholds file:

=====  ========================  ====================
code   class                     dNBR x 1000
=====  ========================  ====================
1      enhanced regrowth, high   -500 to -251
2      enhanced regrowth, low    -250 to -101
3      unburned                  -100 to +99
4      low severity              +100 to +269
5      moderate-low severity     +270 to +439
6      moderate-high severity    +440 to +659
7      high severity             +660 and above
=====  ========================  ====================

Each class's lower bound belongs to it (a value exactly on a threshold goes to the class that
threshold starts): 100 is low severity, 99.9 unburned, -100 unburned, -100.1 enhanced regrowth
(low). dNBR below the lowest bound (-500: cloud, water or noise, as Key & Benson note) is left
unclassified (0, nodata).
"""

from __future__ import annotations

import os
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from habitatmap.errors import ConfigError, InputDataError

__all__ = [
    "KEY_BENSON",
    "PRODUCT",
    "BurnResult",
    "SeverityClass",
    "burn_indices",
    "classify_severity",
    "load_thresholds",
    "nbr",
    "run_burn",
]

PRODUCT = "change.burn"


@dataclass(frozen=True)
class SeverityClass:
    """One severity class: its code, key, lower bound (dNBR x 1000, inclusive), names and colour."""

    code: int
    key: str
    lower: float
    names: dict[str, str] = field(default_factory=dict)
    colour: str = "#808080"


#: Key & Benson (2006) classes; colours after the UN-SPIDER recommended practice.
KEY_BENSON: tuple[SeverityClass, ...] = (
    SeverityClass(1, "enhanced_regrowth_high", -500, {"en": "Enhanced regrowth, high"}, "#7a8737"),
    SeverityClass(2, "enhanced_regrowth_low", -250, {"en": "Enhanced regrowth, low"}, "#acbe4d"),
    SeverityClass(3, "unburned", -100, {"en": "Unburned"}, "#0ae042"),
    SeverityClass(4, "low", 100, {"en": "Low severity"}, "#fff70b"),
    SeverityClass(5, "moderate_low", 270, {"en": "Moderate-low severity"}, "#ffaf38"),
    SeverityClass(6, "moderate_high", 440, {"en": "Moderate-high severity"}, "#ff641b"),
    SeverityClass(7, "high", 660, {"en": "High severity"}, "#a41fd6"),
)


def nbr(nir: np.ndarray, swir2: np.ndarray) -> np.ndarray:
    """Normalised burn ratio of surface reflectance; NaN where the sum is zero or an input NaN."""
    nir = np.asarray(nir, dtype=np.float64)
    swir2 = np.asarray(swir2, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (nir - swir2) / (nir + swir2)
    return np.where(np.isfinite(out), out, np.nan)


def burn_indices(nbr_pre: np.ndarray, nbr_post: np.ndarray, *, offset: float = 0.0) -> dict[str, np.ndarray]:
    """dNBR, RdNBR and RBR, all x 1000, from the two NBRs (``offset``: dNBR x 1000 of unburned
    reference pixels, subtracted first)."""
    pre = np.asarray(nbr_pre, dtype=np.float64)
    dnbr = (pre - np.asarray(nbr_post, dtype=np.float64)) * 1000.0 - offset
    with np.errstate(divide="ignore", invalid="ignore"):
        rdnbr = dnbr / np.sqrt(np.abs(pre))
        rbr = dnbr / (pre + 1.001)
    return {
        "dnbr": dnbr,
        "rdnbr": np.where(np.isfinite(rdnbr), rdnbr, np.nan),
        "rbr": np.where(np.isfinite(rbr), rbr, np.nan),
    }


def classify_severity(dnbr: np.ndarray, classes: tuple[SeverityClass, ...] = KEY_BENSON) -> np.ndarray:
    """Severity codes (uint8; 0 where dNBR is NaN or below the lowest bound) of dNBR x 1000."""
    d = np.asarray(dnbr, dtype=np.float64)
    ordered = sorted(classes, key=lambda c: c.lower)
    bounds = np.array([c.lower for c in ordered])
    codes = np.array([0, *[c.code for c in ordered]], dtype=np.uint8)
    # searchsorted(side="right") puts a value equal to a bound in the class that bound starts.
    idx = np.searchsorted(bounds, np.where(np.isfinite(d), d, -np.inf), side="right")
    return codes[idx]


def load_thresholds(path: str) -> tuple[SeverityClass, ...]:
    """Severity classes from a YAML file: a list of ``{code, key, lower, names: {en: ..}, colour}``
    (``lower`` in dNBR x 1000, inclusive; codes 1 to 254, unique; bounds strictly increasing)."""
    from habitatmap.io.yaml import read_yaml

    doc = read_yaml(path, what="severity thresholds", missing="give a thresholds file that exists")
    items = doc.get("classes") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: give a list of classes, each with code, key and lower (dNBR x 1000).")
    out = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not {"code", "key", "lower"} <= set(item):
            raise ConfigError(f"{path}: class {i} needs code, key and lower (dNBR x 1000); add them.")
        try:
            code, lower = int(item["code"]), float(item["lower"])
        except (TypeError, ValueError):
            raise ConfigError(
                f"{path}: class {i} has a code or lower bound that is not a number; fix it."
            ) from None
        if not 1 <= code <= 254 or not np.isfinite(lower):
            raise ConfigError(
                f"{path}: class {i} has code {code} or bound {lower}; codes are 1-254, bounds finite."
            )
        names = item.get("names") or {"en": str(item["key"])}
        colour = str(item.get("colour", "#808080"))
        if not isinstance(names, dict):
            raise ConfigError(
                f"{path}: class {i} has names that are not a table of language: name; write them "
                "as names: {en: High severity, ru: Высокая}."
            )
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
            raise ConfigError(f"{path}: class {i} has colour {colour!r}; write it as #rrggbb.")
        out.append(
            SeverityClass(
                code,
                str(item["key"]),
                lower,
                {str(k): str(v) for k, v in names.items()},
                colour,
            )
        )
    lowers = [c.lower for c in out]
    if lowers != sorted(lowers) or len(set(lowers)) != len(lowers):
        raise ConfigError(f"{path}: the lower bounds must increase from class to class; sort them.")
    if len({c.code for c in out}) != len(out):
        raise ConfigError(f"{path}: two classes share a code; give each its own.")
    return tuple(out)


# --- reading the two composites ---------------------------------------------------------------

#: Landsat Collection 2 Level-2 surface reflectance scale and offset, for integer bands that carry
#: no GDAL scale of their own (raw SR_B5 / SR_B7 files).
C2_SCALE, C2_OFFSET = 2.75e-05, -0.2
_NIR = ("nir08", "nir", "sr_b5", "b5", "nir08_reflectance")
_SWIR2 = ("swir22", "swir2", "sr_b7", "b7", "swir22_reflectance")


def _band_index(ds: Any, names: tuple[str, ...], what: str, path: str) -> int:
    desc = [(d or "").strip().lower() for d in ds.descriptions]
    for i, d in enumerate(desc, start=1):
        if d in names:
            return i
    raise InputDataError(
        f"{path} has no {what} band (band descriptions {', '.join(d or '-' for d in desc)}); "
        f"give a composite with a band named {names[0]}."
    )


def _reflectance(ds: Any, bands: tuple[int, int], window: Any) -> tuple[np.ndarray, np.ndarray]:
    """NIR and SWIR2 reflectance (float32, NaN on nodata) of one window, read in one call: a
    composite is pixel-interleaved, so each read decodes every band of its tiles."""
    data = ds.read(list(bands), window=window, masked=True)
    out = []
    for k, band in enumerate(bands):
        scale, offset = ds.scales[band - 1], ds.offsets[band - 1]
        if np.issubdtype(ds.dtypes[band - 1], np.integer) and scale == 1.0 and offset == 0.0:
            scale, offset = C2_SCALE, C2_OFFSET  # raw Collection 2 SR digital numbers
        layer = data[k]
        values = layer.data.astype(np.float32, copy=False)
        if scale != 1.0 or offset != 0.0:
            values = values * np.float32(scale) + np.float32(offset)
        out.append(np.where(np.ma.getmaskarray(layer), np.float32(np.nan), values))
    return out[0], out[1]


class _NbrStrips:
    """NBR of one composite, strip by strip, computed in a thread of its own one strip ahead of
    the caller: the two composites decode at the same time on two cores. The dataset is opened,
    read and closed in that one thread (a GDAL handle must not move between threads)."""

    def __init__(self, path: str | os.PathLike[str], bands: tuple[int, int], what: str) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.path, self.bands, self.what = path, bands, what
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="nbr")
        self._ds: Any = None

    def _nbr(self, window: Any) -> np.ndarray:
        from habitatmap.io.raster import open_raster

        if self._ds is None:
            self._ds = open_raster(self.path, what=self.what)
        return nbr(*_reflectance(self._ds, self.bands, window))

    def iterate(self, windows: list[Any]) -> Any:
        """Yield the NBR of each window in order."""
        ahead = [self._pool.submit(self._nbr, w) for w in windows[:2]]
        for i in range(len(windows)):
            result = ahead.pop(0).result()
            if i + 2 < len(windows):
                ahead.append(self._pool.submit(self._nbr, windows[i + 2]))
            yield result

    def close(self) -> None:
        def shut() -> None:
            if self._ds is not None:
                self._ds.close()

        self._pool.submit(shut).result()
        self._pool.shutdown()


@dataclass
class BurnResult:
    """What :func:`run_burn` wrote and found: the class areas (ha) and the reference offset."""

    out: Path
    areas: pd.DataFrame
    offset: float
    burned_ha: float
    classes: tuple[SeverityClass, ...]


def run_burn(
    pre: str | os.PathLike[str],
    post: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    thresholds: str | None = None,
    reference: str | None = None,
    zones: str | None = None,
    mmu_ha: float = 4.0,
    lang: str = "en",
    allow_ballpark: bool = False,
    rows_per_strip: int = 512,
    context: dict[str, Any] | None = None,
) -> BurnResult:
    """Burn severity of a fire between two composites, written into ``out``.

    Writes ``nbr_pre.tif``, ``nbr_post.tif``, ``dnbr.tif``, ``rdnbr.tif``, ``rbr.tif`` (x 1000,
    float32 COGs), ``severity.tif`` (uint8 COG with a colour table and category names),
    ``burned.gpkg`` (burned-area polygons of at least ``mmu_ha``, by class, styled),
    ``areas.csv`` (hectares by class, and by country, park and zone with ``zones``) and
    ``report.md``.

    Parameters
    ----------
    pre, post
        Composites before and after the fire on one grid, with ``nir08`` and ``swir22`` bands.
    thresholds
        A YAML file of severity classes (default Key & Benson 2006).
    reference
        Polygons of unburned reference ground: their mean dNBR is the offset.
    zones
        Zone polygons (``FILE[:LAYER]``: ``country``, a park and a zone column) for the area table.
    mmu_ha
        Least area of a burned polygon (the map's minimum mapping unit).
    context
        What chose the composites (the fire date and scenes of ``change burn --fire-date``), kept
        in the provenance record as ``fire``.
    """
    import rasterio.features
    from rasterio.windows import Window

    from habitatmap.change.zones import ZoneStrips
    from habitatmap.geodesy import to_crs
    from habitatmap.grid import Grid
    from habitatmap.io.atomic import OutputFolder
    from habitatmap.io.raster import FAST_COG_PROFILE, cog_writer, open_raster, write_category_names
    from habitatmap.io.vector import read_vector
    from habitatmap.provenance import Provenance

    classes = load_thresholds(thresholds) if thresholds else KEY_BENSON
    record = Provenance(
        PRODUCT, parameters={"thresholds": [c.__dict__ for c in classes], "mmu_ha": mmu_ha, "lang": lang}
    )
    if context:
        record.parameters["fire"] = dict(context)
    record.add_input("pre", pre)
    record.add_input("post", post)
    with open_raster(pre, what="pre-fire composite") as a, open_raster(post, what="post-fire composite") as b:
        ga, gb = Grid.from_dataset(a), Grid.from_dataset(b)
        if not ga.same_as(gb):
            raise InputDataError(
                f"{pre} and {post} are not on one grid ({ga.shape} on {ga.crs} and "
                f"{gb.shape} on {gb.crs}); composite both onto the same grid first."
            )
        grid = ga
        pixel_ha = grid.pixel_area_m2(str(pre)) / 1e4
        bands = (
            _band_index(a, _NIR, "near-infrared (nir08)", str(pre)),
            _band_index(a, _SWIR2, "SWIR2 (swir22)", str(pre)),
            _band_index(b, _NIR, "near-infrared (nir08)", str(post)),
            _band_index(b, _SWIR2, "SWIR2 (swir22)", str(post)),
        )
        strips = [
            Window(0, top, grid.width, min(rows_per_strip, grid.height - top))
            for top in range(0, grid.height, rows_per_strip)
        ]
        ref_mask = None
        if reference is not None:
            frame, info = read_vector(reference, what="unburned reference polygons")
            moved, op = to_crs(frame, grid.crs, allow_ballpark=allow_ballpark, what=f"reference {reference}")
            if op is not None:
                record.add_operation(f"reference {reference}", op)
            record.add_input("reference", info.source)
            ref_mask = rasterio.features.rasterize(
                list(moved.geometry),
                out_shape=grid.shape,
                transform=grid.transform,
                default_value=1,
                dtype="uint8",
            )
        zone_strips = zone_table = None
        if zones is not None:
            zone_strips = ZoneStrips(zones, grid, allow_ballpark=allow_ballpark)
            zone_table, zop = zone_strips.table, zone_strips.operation
            record.add_input("zones", zones)
            if zop is not None:
                record.add_operation(f"zones {zones}", zop)
        offset = 0.0
        if ref_mask is not None:
            total = count = 0.0
            for w in strips:
                inside = ref_mask[w.row_off : w.row_off + w.height] == 1
                if not inside.any():
                    continue  # only strips holding reference pixels are read for the offset
                pair = nbr(*_reflectance(a, bands[:2], w)), nbr(*_reflectance(b, bands[2:], w))
                d = burn_indices(*pair)["dnbr"]
                sel = inside & np.isfinite(d)
                total += float(d[sel].sum())
                count += int(sel.sum())
            if count == 0:
                raise InputDataError(
                    f"The reference polygons {reference} cover no valid pixel of {pre}; draw them "
                    "on unburned ground inside the composites."
                )
            offset = total / count
        record.parameters["offset_dnbr_x1000"] = offset
        names = ("nbr_pre", "nbr_post", "dnbr", "rdnbr", "rbr")
        counts = np.zeros((len(zone_table) + 1 if zone_table is not None else 1, 256), dtype=np.int64)
        severity = np.zeros(grid.shape, dtype=np.uint8)
        with OutputFolder(out, product=PRODUCT) as folder:
            stage = folder.staging
            tags = {"PRODUCT": "burn severity (x 1000)", "OFFSET_DNBR_X1000": f"{offset:.6g}"}
            writers = {
                n: cog_writer(
                    stage / f"{n}.tif",
                    grid=grid,
                    count=1,
                    dtype="float32",
                    nodata=float("nan"),
                    band_descriptions=[n if n.startswith("nbr") else f"{n}_x1000"],
                    tags=tags,
                    resampling="average",
                    # ZSTD level 3: level 9 took twice as long for files 0.5-2 % smaller (benchmark data)
                    profile={**FAST_COG_PROFILE, "level": 3},
                )
                for n in names
            }
            with ExitStack() as stack:
                opened = {n: stack.enter_context(wr) for n, wr in writers.items()}
                readers = [_NbrStrips(pre, bands[:2], "pre-fire composite"),
                           _NbrStrips(post, bands[2:], "post-fire composite")]
                for r in readers:
                    stack.callback(r.close)
                pairs = zip(*(r.iterate(strips) for r in readers), strict=True)
                for w, (pre_nbr, post_nbr) in zip(strips, pairs, strict=True):
                    idx = burn_indices(pre_nbr, post_nbr, offset=offset)
                    sev = classify_severity(idx["dnbr"], classes)
                    severity[w.row_off : w.row_off + w.height] = sev
                    for n, arr in (
                        ("nbr_pre", pre_nbr),
                        ("nbr_post", post_nbr),
                        ("dnbr", idx["dnbr"]),
                        ("rdnbr", idx["rdnbr"]),
                        ("rbr", idx["rbr"]),
                    ):
                        opened[n].write(arr.astype(np.float32)[np.newaxis], window=w)
                    zid = (
                        zone_strips.ids(w) if zone_strips is not None else np.zeros(sev.shape, dtype=np.int64)
                    )
                    counts += np.bincount((zid * 256 + sev).ravel(), minlength=counts.size).reshape(
                        counts.shape
                    )
            cmap = {c.code: (*_rgb(c.colour), 255) for c in classes}
            cmap[0] = (0, 0, 0, 0)
            with cog_writer(
                stage / "severity.tif",
                grid=grid,
                count=1,
                dtype="uint8",
                nodata=0,
                band_descriptions=["burn_severity"],
                tags={"PRODUCT": "burn severity classes"},
                colormap=cmap,
            ) as dst:
                dst.write(severity[np.newaxis])
            write_category_names(
                stage / "severity.tif", {c.code: c.names.get(lang, c.names.get("en", c.key)) for c in classes}
            )
            areas = _areas(counts, classes, zone_table, pixel_ha, lang)
            areas.to_csv(stage / "areas.csv", index=False, lineterminator="\n")
            polys = _burned_polygons(severity, grid, classes, mmu_ha, pixel_ha, lang)
            _write_gpkg(stage / "burned.gpkg", polys, record, classes, lang)
            burned_codes = {c.code for c in classes if c.lower >= 100}
            burned_ha = float(
                areas[(areas["zone"] == "(all)") & areas["code"].isin(burned_codes)]["area_ha"].sum()
            )
            _report(stage, severity, classes, areas, offset, burned_ha, lang)
            folder.set_record(record)
    return BurnResult(Path(out), areas, offset, burned_ha, classes)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _areas(
    counts: np.ndarray,
    classes: tuple[SeverityClass, ...],
    zone_table: pd.DataFrame | None,
    pixel_ha: float,
    lang: str,
) -> pd.DataFrame:
    rows = []
    for c in classes:
        total = int(counts[:, c.code].sum())
        rows.append(
            {
                "code": c.code,
                "class": c.key,
                "name": c.names.get(lang, c.names.get("en", c.key)),
                "country": "(all)",
                "park": "(all)",
                "zone": "(all)",
                "pixels": total,
                "area_ha": round(total * pixel_ha, 4),
            }
        )
        if zone_table is not None:
            for i, z in zone_table.iterrows():
                n = int(counts[i + 1, c.code])
                if n:
                    rows.append(
                        {
                            "code": c.code,
                            "class": c.key,
                            "name": c.names.get(lang, c.names.get("en", c.key)),
                            "country": z["country"],
                            "park": z["park"],
                            "zone": z["zone"],
                            "pixels": n,
                            "area_ha": round(n * pixel_ha, 4),
                        }
                    )
            outside = int(counts[0, c.code])
            if outside:
                rows.append(
                    {
                        "code": c.code,
                        "class": c.key,
                        "name": c.names.get(lang, c.key),
                        "country": "",
                        "park": "(outside the zones)",
                        "zone": "",
                        "pixels": outside,
                        "area_ha": round(outside * pixel_ha, 4),
                    }
                )
    return pd.DataFrame(rows)


def _burned_polygons(
    severity: np.ndarray,
    grid: Any,
    classes: tuple[SeverityClass, ...],
    mmu_ha: float,
    pixel_ha: float,
    lang: str,
) -> Any:
    import geopandas as gpd
    import rasterio.features
    import shapely.geometry
    from scipy import ndimage

    burned = {c.code for c in classes if c.lower >= 100}
    mask = np.isin(severity, sorted(burned))
    # The burned area as a whole (any class, 8-connected) is what must reach the minimum mapping
    # unit: patches are counted in pixels, so no vector union or overlay is needed.
    labels, n = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    if n:
        pixels = np.bincount(labels.ravel(), minlength=n + 1)
        big = pixels * pixel_ha >= mmu_ha - 1e-9
        big[0] = False
        mask = big[labels]
    del labels
    rows = [{"code": int(code), "geometry": shapely.geometry.shape(geom)}
            for geom, code in rasterio.features.shapes(severity, mask=mask, transform=grid.transform,
                                                       connectivity=8)]
    frame = gpd.GeoDataFrame(rows or {"code": [], "geometry": []}, geometry="geometry", crs=grid.crs)
    by = {c.code: c for c in classes}
    frame["class"] = [by[c].key for c in frame["code"]]
    frame["name"] = [by[c].names.get(lang, by[c].names.get("en", by[c].key)) for c in frame["code"]]
    frame["area_ha"] = (frame.area / 1e4).round(4)
    return frame


def _write_gpkg(path: Path, polys: Any, record: Any, classes: tuple[SeverityClass, ...], lang: str) -> None:
    import xml.etree.ElementTree as ET
    from datetime import datetime, timezone

    from habitatmap.basemap.styles import _fill_symbol
    from habitatmap.io.vector import write_layers

    root = ET.Element("qgis", version="3.22", styleCategories="Symbology")
    r = ET.SubElement(
        root,
        "renderer-v2",
        type="categorizedSymbol",
        attr="code",
        symbollevels="0",
        enableorderby="0",
        forceraster="0",
    )
    cats, syms = ET.SubElement(r, "categories"), ET.SubElement(r, "symbols")
    for i, c in enumerate(c for c in classes if c.lower >= 100):
        ET.SubElement(
            cats,
            "category",
            value=str(c.code),
            symbol=str(i),
            label=c.names.get(lang, c.names.get("en", c.key)),
            render="true",
        )
        _fill_symbol(
            syms, str(i), ",".join(map(str, (*_rgb(c.colour), 200))), outline="60,60,60,255", width="0.2"
        )
    qml = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )
    styles = pd.DataFrame(
        [
            {
                "f_table_catalog": "",
                "f_table_schema": "",
                "f_table_name": "burned",
                "f_geometry_column": "geom",
                "styleName": "habitatmap burned",
                "styleQML": qml,
                "styleSLD": "",
                "useAsDefault": True,
                "description": "burn severity classes",
                "owner": "",
                "ui": "",
                "update_time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ]
    )
    write_layers(
        path,
        {"burned": polys, "layer_styles": styles},
        layer_options={"layer_styles": {"FID": "id"}},
        provenance=record,
    )


def _report(
    stage: Path,
    severity: np.ndarray,
    classes: tuple[SeverityClass, ...],
    areas: pd.DataFrame,
    offset: float,
    burned_ha: float,
    lang: str,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    colours = ["#00000000"] + ["#808080"] * 255
    for c in classes:
        colours[c.code] = c.colour
    fig, ax = plt.subplots(figsize=(6, 6), dpi=110)
    step = max(1, max(severity.shape) // 1500)
    ax.imshow(
        severity[::step, ::step], cmap=ListedColormap(colours), vmin=0, vmax=255, interpolation="nearest"
    )
    ax.set_axis_off()
    fig.savefig(stage / "severity.png", bbox_inches="tight")
    plt.close(fig)
    total = areas[areas["zone"] == "(all)"]
    lines = [
        "# Burn severity (dNBR, Key & Benson 2006)",
        "",
        f"- Burned (low severity and above): **{burned_ha:.1f} ha**",
        f"- dNBR offset from unburned reference pixels: {offset:.1f} (x 1000)",
        "",
        "| class | dNBR x 1000 from | ha |",
        "|---|---|---|",
    ]
    for (_, row), c in zip(total.iterrows(), classes, strict=True):
        lines.append(f"| {row['name']} | {c.lower:g} | {row['area_ha']:.2f} |")
    lines += ["", "![severity](severity.png)", ""]
    (stage / "report.md").write_text("\n".join(lines), encoding="utf-8")
