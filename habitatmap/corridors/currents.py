"""Circuit theory on a resistance GeoTIFF with focal points or core areas from any vector file.

:func:`circuit_flow` computes (pairwise, one-to-all, all-to-one or advanced, as Circuitscape
defines them; see :mod:`habitatmap.corridors.modes`); :func:`write_circuit` writes the result into
one output folder:

* ``resistances.csv`` — one row per pair: ids, names, effective resistance (-1: not connected);
  ``resistance_matrix.csv`` — the same as a matrix (Circuitscape's layout). One-to-all writes each
  node's resistance to all the others instead.
* ``cum_current.tif``, ``max_current.tif`` — cumulative and maximum current over all solves (float32
  COGs on the resistance grid; nodata where the resistance has none).
* ``voltage_A_B.tif`` / ``current_A_B.tif`` for each pair (``voltage_A.tif`` ... for the
  one-to-all and all-to-one modes) with ``pair_maps``, written as each solve finishes (see
  :class:`SolveWriter`); ``voltage.tif``, ``current.tif`` in advanced mode.
* ``provenance.json`` — mode, options, inputs and their checksums, the datum operations used.

:func:`run_circuit` reads the files, computes and writes.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from habitatmap.corridors.focal import Focal
from habitatmap.corridors.modes import (
    CircuitOptions,
    SolveMaps,
    advanced,
    all_to_one,
    one_to_all,
    pairwise,
)
from habitatmap.errors import ConfigError
from habitatmap.grid import Grid
from habitatmap.provenance import Provenance
from habitatmap.values import quote

__all__ = ["MODES", "CircuitResult", "CircuitRun", "SolveWriter", "circuit_flow", "run_circuit",
           "write_circuit"]

MODES = ("pairwise", "one-to-all", "all-to-one", "advanced")
PRODUCT = "corridors.circuit"


@dataclass
class CircuitResult:
    """What a circuit analysis found (see :func:`circuit_flow`).

    Attributes
    ----------
    mode, grid
        The mode and the grid of every map.
    ids, names
        Focal node ids (matrix order) and their names.
    resistances
        Pairwise: the symmetric matrix (-1: not connected); one-to-all: each node's resistance to
        all the others; all-to-one: 0 per solved node (Circuitscape reports none); advanced: None.
    cumulative, maximum
        Cumulative and maximum current over all solves (None when nothing was solved).
    voltage, current
        Advanced mode's voltage and current maps.
    nodata
        Cells outside the network (no resistance).
    connected
        Advanced mode: whether any component held both a source and a ground.
    """

    mode: str
    grid: Grid
    ids: np.ndarray
    names: dict[int, str]
    resistances: np.ndarray | None
    nodata: np.ndarray
    cumulative: np.ndarray | None = None
    maximum: np.ndarray | None = None
    voltage: np.ndarray | None = None
    current: np.ndarray | None = None
    connected: bool = True


@dataclass
class CircuitRun:
    """What :func:`run_circuit` produced."""

    out: Path
    mode: str
    ids: np.ndarray
    names: dict[int, str]
    resistances: np.ndarray | None
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _cog(folder: Path, name: str, values: np.ndarray, grid: Grid, nodata: np.ndarray, units: str,
         tags: dict[str, str]) -> str:
    from habitatmap.io.raster import write_cog

    data = values.astype(np.float32)
    data[nodata] = np.nan
    write_cog(folder / name, data, grid=grid, nodata=float("nan"), band_descriptions=[units],
              resampling="average", tags={"UNITS": units, **tags})
    return name


class SolveWriter:
    """Writes each solve's voltage and current maps as soon as they exist (the ``on_solve`` of
    :func:`circuit_flow`), so memory holds one solve's maps however many pairs there are."""

    def __init__(self, folder: Path, grid: Grid, nodata: np.ndarray, *, currents: bool = True,
                 tags: dict[str, str] | None = None) -> None:
        self.folder, self.grid, self.nodata, self.currents = folder, grid, nodata, currents
        self.tags = tags or {}
        self.files: list[str] = []

    def __call__(self, maps: SolveMaps) -> None:
        tag = "_".join(str(i) for i in maps.label)
        if maps.voltage is not None:
            self.files.append(_cog(self.folder, f"voltage_{tag}.tif", maps.voltage, self.grid, self.nodata,
                                   "volts", self.tags))
        if maps.current is not None and self.currents:
            self.files.append(_cog(self.folder, f"current_{tag}.tif", maps.current, self.grid, self.nodata,
                                   "amperes", self.tags))


def circuit_flow(resistance: np.ndarray, grid: Grid, *, mode: str = "pairwise", focal: Focal | None = None,
                 sources: Focal | None = None, grounds: Focal | None = None,
                 options: CircuitOptions | None = None, pair_maps: bool = False,
                 on_solve: object = None) -> CircuitResult:
    """Circuit analysis of a resistance grid.

    Parameters
    ----------
    resistance
        Resistances (> 0) on ``grid``; NaN cells are not in the network.
    grid
        Their grid.
    mode
        ``pairwise``, ``one-to-all``, ``all-to-one`` or ``advanced``.
    focal
        Focal points or regions (all modes but advanced).
    sources, grounds
        Advanced mode: cells injecting current (column ``current`` in A, default 1) and tied to
        ground (column ``resistance`` in ohms, default 0: a direct ground).
    options
        Neighbours, link averaging, solver choice.
    pair_maps
        Produce each solve's voltage map too (handed to ``on_solve``).
    on_solve
        Called with each solve's :class:`habitatmap.corridors.modes.SolveMaps`.

    Raises
    ------
    ConfigError
        Unknown mode, or the inputs a mode needs are missing.
    """
    if mode not in MODES:
        raise ConfigError(f"--mode {quote(mode)}: not a mode; choose one of {', '.join(MODES)}.")
    nodata = ~np.isfinite(resistance)
    conductance = np.where(nodata, 0.0, 1.0 / np.where(nodata, 1.0, resistance))
    # Current is always mapped (the cumulative and maximum maps); voltages only with pair_maps.
    opts = dataclasses.replace(options or CircuitOptions(), voltage_maps=pair_maps, current_maps=True)
    if mode == "advanced":
        if sources is None or grounds is None:
            raise ConfigError("advanced mode without sources or grounds; give --sources and --grounds files.")
        src = _values_grid(sources, "current", 1.0, grid)
        gnd_res = _values_grid(grounds, "resistance", 0.0, grid)
        with np.errstate(divide="ignore"):
            gnd = np.where(np.isnan(gnd_res), 0.0, 1.0 / gnd_res)
        volt, cur, _, solved = advanced(conductance, np.nan_to_num(src), gnd,
                                        options=dataclasses.replace(opts, voltage_maps=True))
        return CircuitResult(mode, grid, np.zeros(0, dtype=np.int64), {}, None, nodata, voltage=volt,
                             current=cur, connected=bool(solved))
    if focal is None:
        raise ConfigError(f"--focal is required in {mode} mode; pass focal points or core areas.")
    run = {"pairwise": pairwise, "one-to-all": one_to_all, "all-to-one": all_to_one}[mode]
    ids, res, acc = run(conductance, focal.points, options=opts, on_solve=on_solve)
    return CircuitResult(mode, grid, ids, focal.names, res, nodata,
                         acc.cumulative if acc.count else None, acc.maximum if acc.count else None)


def _values_grid(focal: Focal, column: str, default: float, grid: Grid) -> np.ndarray:
    """Cells of the features with their ``column`` value (NaN elsewhere)."""
    values = focal.numbers(column, default)
    out = np.full(grid.shape, np.nan)
    out[focal.points.rows, focal.points.cols] = [values[int(i)] for i in focal.points.ids]
    return out


def _csv(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def write_circuit(result: CircuitResult, folder: Path, record: Provenance | None = None) -> list[str]:
    """Write a :class:`CircuitResult` into ``folder``; returns the file names."""
    tags = record.tags() if record is not None else {}
    files: list[str] = []
    names, ids, res = result.names, result.ids, result.resistances
    if result.mode == "advanced":
        files.append(_cog(folder, "voltage.tif", result.voltage, result.grid, result.nodata, "volts", tags))
        files.append(_cog(folder, "current.tif", result.current, result.grid, result.nodata, "amperes", tags))
        return files
    if result.mode == "pairwise":
        rows = ["id_a,name_a,id_b,name_b,effective_resistance"]
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                ia, ib = int(ids[a]), int(ids[b])
                rows.append(f"{ia},{_csv(names.get(ia, str(ia)))},{ib},{_csv(names.get(ib, str(ib)))},"
                            f"{res[a, b]:.10g}")
        (folder / "resistances.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        matrix = ["id," + ",".join(str(int(i)) for i in ids)]
        matrix += [f"{int(i)}," + ",".join(f"{v:.10g}" for v in res[k]) for k, i in enumerate(ids)]
        (folder / "resistance_matrix.csv").write_text("\n".join(matrix) + "\n", encoding="utf-8")
        files += ["resistances.csv", "resistance_matrix.csv"]
    elif result.mode == "one-to-all":
        rows = ["id,name,resistance_to_all_others"]
        rows += [f"{i},{_csv(names.get(int(i), str(i)))},{v:.10g}" for i, v in zip(ids, res, strict=True)]
        (folder / "resistances.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        files.append("resistances.csv")
    if result.cumulative is not None:
        files.append(_cog(folder, "cum_current.tif", result.cumulative, result.grid, result.nodata,
                          "amperes", tags))
        files.append(_cog(folder, "max_current.tif", result.maximum, result.grid, result.nodata,
                          "amperes", tags))
    return files


def run_circuit(resistance: str | os.PathLike[str], out: str | os.PathLike[str], *, mode: str = "pairwise",
                focal: str | None = None, sources: str | None = None, grounds: str | None = None,
                id_field: str | None = None, select: str | None = None, options: CircuitOptions | None = None,
                pair_maps: bool = False, allow_ballpark: bool = False) -> CircuitRun:
    """Read a resistance GeoTIFF and focal files, run the analysis and write the results folder.

    Parameters
    ----------
    resistance
        Resistance COG (e.g. from ``corridors resistance``); NaN cells are impassable.
    out
        Output folder (kept; only this command's own products are replaced).
    mode, options, pair_maps
        As for :func:`circuit_flow`.
    focal
        Focal points or core-area polygons (``FILE[:LAYER]``), for all modes but advanced.
    sources, grounds
        Advanced mode: points or polygons (``FILE[:LAYER]``).
    id_field
        Integer id column of the focal file (default: features numbered in order).
    select
        ``COLUMN=VALUE`` filter on the focal features (e.g. ``zone_class=core``).
    allow_ballpark
        Accept a zero-shift datum step for focal files on an older datum.
    """
    from habitatmap.corridors.focal import read_focal, read_resistance
    from habitatmap.io.atomic import OutputFolder
    from habitatmap.io.paths import split_layer

    if mode not in MODES:
        raise ConfigError(f"--mode {quote(mode)}: not a mode; choose one of {', '.join(MODES)}.")
    opts = options or CircuitOptions()
    record = Provenance(PRODUCT, parameters={
        "mode": mode, "select": select, "id_field": id_field, "pair_maps": pair_maps,
        "four_neighbors": opts.four_neighbors,
        "link": "average resistance" if opts.avg_resistance else "average conductance"})
    res, grid = read_resistance(resistance)
    record.add_input("resistance", resistance)
    nodes: dict[str, Focal | None] = {"focal": None, "sources": None, "grounds": None}
    if mode == "advanced":
        if not sources or not grounds:
            raise ConfigError("advanced mode without sources or grounds; give --sources and --grounds files.")
        specs = {"sources": (sources, "source"), "grounds": (grounds, "ground")}
        for key, (spec, what) in specs.items():
            nodes[key] = read_focal(spec, grid, res, allow_ballpark=allow_ballpark, what=what, min_nodes=1)
    else:
        if not focal:
            raise ConfigError(f"--focal is required in {mode} mode; pass focal points or core areas.")
        nodes["focal"] = read_focal(focal, grid, res, id_field=id_field, allow_ballpark=allow_ballpark,
                                    select=select)
    for key, f in nodes.items():
        if f is not None:
            spec = {"focal": focal, "sources": sources, "grounds": grounds}[key]
            path, layer = split_layer(spec)
            record.add_input(key, path, layer=layer, nodes=len(f.points.unique_ids))
            record.add_operation(f"{key} {spec}", f.operation)
    with OutputFolder(out, product=PRODUCT) as folder:
        writer = SolveWriter(folder.staging, grid, ~np.isfinite(res), currents=pair_maps, tags=record.tags())
        result = circuit_flow(res, grid, mode=mode, focal=nodes["focal"], sources=nodes["sources"],
                              grounds=nodes["grounds"], options=opts, pair_maps=pair_maps, on_solve=writer)
        files = sorted(writer.files + write_circuit(result, folder.staging, record))
        folder.set_record(record)
    return CircuitRun(Path(out), mode, result.ids, result.names, result.resistances,
                      [*files, "provenance.json"], float(record.timings.get("seconds", 0.0)))
