"""``corridors circuit``: circuit theory on a resistance GeoTIFF with focal points from any vector file.

Writes into one output folder (swapped into place only when complete):

* ``resistances.csv`` — one row per pair: ids, names, effective resistance (-1: not connected);
  ``resistance_matrix.csv`` — the same as a matrix (Circuitscape's layout). One-to-all writes each
  node's resistance to all the others instead.
* ``cum_current.tif``, ``max_current.tif`` — cumulative and maximum current over all solves (float32
  COGs on the resistance grid; nodata where the resistance has none).
* ``voltage_A_B.tif`` / ``current_A_B.tif`` for each pair (``voltage_A.tif`` ... for the
  one-to-all and all-to-one modes) with ``pair_maps``; ``voltage.tif``, ``current.tif`` in
  advanced mode.
* ``circuit.json`` — mode, options, inputs and their checksums, the datum operation used, timings.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from habitatmap import __version__
from habitatmap.corridors.focal import read_focal, read_resistance
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

__all__ = ["MODES", "CircuitRun", "run_circuit"]

MODES = ("pairwise", "one-to-all", "all-to-one", "advanced")


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


def _write_grid(folder: Path, name: str, grid: np.ndarray, g: Grid, nodata_mask: np.ndarray,
                description: str) -> str:
    from habitatmap.io import write_cog

    data = grid.astype(np.float32)
    data[nodata_mask] = np.nan
    write_cog(folder / name, data, crs=g.crs, transform=g.transform, nodata=float("nan"),
              band_descriptions=[description], resampling="average",
              tags={"SOFTWARE": f"habitatmap {__version__}", "UNITS": description})
    return name


def run_circuit(resistance: str | os.PathLike[str], out: str | os.PathLike[str], *, mode: str = "pairwise",
                focal: str | None = None, sources: str | None = None, grounds: str | None = None,
                id_field: str | None = None, select: str | None = None, options: CircuitOptions | None = None,
                pair_maps: bool = False, allow_ballpark: bool = False) -> CircuitRun:
    """Run a circuit analysis on a resistance GeoTIFF and write the results folder.

    Parameters
    ----------
    resistance
        Resistance COG (e.g. from ``corridors resistance``); NaN cells are impassable.
    out
        Output folder (replaced only when the new one is complete).
    mode
        ``pairwise``, ``one-to-all``, ``all-to-one`` or ``advanced``.
    focal
        Focal points or core-area polygons (``FILE[:LAYER]``), for all modes but advanced.
    sources, grounds
        Advanced mode: points or polygons injecting current (column ``current`` in A, default 1)
        and tied to ground (column ``resistance`` in ohms, default 0: a direct ground).
    id_field
        Integer id column of the focal file (default: features numbered in order).
    select
        ``COLUMN=VALUE`` filter on the focal features (e.g. ``zone_class=core``).
    options
        Neighbours, link averaging, solver choice.
    pair_maps
        Also write each solve's voltage and current maps.
    allow_ballpark
        Accept a zero-shift datum step for focal files on an older datum.
    """
    from habitatmap.io import atomic_dir, check_output_folder, sha256_file

    if mode not in MODES:
        raise ConfigError(f"--mode {mode!r}: choose one of {', '.join(MODES)}.")
    t0 = time.perf_counter()
    out = Path(out)
    check_output_folder(out)
    res_grid, grid = read_resistance(resistance)
    nodata = ~np.isfinite(res_grid)
    conductance = np.where(nodata, 0.0, 1.0 / np.where(nodata, 1.0, res_grid))
    # Current is always mapped (the cumulative and maximum maps); voltages only with pair_maps.
    opts = dataclasses.replace(options or CircuitOptions(), voltage_maps=pair_maps, current_maps=True)
    record: dict[str, object] = {
        "software": f"habitatmap {__version__}", "mode": mode,
        "resistance": {"path": str(resistance), "sha256": sha256_file(resistance)},
        "options": {"four_neighbors": opts.four_neighbors,
                    "link": "average resistance" if opts.avg_resistance else "average conductance"},
    }
    with atomic_dir(out) as tmp:
        files: list[str] = []

        def on_solve(maps: SolveMaps) -> None:
            tag = "_".join(str(i) for i in maps.label)
            if maps.voltage is not None:
                files.append(_write_grid(tmp, f"voltage_{tag}.tif", maps.voltage, grid, nodata, "volts"))
            if maps.current is not None and pair_maps:
                files.append(_write_grid(tmp, f"current_{tag}.tif", maps.current, grid, nodata, "amperes"))

        names: dict[int, str] = {}
        res = None
        ids = np.zeros(0, dtype=np.int64)
        if mode == "advanced":
            if not sources or not grounds:
                raise ConfigError("advanced mode needs --sources and --grounds files.")
            src_grid, src_focal = _burn_values(sources, "current", 1.0, grid, res_grid, allow_ballpark,
                                               "source")
            gnd_res, gnd_focal = _burn_values(grounds, "resistance", 0.0, grid, res_grid, allow_ballpark,
                                              "ground")
            with np.errstate(divide="ignore"):
                gnd = np.where(np.isnan(gnd_res), 0.0, 1.0 / gnd_res)
            volt, cur, _, solved = advanced(conductance, np.nan_to_num(src_grid), gnd,
                                            options=dataclasses.replace(opts, voltage_maps=True))
            files.append(_write_grid(tmp, "voltage.tif", volt, grid, nodata, "volts"))
            files.append(_write_grid(tmp, "current.tif", cur, grid, nodata, "amperes"))
            record["sources"] = {"path": sources, "operation": _op(src_focal)}
            record["grounds"] = {"path": grounds, "operation": _op(gnd_focal)}
            record["connected"] = bool(solved)
        else:
            if not focal:
                raise ConfigError(f"--focal is required in {mode} mode; pass focal points or core areas.")
            f = read_focal(focal, grid, res_grid, id_field=id_field, allow_ballpark=allow_ballpark,
                           select=select)
            names = f.names
            record["focal"] = {"path": focal, "nodes": len(f.points.unique_ids),
                               "operation": f.operation.to_dict() if f.operation else None}
            if mode == "pairwise":
                ids, res, acc = pairwise(conductance, f.points, options=opts, on_solve=on_solve)
                files += _write_pairs(tmp, ids, res, names)
            else:
                run = one_to_all if mode == "one-to-all" else all_to_one
                ids, res, acc = run(conductance, f.points, options=opts, on_solve=on_solve)
                if mode == "one-to-all":
                    rows = ["id,name,resistance_to_all_others"]
                    rows += [f"{i},{_csv(names.get(int(i), str(i)))},{v:.10g}"
                             for i, v in zip(ids, res, strict=True)]
                    (tmp / "resistances.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
                    files.append("resistances.csv")
            if acc.count:
                files.append(_write_grid(tmp, "cum_current.tif", acc.cumulative, grid, nodata, "amperes"))
                files.append(_write_grid(tmp, "max_current.tif", acc.maximum, grid, nodata, "amperes"))
        seconds = time.perf_counter() - t0
        record["seconds"] = round(seconds, 3)
        record["files"] = sorted(files)
        (tmp / "circuit.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    return CircuitRun(out, mode, ids, names, res, [*sorted(files), "circuit.json"], seconds)


def _op(focal: object) -> object:
    op = getattr(focal, "operation", None)
    return op.to_dict() if op is not None else None


def _csv(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def _write_pairs(folder: Path, ids: np.ndarray, res: np.ndarray, names: dict[int, str]) -> list[str]:
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
    return ["resistances.csv", "resistance_matrix.csv"]


def _burn_values(spec: str, column: str, default: float, grid: Grid, res_grid: np.ndarray,
                 allow_ballpark: bool, what: str) -> tuple[np.ndarray, object]:
    """Cells of the features of ``spec`` with their ``column`` value (NaN elsewhere)."""
    focal = read_focal(spec, grid, res_grid, allow_ballpark=allow_ballpark, what=what, min_nodes=1)
    values = focal.numbers(column, default)
    out = np.full(res_grid.shape, np.nan)
    out[focal.points.rows, focal.points.cols] = [values[int(i)] for i in focal.points.ids]
    return out, focal
