"""Labelled samples (training or reference) as pixels of one grid.

Points or polygons in any vector format and CRS are moved onto the grid with a datum-safe
operation (recorded), labels are resolved to legend codes (legend keys or codes, or national names
through a crosswalk), and polygons are expanded to the pixels whose centres they contain, at most
``max_per_polygon`` per polygon (a random, seeded subset) so one large polygon cannot dominate.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
import shapely

from habitatmap.errors import InputDataError, LegendError
from habitatmap.geodesy import DatumOperation, transform_geometries
from habitatmap.grid import Grid
from habitatmap.legend.crosswalk import Crosswalk
from habitatmap.legend.model import Legend
from habitatmap.values import quote

__all__ = ["LABEL_FIELDS", "SampleSet", "read_samples", "resolve_labels"]

#: Label columns looked for, in order, when no --label-field is given.
LABEL_FIELDS = ("habitat", "class", "label", "code", "key")


@dataclass(frozen=True)
class SampleSet:
    """Samples as grid pixels.

    Attributes
    ----------
    rows, cols
        Pixel position of each sample.
    codes
        Legend code of each sample.
    groups
        Index of the input feature each sample came from (pixels of one polygon share it).
    strata, stratum_sizes
        For a stratified reference sample: each sample's stratum label and the number of pixels
        in each stratum (None when the file has no stratum columns).
    source
        File (and layer) read.
    operation
        Datum operation used to reach the grid CRS (None if already in it).
    counts
        What happened while reading: ``features``, ``polygons``, ``outside`` (samples off the grid).
    """

    rows: np.ndarray
    cols: np.ndarray
    codes: np.ndarray
    groups: np.ndarray
    source: str
    strata: np.ndarray | None = None
    stratum_sizes: dict[str, int] | None = None
    operation: DatumOperation | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.rows.size)

    def subset(self, keep: np.ndarray) -> SampleSet:
        """The samples where ``keep`` is True."""
        return replace(self, rows=self.rows[keep], cols=self.cols[keep], codes=self.codes[keep],
                       groups=self.groups[keep],
                       strata=None if self.strata is None else self.strata[keep])

    def xy(self, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
        """Grid-CRS coordinates of the sample pixels' centres."""
        return grid.xy(self.rows, self.cols)


def _label_text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def resolve_labels(values: list[object], legend: Legend, *, crosswalk: Crosswalk | None,
                   source: str, field_name: str) -> np.ndarray:
    """Legend codes for label values (keys, codes, or national names through ``crosswalk``).

    Raises
    ------
    LegendError
        Listing every label that is neither in the legend nor in the crosswalk.
    """
    codes = np.zeros(len(values), dtype=np.int32)
    unknown: Counter[str] = Counter()
    cache: dict[object, int] = {}
    for i, value in enumerate(values):
        if value in cache:
            codes[i] = cache[value]
            if codes[i] == 0:
                unknown[_label_text(value) or "<empty>"] += 1
            continue
        text = _label_text(value)
        code = 0
        if text.strip():
            if crosswalk is not None:
                key = crosswalk.key_for(text)
                code = legend.by_key(key).code if key else 0
            else:
                try:
                    code = legend.lookup(int(value) if isinstance(value, int | np.integer) else text).code
                except LegendError:
                    code = 0
        if code == 0:
            unknown[text or "<empty>"] += 1
        cache[value] = code
        codes[i] = code
    if unknown:
        listed = ", ".join(f"{quote(k)} ({n})" for k, n in sorted(unknown.items()))
        if crosswalk is not None:
            fix = f"add them to the crosswalk {crosswalk.source} or correct the labels"
            where = "the crosswalk"
        else:
            fix = ("use legend keys or codes (see 'habitatmap legend show'), or map national class "
                   "names with --crosswalk styles/crosswalks/<file>.yaml")
            where = "the legend"
        raise LegendError(f"{source}: field {quote(field_name)} has labels not in {where}: {listed}; {fix}.")
    return codes


def _label_field(columns: list[str], wanted: str | None, source: str) -> str:
    if wanted:
        if wanted not in columns:
            raise InputDataError(f"{source}: has no field {quote(wanted)}; its fields are "
                                 f"{', '.join(columns) or 'none'}; pass one of them with --label-field.")
        return wanted
    for name in LABEL_FIELDS:
        if name in columns:
            return name
    raise InputDataError(f"{source}: no label field found (looked for {', '.join(LABEL_FIELDS)}); "
                         f"name the field holding the class with --label-field (fields: "
                         f"{', '.join(columns) or 'none'}).")


def _polygon_pixels(grid: Grid, geom: object, cap: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    empty = np.empty(0, np.int64), np.empty(0, np.int64)
    window = grid.window_for(tuple(shapely.bounds(geom)))
    if window is None:
        return empty
    rr, cc = np.nonzero(grid.inside(geom, window))
    if rr.size == 0:
        # Smaller than a pixel: take the pixel under a point inside it.
        pt = shapely.point_on_surface(geom)
        r, c = grid.rowcol(pt.x, pt.y)
        return (r.reshape(1), c.reshape(1)) if grid.contains(r, c) else empty
    if rr.size > cap:
        pick = np.sort(rng.choice(rr.size, cap, replace=False))
        rr, cc = rr[pick], cc[pick]
    return rr + int(window.row_off), cc + int(window.col_off)


def read_samples(
    spec: str | os.PathLike[str],
    grid: Grid,
    legend: Legend,
    *,
    label_field: str | None = None,
    crosswalk: Crosswalk | None = None,
    max_per_polygon: int = 50,
    seed: int = 0,
    allow_ballpark: bool = False,
    stratified: bool = True,
    strata_field: str = "stratum",
    stratum_size_field: str = "stratum_pixels",
) -> SampleSet:
    """Read labelled points or polygons as pixels of ``grid``.

    Parameters
    ----------
    spec
        ``FILE`` or ``FILE:LAYER`` of any vector format GDAL reads.
    grid
        The grid of the composite or map.
    legend
        The shared legend labels resolve to.
    label_field
        Column holding the class (default: the first of :data:`LABEL_FIELDS` present).
    crosswalk
        Map national class names to legend keys.
    max_per_polygon
        At most this many pixels from each polygon (a seeded random subset).
    seed
        Seed of that subset.
    allow_ballpark
        Accept a zero-shift datum step from an older datum.
    stratified
        Read the stratum columns of a stratified reference sample (False for training samples,
        which are never a sampling design).
    strata_field, stratum_size_field
        Columns of a stratified reference sample; used when both exist.

    Raises
    ------
    InputDataError
        Unreadable file, no CRS, no label field, no point or polygon, or nothing on the grid.
    LegendError
        Labels not in the legend (or crosswalk).
    GeodesyError
        No safe datum transformation to the grid CRS.
    """
    from habitatmap.io.vector import read_vector

    gdf, info = read_vector(spec, what="sample file")
    source = info.source
    columns = [c for c in gdf.columns if c != "geometry"]
    fld = _label_field(columns, label_field, source)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    kinds = gdf.geometry.geom_type
    usable = gdf[kinds.isin(["Point", "MultiPoint", "Polygon", "MultiPolygon"])]
    if usable.empty:
        raise InputDataError(f"{source}: holds no points or polygons; samples must be one or the other.")
    codes = resolve_labels(list(usable[fld]), legend, crosswalk=crosswalk, source=source, field_name=fld)
    geoms, op = transform_geometries(usable.geometry.values, gdf.crs, grid.crs,
                                     allow_ballpark=allow_ballpark, what=source)
    geoms = np.asarray(geoms)
    has_strata = stratified and strata_field in columns and stratum_size_field in columns
    strata_in = usable[strata_field].astype(str).to_numpy() if has_strata else None

    rng = np.random.default_rng(seed)
    rows, cols, out_codes, groups, strata = [], [], [], [], []
    outside = polygons = 0
    for i, geom in enumerate(geoms):
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            polygons += 1
            rr, cc = _polygon_pixels(grid, geom, max_per_polygon, rng)
            if rr.size == 0:
                outside += 1
        else:
            pts = shapely.get_parts(geom)
            rr, cc = grid.rowcol(shapely.get_x(pts), shapely.get_y(pts))
            on = grid.contains(rr, cc)
            outside += int((~on).sum())
            rr, cc = rr[on], cc[on]
        rows.append(rr)
        cols.append(cc)
        out_codes.append(np.full(rr.size, codes[i], dtype=np.int32))
        groups.append(np.full(rr.size, i, dtype=np.int64))
        if strata_in is not None:
            strata.append(np.full(rr.size, strata_in[i], dtype=object))
    rows_a = np.concatenate(rows) if rows else np.empty(0, np.int64)
    if rows_a.size == 0:
        raise InputDataError(f"{source}: no sample lies on the raster grid ({grid.crs}, bounds "
                             f"{tuple(round(b) for b in grid.bounds)}); the samples and the raster do "
                             "not overlap, so check that they cover the same area.")
    sizes = None
    if has_strata:
        sizes = {}
        for label, size in zip(strata_in, usable[stratum_size_field], strict=True):
            if sizes.setdefault(label, int(size)) != int(size):
                raise InputDataError(f"{source}: stratum {quote(label)} has more than one value in "
                                     f"{quote(stratum_size_field)}; give each stratum its pixel count once.")
    return SampleSet(rows=rows_a, cols=np.concatenate(cols), codes=np.concatenate(out_codes),
                     groups=np.concatenate(groups), source=source,
                     strata=np.concatenate(strata) if strata_in is not None else None,
                     stratum_sizes=sizes, operation=op,
                     counts={"features": len(usable), "polygons": polygons, "outside": outside})

