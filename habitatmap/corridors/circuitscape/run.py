"""Run a Circuitscape ``.ini`` file (raster data) and write Circuitscape's output files.

Outputs are named from ``output_file`` with its ``.out`` removed: ``NAME_resistances.out``,
``NAME_resistances_3columns.out``, ``NAME_voltmap_ID1_ID2.asc``, ``NAME_curmap_ID1_ID2.asc``,
``NAME_cum_curmap.asc``, ``NAME_max_curmap.asc`` (pairwise); ``NAME_voltmap_ID.asc`` and
``NAME_curmap_ID.asc`` (one-to-all, all-to-one); ``NAME_voltmap.asc`` and ``NAME_curmap.asc``
(advanced).

The run is a composition: :func:`load_inputs` reads what the configuration names
(:mod:`~habitatmap.corridors.circuitscape.files`), :func:`solve` runs the scenario on arrays
(:mod:`habitatmap.corridors.modes`), and the writers of ``files`` write each map as it comes.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from habitatmap.corridors.circuitscape.config import CircuitscapeConfig, load_config, read_config
from habitatmap.corridors.circuitscape.files import (
    AsciiGrid,
    format_value,
    read_cell_values,
    read_grid,
    read_pairs,
    read_points,
    read_strengths,
    same_grid,
    write_ascii_grid,
    write_resistances,
)
from habitatmap.corridors.modes import (
    CircuitOptions,
    FocalPoints,
    SolveMaps,
    advanced,
    all_to_one,
    one_to_all,
    pairwise,
)
from habitatmap.errors import HabitatmapWarning, InputDataError

__all__ = ["CircuitscapeInputs", "RunResult", "load_inputs", "read_config", "run_config", "solve"]


@dataclass
class CircuitscapeInputs:
    """The arrays a configuration names, read and checked."""

    habitat: AsciiGrid
    conductance: np.ndarray
    regions: np.ndarray | None = None
    points: FocalPoints | None = None
    excluded: set[tuple[int, int]] = field(default_factory=set)
    strengths: dict[int, float] | None = None
    sources: np.ndarray | None = None
    grounds: np.ndarray | None = None


@dataclass
class RunResult:
    """What a ``.ini`` run produced."""

    scenario: str
    files: list[Path] = field(default_factory=list)
    ids: np.ndarray | None = None
    resistances: np.ndarray | None = None


def load_inputs(cfg: CircuitscapeConfig) -> CircuitscapeInputs:
    """Read every input the configuration names into arrays on the habitat grid.

    Raises
    ------
    InputDataError
        Zero or negative resistances, a mask that removes every cell, grids of other sizes,
        unreadable files.
    """
    ini = cfg.ini
    habitat = read_grid(cfg.habitat_file)
    raw = habitat.data
    if cfg.habitat_map_is_resistances:
        if np.any(raw == 0):
            raise InputDataError(f"{cfg.habitat_file}: resistance 0 in some cells; use a short-circuit "
                                 "region (polygon) file for zero resistance instead.")
        if np.any(raw < 0):
            raise InputDataError(f"{cfg.habitat_file}: negative resistance in {int((raw < 0).sum())} "
                                 "cell(s); resistances must be positive, mark impassable cells as nodata.")
        with np.errstate(divide="ignore"):
            conductance = 1.0 / raw
    else:
        if np.any(raw < 0):
            raise InputDataError(f"{cfg.habitat_file}: negative conductance in {int((raw < 0).sum())} "
                                 "cell(s); conductances must be 0 (no movement) or more.")
        conductance = raw.copy()
    conductance = np.where(np.isfinite(conductance) & (conductance > 0), conductance, 0.0)
    if cfg.mask_file is not None:
        mask = read_grid(cfg.mask_file)
        same_grid(cfg.mask_file, mask, habitat, ini)
        conductance = np.where(np.nan_to_num(mask.data, nan=0.0) > 0, conductance, 0.0)
        if not conductance.any():
            raise InputDataError(f"{cfg.mask_file}: the mask removes every cell; check the mask file.")
    inputs = CircuitscapeInputs(habitat, conductance)
    if cfg.polygon_file is not None:
        poly = read_grid(cfg.polygon_file)
        same_grid(cfg.polygon_file, poly, habitat, ini)
        inputs.regions = np.nan_to_num(poly.data, nan=0.0).astype(np.int64)
    if cfg.scenario == "advanced":
        assert cfg.source_file is not None and cfg.ground_file is not None
        sources = np.nan_to_num(read_cell_values(cfg.source_file, habitat, ini), nan=0.0)
        ground_raw = read_cell_values(cfg.ground_file, habitat, ini)
        if cfg.ground_file_is_resistances:
            with np.errstate(divide="ignore"):
                grounds = np.where(np.isnan(ground_raw), 0.0, 1.0 / ground_raw)
        else:
            grounds = np.nan_to_num(ground_raw, nan=0.0, posinf=np.inf)
        if cfg.use_unit_currents:
            sources = np.where(sources != 0, 1.0, 0.0)
        if cfg.use_direct_grounds:
            grounds = np.where(grounds != 0, np.inf, 0.0)
        inputs.sources, inputs.grounds = sources, grounds
        return inputs
    assert cfg.point_file is not None
    points = read_points(cfg.point_file, habitat, ini)
    regions = inputs.regions
    off = [int(i) for i, r, c in zip(points.ids, points.rows, points.cols, strict=True)
           if conductance[r, c] == 0 and (regions is None or regions[r, c] <= 0)]
    if off:
        warnings.warn(f"{cfg.point_file}: focal point(s) {', '.join(map(str, sorted(set(off))))} lie on "
                      "nodata; as in Circuitscape they get -1 (not connected).", HabitatmapWarning,
                      stacklevel=2)
    if cfg.included_pairs_file is not None:
        _, inputs.excluded, known = read_pairs(cfg.included_pairs_file)
        points = points.keep(known)
    inputs.points = points
    if cfg.variable_source_file is not None:
        inputs.strengths = read_strengths(cfg.variable_source_file)
    return inputs


def solve(cfg: CircuitscapeConfig, inputs: CircuitscapeInputs, *, on_solve: object = None):
    """Run the configuration's scenario on its inputs.

    Returns
    -------
    (ids, values, accumulator or None, advanced maps or None)
        Pairwise: the resistance matrix; one-to-all / all-to-one: one value per node; advanced:
        ``(voltage, current, solved)`` in the last slot.
    """
    opts = CircuitOptions(four_neighbors=cfg.four_neighbors, avg_resistance=cfg.avg_resistances,
                          voltage_maps=cfg.write_volt_maps, current_maps=cfg.current_maps)
    if cfg.scenario == "advanced":
        volt, cur, _, solved = advanced(inputs.conductance, inputs.sources, inputs.grounds,
                                        regions=inputs.regions, policy=cfg.remove_src_or_gnd, options=opts)
        return None, None, None, (volt, cur, solved)
    if cfg.scenario == "pairwise":
        ids, res, acc = pairwise(inputs.conductance, inputs.points, regions=inputs.regions,
                                 excluded=inputs.excluded, options=opts, on_solve=on_solve)
        return ids, res, acc, None
    run = one_to_all if cfg.scenario == "one-to-all" else all_to_one
    ids, values, acc = run(inputs.conductance, inputs.points, regions=inputs.regions,
                           strengths=inputs.strengths, excluded=inputs.excluded, options=opts,
                           on_solve=on_solve)
    return ids, values, acc, None


def run_config(ini: str | os.PathLike[str], *, base: str | os.PathLike[str] | None = None) -> RunResult:
    """Run a Circuitscape ``.ini`` (raster data) and write its outputs.

    Parameters
    ----------
    ini
        The configuration file.
    base
        Folder the ``.ini``'s relative paths are resolved against (default: the current folder,
        as Circuitscape does).

    Returns
    -------
    RunResult
        The scenario, the files written and, for pairwise and one-to-all, the resistances.
    """
    from habitatmap.io.atomic import write_text_atomic

    cfg = load_config(ini, base=base)
    if cfg.data_type == "network":
        from habitatmap.corridors.circuitscape.network import run_network

        return run_network(cfg, RunResult(cfg.scenario))
    inputs = load_inputs(cfg)
    habitat = inputs.habitat
    null_cells = inputs.conductance == 0
    result = RunResult(cfg.scenario)

    def grid_out(name: str, values: np.ndarray, null: bool) -> None:
        g = values.copy()
        if null:
            g[null_cells] = habitat.nodata
        result.files.append(write_ascii_grid(Path(f"{cfg.prefix}_{name}.asc"), g, habitat.grid,
                                             habitat.nodata))

    def on_solve(maps: SolveMaps) -> None:
        tag = "_".join(str(i) for i in maps.label)
        if maps.voltage is not None:
            grid_out(f"voltmap_{tag}", maps.voltage, cfg.null_voltages)
        if maps.current is not None and not cfg.write_cum_cur_map_only:
            grid_out(f"curmap_{tag}", maps.current, cfg.null_currents)

    ids, values, acc, adv = solve(cfg, inputs, on_solve=on_solve)
    if adv is not None:
        volt, cur, solved = adv
        if not solved:
            warnings.warn(f"{cfg.ini}: no connected component holds both a source and a ground; the "
                          "maps are all zero.", HabitatmapWarning, stacklevel=2)
        if cfg.write_volt_maps:
            grid_out("voltmap", volt, cfg.null_voltages)
        if cur is not None and cfg.write_cur_maps:
            grid_out("curmap", cur, cfg.null_currents)
        return result
    result.ids, result.resistances = ids, values
    if cfg.scenario == "pairwise":
        result.files += write_resistances(cfg.prefix, ids, values)
    else:
        # Both modes write 'id value' lines; all-to-one's values are 0, as Circuitscape's are.
        text = "".join(f"{format_value(float(i))} {format_value(float(v))}\n"
                       for i, v in zip(ids, values, strict=True))
        result.files.append(write_text_atomic(f"{cfg.prefix}_resistances.out", text))
    if cfg.current_maps and acc.count:
        cum = acc.cumulative.copy()
        if cfg.null_currents:
            cum[null_cells] = habitat.nodata
        result.files.append(write_ascii_grid(Path(f"{cfg.prefix}_cum_curmap.asc"), cum, habitat.grid,
                                             habitat.nodata))
        if cfg.write_max_cur_maps:
            mx = np.where(np.isinf(acc.maximum), habitat.nodata, acc.maximum)
            if cfg.null_currents:
                mx[null_cells] = habitat.nodata
            result.files.append(write_ascii_grid(Path(f"{cfg.prefix}_max_curmap.asc"), mx, habitat.grid,
                                                 habitat.nodata))
    return result
