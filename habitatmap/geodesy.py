"""Datum-safe coordinate transformations: the only module that changes a CRS.

PROJ offers several operations between two CRSs; which one is right depends on where the data are.
We always ask with an area of interest, take PROJ's best instantiable candidate, and refuse a
zero-shift "ballpark" step when either side is an older, non-ITRF datum (Pulkovo 1942/1995, Beijing
1954, Xian 1980, ...), because that silently moves features by tens to hundreds of metres. Between
ITRF-aligned datums (WGS 84, CGCS2000, GSK-2011, ITRF20xx) a ballpark step is within about a metre
and acceptable. Every choice is returned as a :class:`DatumOperation` so products can record it.

Vectors move with :func:`transform_geometries` / :func:`to_crs`; rasters with :func:`warp`, which
hands GDAL the very operation chosen here (GDAL's own choice has no area of interest and can
differ).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from pyproj import CRS, Transformer
from pyproj.transformer import AreaOfInterest, TransformerGroup

from habitatmap.errors import ConfigError, GeodesyError
from habitatmap.grid import Grid, crs_label
from habitatmap.values import quote

if TYPE_CHECKING:
    from habitatmap.datums import DatumParams

__all__ = [
    "ITRF_ALIGNED_DATUMS",
    "ITRF_BALLPARK_ACCURACY_M",
    "DatumOperation",
    "datum_name",
    "datum_parameters",
    "is_itrf_aligned",
    "lonlat_bounds",
    "parse_crs",
    "raster_operation",
    "to_crs",
    "transform_geometries",
    "transformer_for",
    "warp",
    "warped_grid",
]

#: Datums that realise ITRF to about a metre; a zero-shift step between them is harmless at 1:100000.
ITRF_ALIGNED_DATUMS: tuple[str, ...] = (
    "World Geodetic System 1984",
    "China 2000",
    "Geodezicheskaya Sistema Koordinat 2011",
    "International Terrestrial Reference Frame",
    "European Terrestrial Reference System 1989",
)

Bounds = tuple[float, float, float, float]

#: What a zero-shift step between two ITRF-aligned datums (WGS 84 and CGCS2000, GSK-2011) is taken
#: to be accurate to: their realisations agree to centimetres, plus up to about 0.7 m of plate
#: motion since CGCS2000's epoch 2000.0 in north-east Asia; rounded up to 1 m.
ITRF_BALLPARK_ACCURACY_M = 1.0


@dataclass(frozen=True)
class DatumOperation:
    """The coordinate operation chosen for one transformation, as recorded in provenance."""

    source_crs: str
    target_crs: str
    description: str
    accuracy_m: float | None
    ballpark: bool
    #: For a composed path: each step's description, accuracy and (for an agency's own
    #: parameters) the parameter set with its source.
    steps: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """Plain dict for JSON provenance records."""
        doc = asdict(self)
        doc["steps"] = [dict(s) for s in self.steps]
        return doc


_PARAMS: contextvars.ContextVar[tuple[DatumParams, ...]] = contextvars.ContextVar("datum_params", default=())


@contextlib.contextmanager
def datum_parameters(params: Sequence[DatumParams]) -> Iterator[None]:
    """Use an agency's datum parameter sets (``--datum-params``) for every transformation chosen
    inside the block, in this thread; without them the ballpark refusal stays."""
    token = _PARAMS.set(tuple(params))
    try:
        yield
    finally:
        _PARAMS.reset(token)


def datum_name(crs: object) -> str:
    """Name of the datum (or datum ensemble) under ``crs``."""
    crs = CRS.from_user_input(crs)
    geod = crs.geodetic_crs or crs
    datum = geod.datum
    return datum.name if datum is not None else geod.name


def is_itrf_aligned(crs: object) -> bool:
    """True if the datum of ``crs`` realises ITRF to about a metre (WGS 84, CGCS2000, GSK-2011, ...)."""
    name = datum_name(crs)
    return any(name.startswith(d) for d in ITRF_ALIGNED_DATUMS)


def _label(crs: CRS) -> str:
    code = crs.to_authority()
    return f"{code[0]}:{code[1]}" if code else crs.name


_HUB = CRS.from_epsg(4326)  # WGS 84: the hub of every composed path


def _group(src: CRS, dst: CRS, area: Bounds, always_xy: bool) -> list[Transformer]:
    group = TransformerGroup(src, dst, always_xy=always_xy, area_of_interest=AreaOfInterest(*area))
    return group.transformers


def _accuracy(t: Transformer) -> float | None:
    return t.accuracy if t.accuracy is not None and t.accuracy >= 0 else None


def _is_ballpark(t: Transformer) -> bool:
    return "ballpark" in t.description.lower()


def _inner(definition: str) -> str:
    text = definition.strip()
    return text[len("+proj=pipeline"):].strip() if text.startswith("+proj=pipeline") else f"+step {text}"


def _acceptable(t: Transformer, src: CRS, dst: CRS) -> bool:
    """Not a zero-shift step that changes an older datum (between ITRF-aligned datums it is fine)."""
    if not _is_ballpark(t) or datum_name(src) == datum_name(dst):
        return True
    return is_itrf_aligned(src) and is_itrf_aligned(dst)


def _custom_leg(crs: CRS, params: DatumParams, to_hub: bool, area: Bounds,
                always_xy: bool) -> tuple[str, dict[str, Any]]:
    """``crs`` -> WGS 84 (or back) with an agency's parameters: the projection's own conversion to
    its geographic CRS, then the seven-parameter shift."""
    from habitatmap.datums import helmert_step

    geog = crs.geodetic_crs or crs
    ell = geog.ellipsoid
    lat_first = not always_xy and geog.axis_info[0].direction.lower() == "north"
    shift = helmert_step(params, ell.semi_major_metre, ell.inverse_flattening, inverse=not to_hub,
                         lat_first=lat_first)
    parts = []
    if crs != geog:
        conv = _group(crs, geog, area, always_xy)[0] if to_hub else _group(geog, crs, area, always_xy)[0]
        parts = [_inner(conv.to_proj4())]
    steps = [*parts, shift] if to_hub else [shift, *parts]
    record = {"description": f"{params.datum} to {params.to} ({params.method.replace('_', ' ')}, "
                             f"{'forward' if to_hub else 'inverse'}) from --datum-params",
              "accuracy_m": params.accuracy_m, "parameters": params.to_dict()}
    return " ".join(steps), record


def _leg(crs: CRS, to_hub: bool, area: Bounds, always_xy: bool) -> tuple[str, dict[str, Any]] | None:
    """The best acceptable operation between ``crs`` and WGS 84, or None."""
    for p in _PARAMS.get():
        if p.matches(datum_name(crs)) and p.covers(area):
            return _custom_leg(crs, p, to_hub, area, always_xy)
    a, b = (crs, _HUB) if to_hub else (_HUB, crs)
    for t in _group(a, b, area, always_xy):
        if _acceptable(t, a, b):
            accuracy = _accuracy(t)
            if accuracy is None and _is_ballpark(t):
                accuracy = ITRF_BALLPARK_ACCURACY_M  # between ITRF-aligned datums
            return _inner(t.to_proj4()), {"description": t.description, "accuracy_m": accuracy}
    return None


def _compose(src: CRS, dst: CRS, area: Bounds, always_xy: bool) -> tuple[Transformer, DatumOperation] | None:
    """A two-step path through WGS 84, from the best acceptable operation on each side."""
    first = _leg(src, True, area, always_xy)
    second = _leg(dst, False, area, always_xy)
    if first is None or second is None:
        return None
    pipeline = f"+proj=pipeline {first[0]} {second[0]}"
    transformer = Transformer.from_pipeline(pipeline)
    steps = (first[1], second[1])
    accs = [s["accuracy_m"] for s in steps]
    accuracy = None if None in accs else float(sum(accs))
    op = DatumOperation(source_crs=_label(src), target_crs=_label(dst),
                        description=" + ".join(s["description"] for s in steps) + " (composed via WGS 84)",
                        accuracy_m=accuracy, ballpark=False, steps=steps)
    return transformer, op


def _uses_params(src: CRS, dst: CRS, area: Bounds) -> bool:
    return any(p.matches(datum_name(c)) and p.covers(area) for p in _PARAMS.get() for c in (src, dst))


def _choose(src: CRS, dst: CRS, area: Bounds, allow_ballpark: bool, what: str,
            always_xy: bool) -> tuple[Transformer, DatumOperation]:
    transformers = _group(src, dst, area, always_xy)
    if datum_name(src) != datum_name(dst) and (_uses_params(src, dst, area) or not transformers
                                               or not _acceptable(transformers[0], src, dst)):
        # PROJ's best is a zero-shift step from an older datum (or the user gave their own
        # parameters): go through WGS 84 with the best real operation on each side.
        composed = _compose(src, dst, area, always_xy)
        if composed is not None:
            return composed
    if not transformers:
        raise GeodesyError(
            f"{what}: PROJ has no usable transformation from {_label(src)} to {_label(dst)} here; "
            "install the PROJ grids it needs (projsync) or reproject the data yourself."
        )
    best = transformers[0]
    ballpark = _is_ballpark(best)
    if not _acceptable(best, src, dst) and not allow_ballpark:
        old = next(c for c in (src, dst) if not is_itrf_aligned(c))
        raise GeodesyError(
            f"{what}: the only transformation from {_label(src)} ({datum_name(src)}) to "
            f"{_label(dst)} ({datum_name(dst)}) available here is a zero-shift ballpark step, "
            "which misplaces features by tens to hundreds of metres; pass your agency's "
            f"seven-parameter set for {datum_name(old)} with --datum-params FILE (docs/geodesy.md), "
            "install the PROJ grids for this datum, or pass --allow-ballpark to accept it knowingly."
        )
    op = DatumOperation(source_crs=_label(src), target_crs=_label(dst), description=best.description,
                        accuracy_m=_accuracy(best), ballpark=ballpark)
    return best, op


def transformer_for(
    source: object,
    target: object,
    *,
    area: Bounds,
    allow_ballpark: bool = False,
    what: str = "input",
) -> tuple[Transformer, DatumOperation]:
    """Choose the transformation from ``source`` to ``target`` for data in ``area``.

    Parameters
    ----------
    source, target
        Anything :class:`pyproj.CRS` accepts.
    area
        Area of interest as (west, south, east, north) in degrees.
    allow_ballpark
        Accept a zero-shift datum step from an older datum (the user asked for it).
    what
        Name of the data being transformed, used in the error message (e.g. the file name).

    Returns
    -------
    (pyproj.Transformer, DatumOperation)
        An ``always_xy`` transformer and the record of the operation it applies.

    Raises
    ------
    GeodesyError
        If no operation is available, or only a ballpark one from an older datum.
    """
    return _choose(CRS.from_user_input(source), CRS.from_user_input(target), area, allow_ballpark, what,
                   True)


def lonlat_bounds(bounds: Bounds, crs: object) -> Bounds:
    """Rough (west, south, east, north) in degrees of ``bounds`` given in ``crs``.

    Any operation is good enough to find the area of use of the precise one.
    """
    src = CRS.from_user_input(crs)
    if src.is_geographic:
        w, s, e, n = bounds
    else:
        t = Transformer.from_crs(src, CRS.from_epsg(4326), always_xy=True)
        w, s, e, n = t.transform_bounds(*bounds)
    return (max(-180.0, w), max(-90.0, s), min(180.0, e), min(90.0, n))


def transform_geometries(
    geometries: object,
    source: object,
    target: object,
    *,
    allow_ballpark: bool = False,
    what: str = "input",
    densify: bool = True,
) -> tuple[object, DatumOperation | None]:
    """Move shapely geometries from ``source`` to ``target`` with the operation for their area.

    Parameters
    ----------
    geometries
        A shapely geometry or an array of them.
    source, target
        Anything :class:`pyproj.CRS` accepts.
    allow_ballpark, what
        As for :func:`transformer_for`.
    densify
        Add vertices first (1/200 of the extent apart) so straight edges stay close to the
        projected curve.

    Returns
    -------
    (geometries, DatumOperation or None)
        The moved geometries (same shape as given) and the operation (None when the CRSs are equal).
    """
    import shapely

    src, dst = CRS.from_user_input(source), CRS.from_user_input(target)
    if src == dst:
        return geometries, None
    w, s, e, n = shapely.total_bounds(geometries)
    if not all(map(math.isfinite, (w, s, e, n))):  # nothing but empty geometries: nothing to move
        return geometries, None
    transformer, op = transformer_for(src, dst, area=lonlat_bounds((w, s, e, n), src),
                                      allow_ballpark=allow_ballpark, what=what)
    if densify:
        geometries = shapely.segmentize(geometries, max(e - w, n - s) / 200 or 1.0)

    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    moved = shapely.transform(geometries, apply)
    if not np.isfinite(shapely.get_coordinates(moved)).all():
        raise GeodesyError(f"{what}: some coordinates have no position in {_label(dst)} when read as "
                           f"{_label(src)}; check that the data really are in {_label(src)} "
                           "(its .prj, or --assume-crs).")
    return moved, op


def to_crs(gdf: Any, target: object, *, allow_ballpark: bool = False, what: str = "layer",
           densify: bool = True) -> tuple[Any, DatumOperation | None]:
    """A GeoDataFrame moved to ``target`` with the datum-safe operation for its area.

    Use this instead of ``GeoDataFrame.to_crs``, which picks PROJ's first operation without an area
    of interest and may apply a silent zero-shift datum step.

    Returns
    -------
    (GeoDataFrame, DatumOperation or None)
    """
    if gdf.crs is None:
        raise GeodesyError(f"{what}: the layer has no coordinate reference system, so it cannot be "
                           "moved; save it with its CRS or pass --assume-crs.")
    dst = CRS.from_user_input(target)
    if gdf.crs == dst:
        return gdf, None
    moved, op = transform_geometries(gdf.geometry.to_numpy(), gdf.crs, dst,
                                     allow_ballpark=allow_ballpark, what=what, densify=densify)
    out = gdf.copy()
    return out.set_geometry(list(np.asarray(moved, dtype=object)), crs=dst), op


def warped_grid(source: Grid, target_crs: object, *, max_size: int | None = None) -> Grid:
    """The grid GDAL would choose for ``source`` in ``target_crs`` (same pixel count, roughly),
    at most ``max_size`` pixels on its longer side."""
    from rasterio.warp import calculate_default_transform

    # The source CRS is always given: without one, calculate_default_transform returns the
    # identity silently.
    transform, width, height = calculate_default_transform(
        source.crs, crs_label(target_crs), source.width, source.height, *source.bounds)
    scale = max(width, height) / max_size if max_size else 1.0
    if scale > 1:
        width, height = max(1, round(width / scale)), max(1, round(height / scale))
        transform = transform @ transform.scale(scale, scale)
    return Grid(crs_label(target_crs), transform, int(width), int(height))


def raster_operation(source: object, target: object, *, area: Bounds, allow_ballpark: bool = False,
                     what: str = "raster") -> tuple[str | None, DatumOperation | None]:
    """The operation for warping a raster from ``source`` to ``target`` CRS over ``area`` (degrees).

    Returns
    -------
    (PROJ pipeline or None, DatumOperation or None)
        The pipeline in the CRSs' own axis order, which is what GDAL's ``COORDINATE_OPERATION``
        option expects, and its record; both None when the CRSs are equal.
    """
    src, dst = CRS.from_user_input(source), CRS.from_user_input(target)
    if src == dst:
        return None, None
    best, op = _choose(src, dst, area, allow_ballpark, what, False)
    definition = best.definition
    if not definition or definition.startswith("unavailable"):
        definition = best.to_proj4()
    return definition, op


def warp(
    data: Any,
    source: Grid,
    target: Grid,
    *,
    resampling: str = "nearest",
    nodata: float | int | None = None,
    allow_ballpark: bool = False,
    what: str = "raster",
    pipeline: str | None = None,
) -> tuple[np.ndarray, DatumOperation | None]:
    """Reproject a raster from ``source`` onto ``target`` with the datum-safe operation.

    GDAL is handed the operation chosen here (``COORDINATE_OPERATION``); its own choice has no area
    of interest. (A ``WarpedVRT`` ignores that option, so none is used anywhere.)

    Parameters
    ----------
    data
        A 2-D array on ``source``, or a band of an open dataset (``rasterio.band(ds, 1)``), of which
        GDAL reads only what ``target`` needs.
    source, target
        The grids.
    resampling
        A :class:`rasterio.enums.Resampling` name (``nearest`` for classes, ``average`` for amounts).
    nodata
        Value marking no data in ``data`` and in the result (NaN for float arrays when None).
    allow_ballpark, what
        As for :func:`transformer_for`.
    pipeline
        An operation from :func:`raster_operation`, to reuse it for many windows.

    Returns
    -------
    (array on ``target``, DatumOperation or None)
        The operation is None when the CRSs are equal or ``pipeline`` was given.
    """
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    dtype = np.dtype(data.dtype)  # an array's, or a dataset band's (a string)
    fill = nodata if nodata is not None else (np.nan if dtype.kind == "f" else 0)
    out = np.full(target.shape, fill, dtype=dtype)
    op = None
    if pipeline is None:
        pipeline, op = raster_operation(source.crs, target.crs, area=lonlat_bounds(source.bounds, source.crs),
                                        allow_ballpark=allow_ballpark, what=what)
    options = {"COORDINATE_OPERATION": pipeline} if pipeline else {}
    in_memory = isinstance(data, np.ndarray)
    kwargs = {"src_transform": source.transform, "src_crs": source.crs} if in_memory else {}
    reproject(data, out, dst_transform=target.transform, dst_crs=target.crs, src_nodata=fill,
              dst_nodata=fill, resampling=getattr(Resampling, resampling), **kwargs, **options)
    return out, op


def parse_crs(text: str, *, option: str = "--crs") -> str:
    """A user's CRS (``EPSG:32652``, ``32652``, WKT, PROJ string) as ``AUTHORITY:CODE`` (or WKT).

    Raises
    ------
    ConfigError
        Naming the option, if PROJ does not know it.
    """
    from pyproj.exceptions import CRSError

    value = text.strip()
    try:
        crs = CRS.from_user_input(f"EPSG:{value}" if value.isdigit() else value)
    except CRSError:
        raise ConfigError(f"{option} {quote(text)}: not a coordinate reference system PROJ knows; give "
                          "an EPSG code such as EPSG:32652.") from None
    return crs_label(crs)
