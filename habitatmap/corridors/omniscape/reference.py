"""A plain Omniscape: every window clipped from the raster, its graph built and solved on its own.

This follows Omniscape.jl's ``solve_target!`` step by step on in-memory arrays (clip the window,
pad the sources, zero the target block, share out the target's strength, apply the conditions,
ground the target, solve Circuitscape's advanced mode, correct, add), using the project's
Circuitscape advanced mode (:func:`habitatmap.corridors.modes.advanced`: one graph and one sparse
factorisation per window). It is slow and holds whole rasters in memory; it exists to check the
fast path (:mod:`.tile`) and as the per-window loop the benchmark compares against.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from habitatmap.corridors.omniscape.options import OmniscapeOptions
from habitatmap.corridors.omniscape.targets import Geometry, block_reference, correction_array

__all__ = ["reference_omniscape", "window_current"]


def _clip(a: np.ndarray, y: int, x: int, distance: int) -> np.ndarray:
    """Omniscape's ``clip`` (0-based target): the square around the target cut to the raster, with
    cells farther than ``distance`` set to NaN."""
    h, w = a.shape
    y0, y1 = max(y - distance, 0), min(y + distance, h - 1)
    x0, x1 = max(x - distance, 0), min(x + distance, w - 1)
    sub = a[y0:y1 + 1, x0:x1 + 1].astype(np.float64).copy()
    cy, cx = y - y0, x - x0
    yy, xx = np.mgrid[0:sub.shape[0], 0:sub.shape[1]]
    sub[np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2) > distance] = np.nan
    return sub


def window_current(conductance: np.ndarray, sources: np.ndarray, ground: tuple[int, int], *,
                   four: bool) -> np.ndarray:
    """Circuitscape advanced mode on one window: node currents, the ground at ``ground``."""
    from habitatmap.corridors.modes import CircuitOptions, advanced

    g = np.where(np.isfinite(conductance) & (conductance > 0), conductance, 0.0)
    grounds = np.zeros(g.shape)
    grounds[ground] = np.inf
    opts = CircuitOptions(four_neighbors=four, avg_resistance=False, voltage_maps=False, current_maps=True,
                          direct=True)
    _, cur, _, _ = advanced(g, np.nan_to_num(sources, nan=0.0), grounds, policy="rmvsrc", options=opts)
    return cur if cur is not None else np.zeros(g.shape)


def reference_omniscape(resistance: np.ndarray, sources: np.ndarray, opts: OmniscapeOptions, *,
                        conditions: tuple[np.ndarray | None, ...] = (None, None, None, None),
                        windows: list[int] | None = None,
                        solve: Callable[..., np.ndarray] | None = None
                        ) -> tuple[np.ndarray, np.ndarray | None]:
    """Cumulative current and flow potential (unmasked) of an Omniscape run, window by window.

    Parameters
    ----------
    resistance
        Resistance (or conductance, per ``opts``) after reclassification; NaN is nodata.
    sources
        Source strengths with nodata as 0 and the threshold applied (or derived from resistance).
    opts
        The run's options.
    conditions
        ``(present 1, future 1, present 2, future 2)`` layers when conditional.
    windows
        Only these targets (indices into the row-by-row target list), e.g. a sample for timing.
    solve
        The window solver, ``solve(conductance, sources, ground, four=...)`` returning node
        currents (default :func:`window_current`).
    """
    solve = solve or window_current
    h, w = resistance.shape
    geo = Geometry(opts.radius, opts.buffer, opts.block_size, h, w)
    r, rad, buf, br = geo.reach, opts.radius, opts.buffer, geo.block_radius
    four = opts.connect_four_neighbors_only
    targets = []
    for y in geo.centres(0).tolist():
        for x in geo.centres(1).tolist():
            amps = float(sources[y - br:y + br + 1, x - br:x + br + 1].sum())
            if amps > 0:
                targets.append((y, x, amps))
    if windows is not None:
        targets = [targets[i] for i in windows]
    correction = None
    if opts.corrects:
        def currents(src: np.ndarray, g: np.ndarray) -> np.ndarray:
            return window_current(np.where(g > 0, g, np.nan), src, (r, r), four=four)

        correction = correction_array(geo, currents)
    cum = np.zeros((h, w))
    fp = np.zeros((h, w)) if opts.flow_potential_needed else None
    kinds = [0, 0]
    if opts.conditional:
        kinds = [1 if opts.comparison1 == "within" else 2,
                 (1 if opts.comparison2 == "within" else 2) if opts.n_conditions == 2 else 0]
    for y, x, amps in targets:
        # Sources: clipped to the radius, padded to the buffered window, target block zeroed at the
        # unclipped window's centre position, shared out, then conditions applied.
        src = _clip(sources, y, x, rad)
        top, bottom = max(0, min(buf, y - rad)), max(0, min(buf, h - 1 - (y + rad)))
        left, right = max(0, min(buf, x - rad)), max(0, min(buf, w - 1 - (x + rad)))
        src = np.pad(src, ((top, bottom), (left, right)), constant_values=np.nan)
        src = np.nan_to_num(src, nan=0.0)
        src[r - br:min(r + br, h - 1) + 1, r - br:min(r + br, w - 1) + 1] = 0.0
        total = src[src > 0].sum()
        if total > 0:
            src[src > 0] = src[src > 0] * amps / total
        y0, y1, x0, x1 = max(y - r, 0), min(y + r, h - 1), max(x - r, 0), min(x + r, w - 1)
        for k, (present, future, lo, hi) in enumerate((
                (conditions[0], conditions[1], opts.condition1_lower, opts.condition1_upper),
                (conditions[2], conditions[3], opts.condition2_lower, opts.condition2_upper))):
            if kinds[k] == 0 or present is None or future is None:
                continue
            block = future[y - br:min(y + br, h - 1) + 1, x - br:min(x + br, w - 1) + 1]
            ref = block_reference(block, kinds[k])
            pres = present[y0:y1 + 1, x0:x1 + 1]
            with np.errstate(invalid="ignore"):
                drop = ((pres - ref > hi) | (pres - ref < lo)) if kinds[k] == 1 else (pres != ref)
            drop &= ~np.isnan(pres) & (not math.isnan(ref))
            src[drop & (src > 0)] = 0.0
        res = _clip(resistance, y, x, r)
        with np.errstate(divide="ignore"):
            cond = res if opts.resistance_is_conductance else 1.0 / res
        ground = (min(r, y), min(r, x))
        cur = solve(cond, src, ground, four=four)
        flow = solve(np.ones(src.shape), src, ground, four=four) if fp is not None else None
        if correction is not None:
            k = 2 * r + 1
            ly0, ly1 = 0, k
            lx0, lx1 = 0, k
            if y + 1 > h - r:
                ly1 = src.shape[0]
            if y + 1 < r + 1:
                ly0 = ly1 - src.shape[0]
            if x + 1 > w - r:
                lx1 = src.shape[1]
            if x + 1 < r + 1:
                lx0 = lx1 - src.shape[1]
            part = correction[ly0:ly1, lx0:lx1]
            cur = cur * part
            if flow is not None:
                flow = flow * part
        cum[y0:y1 + 1, x0:x1 + 1] += cur
        if fp is not None and flow is not None:
            fp[y0:y1 + 1, x0:x1 + 1] += flow
    return cum, fp
