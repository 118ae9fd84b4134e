"""Resistance surfaces: each habitat class's per-species resistance from the shared legend, with
barrier layers (roads, settlements, border fences) burned in.

Output is a float32 COG on the habitat map's grid; habitat nodata stays nodata (NaN), which the
corridor tools treat as impassable. Work goes window by window, so memory stays flat.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.geodesy import DatumOperation
from habitatmap.grid import Grid
from habitatmap.io.raster import cog_writer, open_raster, read_window
from habitatmap.legend.model import RESISTANCE_MAX, RESISTANCE_MIN, Legend
from habitatmap.provenance import Provenance
from habitatmap.values import quote

__all__ = ["Barrier", "ResistanceResult", "barrier_shapes", "parse_barrier", "resistance_surface"]


@dataclass(frozen=True)
class Barrier:
    """A vector layer whose features set the resistance to ``value`` where they lie."""

    spec: str
    value: float


@dataclass
class ResistanceResult:
    """What :func:`resistance_surface` wrote."""

    path: Path
    species: str
    barrier_pixels: dict[str, int] = field(default_factory=dict)
    operations: dict[str, DatumOperation | None] = field(default_factory=dict)


def parse_barrier(text: str) -> Barrier:
    """``FILE[:LAYER]:VALUE`` -> :class:`Barrier`.

    Raises
    ------
    ConfigError
        If VALUE is missing, not a number, or outside the legend's resistance range.
    """
    spec, _, value = text.rpartition(":")
    try:
        v = float(value)
    except ValueError:
        v = math.nan
    if not spec or not math.isfinite(v):
        raise ConfigError(f"--barrier {quote(text)}: no finite resistance after the last ':'; write "
                          "FILE:VALUE (or FILE:LAYER:VALUE), e.g. roads.gpkg:500.")
    if not RESISTANCE_MIN <= v <= RESISTANCE_MAX:
        raise ConfigError(f"--barrier {quote(text)}: resistance {v:g} is outside the legend's scale; give "
                          f"a value from {RESISTANCE_MIN:g} to {RESISTANCE_MAX:g}.")
    return Barrier(spec, v)


def barrier_shapes(barrier: Barrier, grid: Grid, *,
                   allow_ballpark: bool = False) -> tuple[list, DatumOperation | None]:
    """The barrier's geometries moved onto ``grid``'s CRS (datum-safely), and the operation used."""
    from habitatmap.geodesy import transform_geometries
    from habitatmap.io.vector import read_vector

    gdf, _ = read_vector(barrier.spec, what="barrier layer", columns=[])
    geoms = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty].values
    if len(geoms) == 0:
        return [], None
    moved, op = transform_geometries(geoms, gdf.crs, grid.crs, allow_ballpark=allow_ballpark,
                                     what=barrier.spec)
    return list(np.asarray(moved, dtype=object)), op


def resistance_surface(
    habitat: str | os.PathLike[str],
    species: str,
    out: str | os.PathLike[str],
    legend: Legend,
    *,
    barriers: list[Barrier] | None = None,
    allow_ballpark: bool = False,
    block: int = 1024,
) -> ResistanceResult:
    """Write the resistance surface of ``species`` for a habitat map.

    Barriers are moved onto the map's grid datum-safely (a zero-shift step from an older datum only
    with ``allow_ballpark``) and burned in order (a later one wins where they overlap); lines and points touch
    every pixel they cross, so a road is never broken by a diagonal gap.

    Raises
    ------
    InputDataError
        Missing or unreadable map, values that are not legend codes, unreadable barrier layers.
    LegendError
        Unknown species.
    """
    import rasterio.features
    import shapely

    from habitatmap.io.paths import split_layer

    table = legend.resistance(species)  # raises LegendError for an unknown species
    lut = np.full(256, np.nan, dtype=np.float32)
    for code, value in table.items():
        lut[code] = value
    p = Path(habitat)
    with open_raster(p, what="habitat map") as src:
        if src.count != 1 or src.dtypes[0] != "uint8":
            raise InputDataError(f"{p}: not a habitat map (one uint8 band of legend codes); pass the "
                                 "output of 'habitatmap classify'.")
        grid = Grid.from_dataset(src)
        shapes = [(b, *barrier_shapes(b, grid, allow_ballpark=allow_ballpark)) for b in (barriers or [])]
        # One spatial index per barrier layer: each window rasterizes only what can touch it.
        trees = [shapely.STRtree(geoms) if geoms else None for _, geoms, _ in shapes]
        result = ResistanceResult(Path(out), species)
        for b, _, op in shapes:
            result.operations[b.spec] = op
            result.barrier_pixels[b.spec] = 0
        record = Provenance("corridors.resistance", parameters={
            "species": species, "legend": {"id": legend.id, "version": legend.version},
            "barriers": [{"spec": b.spec, "value": b.value} for b in barriers or []]})
        record.add_input("habitat map", p)
        for b, _, op in shapes:
            b_path, b_layer = split_layer(b.spec)
            record.add_input("barrier", b_path, layer=b_layer, value=b.value)
            record.add_operation(f"barrier {b.spec}", op)
        tags = {"PRODUCT": f"movement resistance for {species}", "SPECIES": species,
                "LEGEND_ID": legend.id, "LEGEND_VERSION": legend.version,
                "HABITAT": p.name, "BARRIERS": ";".join(f"{b.spec}={b.value:g}" for b in barriers or []),
                **record.finish().tags()}
        with cog_writer(out, grid=grid, count=1, dtype="float32", nodata=float("nan"),
                        band_descriptions=[f"resistance_{species}"], tags=tags,
                        resampling="average") as dst:
            for win in grid.blocks(block):
                codes = read_window(src, 1, window=win, path=p)
                res = lut[codes]
                unknown = np.isnan(res) & (codes != legend.nodata)
                if unknown.any():
                    bad = sorted(set(np.unique(codes[unknown]).tolist()))
                    shown = ", ".join(map(str, bad[:10])) + (", ..." if len(bad) > 10 else "")
                    raise InputDataError(f"{p}: holds values {shown} that are not codes of legend "
                                         f"{legend.id}; pass a map classified with this legend.")
                valid = codes != legend.nodata
                window_box = shapely.box(*grid.window_bounds(win))
                for (b, geoms, _), tree in zip(shapes, trees, strict=True):
                    hits = [] if tree is None else [geoms[i] for i in tree.query(window_box)]
                    if not hits:
                        continue
                    burn = rasterio.features.rasterize(
                        hits, out_shape=codes.shape, transform=grid.window_transform(win),
                        fill=0, default_value=1, all_touched=True, dtype="uint8").astype(bool)
                    burn &= valid
                    res[burn] = b.value
                    result.barrier_pixels[b.spec] += int(burn.sum())
                dst.write(res, 1, window=win)
    return result
