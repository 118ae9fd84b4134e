"""Run a Circuitscape ``.ini`` file (raster data) and write Circuitscape's output files.

Paths in the ``.ini`` are resolved against the folder the command is run from, as Circuitscape does.
Outputs are named from ``output_file`` with its ``.out`` removed: ``NAME_resistances.out``,
``NAME_resistances_3columns.out``, ``NAME_voltmap_ID1_ID2.asc``, ``NAME_curmap_ID1_ID2.asc``,
``NAME_cum_curmap.asc``, ``NAME_max_curmap.asc`` (pairwise); ``NAME_voltmap_ID.asc`` and
``NAME_curmap_ID.asc`` (one-to-all, all-to-one); ``NAME_voltmap.asc`` and ``NAME_curmap.asc``
(advanced). Grids are ESRI ASCII grids with the habitat grid's header, values rounded to 8 decimals.
"""

from __future__ import annotations

import configparser
import gzip
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from habitatmap.corridors.modes import (
    CircuitOptions,
    FocalPoints,
    SolveMaps,
    advanced,
    all_to_one,
    one_to_all,
    pairwise,
)
from habitatmap.errors import ConfigError, HabitatmapWarning, InputDataError

__all__ = ["GridMeta", "read_config", "read_grid", "run_config", "write_ascii_grid"]

TRUE = {"true", "1", "yes"}
UNSET = {"", "none", "false"}
SCENARIOS = {"pairwise", "advanced", "one-to-all", "all-to-one"}


@dataclass(frozen=True)
class GridMeta:
    """The header of an ASCII grid."""

    ncols: int
    nrows: int
    xllcorner: float
    yllcorner: float
    cellsize: float
    nodata: float = -9999.0


def read_config(path: str | os.PathLike[str]) -> dict[str, str]:
    """All options of a Circuitscape ``.ini`` file, section names dropped, keys lower case."""
    p = Path(path)
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputDataError(f"{p}: no such file; pass the path of a Circuitscape .ini file.") from None
    except UnicodeDecodeError:
        raise InputDataError(f"{p}: not UTF-8 text; save the .ini file as UTF-8.") from None
    try:
        parser.read_string(text, source=str(p))
    except configparser.Error as err:
        first = str(err).splitlines()[0]
        raise InputDataError(f"{p}: not a valid .ini file ({first}); fix the line it names.") from None
    cfg: dict[str, str] = {}
    for section in parser.sections():
        for key, value in parser.items(section):
            cfg[key.strip().lower()] = value.strip()
    return cfg


def _flag(cfg: dict[str, str], key: str, default: bool = False) -> bool:
    value = cfg.get(key)
    return default if value is None else value.strip().lower() in TRUE


def _file(cfg: dict[str, str], key: str, base: Path, ini: Path, *, required: bool = True) -> Path | None:
    value = cfg.get(key, "").strip()
    if value.lower() in UNSET or value.startswith("("):
        if required:
            raise ConfigError(f"{ini}: {key} is not set; give the file in the .ini.")
        return None
    p = Path(value)
    p = p if p.is_absolute() else base / p
    if not p.exists():
        raise InputDataError(f"{ini}: {key} {value} does not exist (looked in {p}); paths in the .ini "
                             "are relative to the folder the command is run from.")
    return p


def read_grid(path: Path) -> tuple[np.ndarray, GridMeta]:
    """A single-band grid (ASCII grid or GeoTIFF, optionally gzipped) as float64 with NaN nodata."""
    import rasterio
    from rasterio.io import MemoryFile

    try:
        if path.name.endswith(".gz"):
            data = gzip.decompress(path.read_bytes())
            ext = Path(path.name[:-3]).suffix.lower()
            with MemoryFile(data, ext=ext) as mem, mem.open() as ds:
                return _grid_from(ds)
        with rasterio.open(path, driver=_driver(path)) as ds:
            return _grid_from(ds)
    except (rasterio.errors.RasterioError, OSError, EOFError) as err:
        raise InputDataError(f"{path}: not a readable ASCII grid or GeoTIFF ({err}); pass a raster "
                             "in one of those formats.") from None


def _driver(path: Path) -> str:
    return "AAIGrid" if path.suffix.lower() == ".asc" else "GTiff"


def _grid_from(ds) -> tuple[np.ndarray, GridMeta]:
    arr = ds.read(1).astype(np.float64)
    if ds.nodata is not None and not math.isnan(ds.nodata):
        arr[arr == ds.nodata] = np.nan
    t = ds.transform
    meta = GridMeta(ds.width, ds.height, t.c, t.f + ds.height * t.e, t.a,
                    ds.nodata if ds.nodata is not None and not math.isnan(ds.nodata) else -9999.0)
    return arr, meta


def _same_grid(path: Path, meta: GridMeta, ref: GridMeta, ini: Path) -> None:
    if (meta.ncols, meta.nrows) != (ref.ncols, ref.nrows):
        raise InputDataError(f"{path}: {meta.ncols} x {meta.nrows} cells, but the habitat grid has "
                             f"{ref.ncols} x {ref.nrows} (in {ini}); give grids of the same extent.")
    if meta.cellsize != ref.cellsize or meta.xllcorner != ref.xllcorner or meta.yllcorner != ref.yllcorner:
        warnings.warn(f"{path}: its corner or cell size differs from the habitat grid's; cells are "
                      "matched by position.", HabitatmapWarning, stacklevel=3)


def _text_lines(path: Path) -> list[list[str]]:
    """The non-blank lines of a text input (optionally gzipped), split on whitespace."""
    try:
        raw = path.read_bytes()
        text = (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8-sig")
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise InputDataError(f"{path}: not a readable UTF-8 text file ({err}); save it as plain "
                             "text.") from None
    return [line.split() for line in text.splitlines() if line.strip()]


def _read_text_rows(path: Path) -> np.ndarray:
    lines = _text_lines(path)
    try:
        return np.array([[float(v) for v in r[:3]] for r in lines], dtype=np.float64).reshape(-1, 3)
    except ValueError:
        raise InputDataError(f"{path}: expected lines of 'value x y'; fix the file.") from None


def _cells_from_xy(path: Path, table: np.ndarray,
                   meta: GridMeta) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, cols (0-based) and values of a 'value x y' list, as Circuitscape places them."""
    values, x, y = table[:, 0], table[:, 1], table[:, 2]
    rows = np.ceil(meta.nrows - (y - meta.yllcorner) / meta.cellsize).astype(np.int64) - 1
    cols = np.ceil((x - meta.xllcorner) / meta.cellsize).astype(np.int64) - 1
    outside = (rows < 0) | (rows >= meta.nrows) | (cols < 0) | (cols >= meta.ncols)
    if outside.any():
        bad = ", ".join(f"{values[i]:g} at ({x[i]:g}, {y[i]:g})" for i in np.flatnonzero(outside)[:5])
        raise InputDataError(f"{path}: point(s) {bad} fall outside the habitat grid; fix their "
                             "coordinates or extend the grid.")
    return rows, cols, values


def _read_points(path: Path, meta: GridMeta, ini: Path) -> FocalPoints:
    if path.suffix.lower() == ".txt":
        rows, cols, values = _cells_from_xy(path, _read_text_rows(path), meta)
    else:
        grid, gmeta = read_grid(path)
        _same_grid(path, gmeta, meta, ini)
        grid = np.nan_to_num(grid, nan=0.0)
        rows, cols = np.nonzero(grid)
        values = grid[rows, cols]
    keep = values > 0
    points = FocalPoints(rows[keep], cols[keep], values[keep].astype(np.int64))
    if len(points.unique_ids) < 2:
        raise InputDataError(f"{path}: fewer than two focal points or regions; give at least two.")
    return points


def _read_cell_values(path: Path, meta: GridMeta, ini: Path) -> np.ndarray:
    """A source or ground file (grid, or 'value x y' list) as a grid; nodata is NaN."""
    if path.suffix.lower() == ".txt":
        rows, cols, values = _cells_from_xy(path, _read_text_rows(path), meta)
        out = np.full((meta.nrows, meta.ncols), np.nan)
        out[rows, cols] = values
        return out
    grid, gmeta = read_grid(path)
    _same_grid(path, gmeta, meta, ini)
    return grid


def _read_pairs(path: Path) -> tuple[str, set[tuple[int, int]], np.ndarray]:
    """Included-pairs file: returns (mode, excluded id pairs, ids the file knows)."""
    lines = _text_lines(path)
    if not lines:
        raise InputDataError(f"{path}: empty included-pairs file; list pairs or remove the option.")
    head = lines[0][0].lower()
    try:
        if head == "min":
            return "include", *_pairs_matrix(lines)
        if head == "mode":
            return lines[0][1].lower(), *_pairs_list(lines)
    except (ValueError, IndexError):
        pass
    raise InputDataError(f"{path}: not an included-pairs file Circuitscape reads: either 'min' and 'max' "
                         "lines and a matrix headed by the focal ids, or 'mode include|exclude' and one "
                         "pair of ids a line; fix the file.")


def _pairs_matrix(lines: list[list[str]]) -> tuple[set[tuple[int, int]], np.ndarray]:
    lo, hi = float(lines[0][1]), float(lines[1][1])
    ids = np.array([int(float(v)) for v in lines[2][1:]], dtype=np.int64)
    rows = lines[3:3 + len(ids)]
    if len(rows) != len(ids) or any(len(r) < 1 + len(ids) for r in rows):
        raise ValueError("matrix is not square")
    mat = np.array([[float(v) for v in r[1:1 + len(ids)]] for r in rows])
    keep = np.where(mat > hi, 0.0, mat) >= lo
    excluded = {(int(ids[i]), int(ids[j])) for i in range(len(ids)) for j in range(len(ids))
                if i != j and not keep[i, j] and not keep[j, i]}
    return excluded, ids


def _pairs_list(lines: list[list[str]]) -> tuple[set[tuple[int, int]], np.ndarray]:
    mode = lines[0][1].lower()
    if mode not in ("include", "exclude"):
        raise ValueError(mode)
    pairs = {(int(float(r[0])), int(float(r[1]))) for r in lines[1:]}
    ids = np.array(sorted({v for p in pairs for v in p} - {0}), dtype=np.int64)
    listed = pairs | {(b, a) for a, b in pairs}
    excluded = {(int(a), int(b)) for a in ids for b in ids
                if a != b and ((int(a), int(b)) in listed) == (mode == "exclude")}
    return excluded, ids


def _read_strengths(path: Path) -> dict[int, float]:
    lines = _text_lines(path)  # outside the try: its own error is an InputDataError (a ValueError)
    try:
        return {int(float(r[0])): float(r[1]) for r in lines}
    except (ValueError, IndexError):
        raise InputDataError(f"{path}: expected lines of 'focal id, source strength'; fix the "
                             "file.") from None


def _fmt(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.10g}"


def write_ascii_grid(path: Path, grid: np.ndarray, meta: GridMeta) -> Path:
    """Write ``grid`` as an ESRI ASCII grid with ``meta``'s header, atomically."""
    from habitatmap.io import atomic_path

    rounded = np.round(grid, 8)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="ascii") as f:
        f.write(f"ncols         {meta.ncols}\nnrows         {meta.nrows}\n"
                f"xllcorner     {meta.xllcorner!r}\nyllcorner     {meta.yllcorner!r}\n"
                f"cellsize      {meta.cellsize!r}\nNODATA_value  {_fmt(meta.nodata)}\n")
        for row in rounded:
            f.write(" ".join(_fmt(float(v)) for v in row))
            f.write("\n")
    return path


def _write_resistances(prefix: str, ids: np.ndarray, res: np.ndarray) -> list[Path]:
    from habitatmap.io import write_text_atomic

    lines = [" ".join(["0", *(_fmt(float(i)) for i in ids)])]
    for i, pid in enumerate(ids):
        lines.append(" ".join([_fmt(float(pid)), *(_fmt(float(v)) for v in res[i])]))
    three = [f"{_fmt(float(ids[i]))} {_fmt(float(ids[j]))} {_fmt(float(res[j, i]))}"
             for i in range(len(ids)) for j in range(i + 1, len(ids))]
    return [write_text_atomic(f"{prefix}_resistances.out", "\n".join(lines) + "\n"),
            write_text_atomic(f"{prefix}_resistances_3columns.out", "\n".join(three) + "\n" if three else "")]


@dataclass
class RunResult:
    """What a ``.ini`` run produced."""

    scenario: str
    files: list[Path] = field(default_factory=list)
    ids: np.ndarray | None = None
    resistances: np.ndarray | None = None


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
    ini = Path(ini)
    cfg = read_config(ini)
    root = Path(base) if base is not None else Path.cwd()
    data_type = cfg.get("data_type", "raster").lower()
    if data_type != "raster":
        raise ConfigError(f"{ini}: data_type = {data_type}; habitatmap runs raster data only, set "
                          "data_type = raster.")
    scenario = cfg.get("scenario", "").lower()
    if scenario not in SCENARIOS:
        raise ConfigError(f"{ini}: scenario = {scenario or '(missing)'}; choose one of "
                          f"{', '.join(sorted(SCENARIOS))}.")
    out_value = cfg.get("output_file", "").strip()
    if not out_value or out_value.lower() in UNSET:
        raise ConfigError(f"{ini}: output_file is not set; give the output name in the .ini.")
    out = Path(out_value)
    out = out if out.is_absolute() else root / out
    if not out.parent.is_dir():
        raise InputDataError(f"{ini}: output folder {out.parent} does not exist; create it first.")
    prefix = str(out)[:-4] if str(out).endswith(".out") else str(out)

    habitat_path = _file(cfg, "habitat_file", root, ini)
    assert habitat_path is not None
    raw, meta = read_grid(habitat_path)
    if _flag(cfg, "habitat_map_is_resistances", True):
        if np.any(raw == 0):
            raise InputDataError(f"{habitat_path}: resistance 0 in some cells; use a short-circuit "
                                 "region (polygon) file for zero resistance instead.")
        if np.any(raw < 0):
            raise InputDataError(f"{habitat_path}: negative resistance in {int((raw < 0).sum())} cell(s); "
                                 "resistances must be positive, mark impassable cells as nodata.")
        with np.errstate(divide="ignore"):
            conductance = 1.0 / raw
    else:
        if np.any(raw < 0):
            raise InputDataError(f"{habitat_path}: negative conductance in {int((raw < 0).sum())} "
                                 "cell(s); conductances must be 0 (no movement) or more.")
        conductance = raw.copy()
    conductance = np.where(np.isfinite(conductance) & (conductance > 0), conductance, 0.0)
    if _flag(cfg, "use_mask"):
        mask_path = _file(cfg, "mask_file", root, ini)
        assert mask_path is not None
        mask, mmeta = read_grid(mask_path)
        _same_grid(mask_path, mmeta, meta, ini)
        conductance = np.where(np.nan_to_num(mask, nan=0.0) > 0, conductance, 0.0)
        if not conductance.any():
            raise InputDataError(f"{mask_path}: the mask removes every cell; check the mask file.")
    regions = None
    if _flag(cfg, "use_polygons"):
        poly_path = _file(cfg, "polygon_file", root, ini)
        assert poly_path is not None
        poly, pmeta = read_grid(poly_path)
        _same_grid(poly_path, pmeta, meta, ini)
        regions = np.nan_to_num(poly, nan=0.0).astype(np.int64)

    opts = CircuitOptions(
        four_neighbors=_flag(cfg, "connect_four_neighbors_only"),
        avg_resistance=_flag(cfg, "connect_using_avg_resistances", True),
        voltage_maps=_flag(cfg, "write_volt_maps"),
        current_maps=_flag(cfg, "write_cur_maps") or _flag(cfg, "write_cum_cur_map_only")
        or _flag(cfg, "write_max_cur_maps"),
    )
    cum_only = _flag(cfg, "write_cum_cur_map_only")
    null_v = _flag(cfg, "set_null_voltages_to_nodata")
    null_c = _flag(cfg, "set_null_currents_to_nodata")
    null_cells = conductance == 0
    result = RunResult(scenario)

    def grid_out(name: str, grid: np.ndarray, null: bool) -> None:
        g = grid.copy()
        if null:
            g[null_cells] = meta.nodata
        result.files.append(write_ascii_grid(Path(f"{prefix}_{name}.asc"), g, meta))

    def on_solve(maps: SolveMaps) -> None:
        tag = "_".join(str(i) for i in maps.label)
        if maps.voltage is not None:
            grid_out(f"voltmap_{tag}", maps.voltage, null_v)
        if maps.current is not None and not cum_only:
            grid_out(f"curmap_{tag}", maps.current, null_c)

    if scenario == "advanced":
        src_path = _file(cfg, "source_file", root, ini)
        gnd_path = _file(cfg, "ground_file", root, ini)
        assert src_path is not None and gnd_path is not None
        sources = np.nan_to_num(_read_cell_values(src_path, meta, ini), nan=0.0)
        ground_raw = _read_cell_values(gnd_path, meta, ini)
        if _flag(cfg, "ground_file_is_resistances"):
            with np.errstate(divide="ignore"):
                grounds = np.where(np.isnan(ground_raw), 0.0, 1.0 / ground_raw)
        else:
            grounds = np.nan_to_num(ground_raw, nan=0.0, posinf=np.inf)
        if _flag(cfg, "use_unit_currents"):
            sources = np.where(sources != 0, 1.0, 0.0)
        if _flag(cfg, "use_direct_grounds"):
            grounds = np.where(grounds != 0, np.inf, 0.0)
        policy = cfg.get("remove_src_or_gnd", "keepall").lower()
        volt, cur, _, solved = advanced(conductance, sources, grounds, regions=regions, policy=policy,
                                        options=opts)
        if not solved:
            warnings.warn(f"{ini}: no connected component holds both a source and a ground; the "
                          "maps are all zero.", HabitatmapWarning, stacklevel=2)
        if opts.voltage_maps:
            grid_out("voltmap", volt, null_v)
        if cur is not None and _flag(cfg, "write_cur_maps"):
            grid_out("curmap", cur, null_c)
        return result

    point_path = _file(cfg, "point_file", root, ini)
    assert point_path is not None
    points = _read_points(point_path, meta, ini)
    off = [int(i) for i, r, c in zip(points.ids, points.rows, points.cols, strict=True)
           if conductance[r, c] == 0 and (regions is None or regions[r, c] <= 0)]
    if off:
        warnings.warn(f"{point_path}: focal point(s) {', '.join(map(str, sorted(set(off))))} lie on "
                      "nodata; as in Circuitscape they get -1 (not connected).", HabitatmapWarning,
                      stacklevel=2)
    excluded: set[tuple[int, int]] = set()
    if _flag(cfg, "use_included_pairs"):
        pairs_path = _file(cfg, "included_pairs_file", root, ini)
        assert pairs_path is not None
        _, excluded, known = _read_pairs(pairs_path)
        points = points.keep(known)
    acc_files: list[tuple[str, np.ndarray]] = []
    if scenario == "pairwise":
        ids, res, acc = pairwise(conductance, points, regions=regions, excluded=excluded, options=opts,
                                 on_solve=on_solve)
        result.ids, result.resistances = ids, res
        result.files += _write_resistances(prefix, ids, res)
    else:
        strengths = None
        if _flag(cfg, "use_variable_source_strengths"):
            sp = _file(cfg, "variable_source_file", root, ini)
            assert sp is not None
            strengths = _read_strengths(sp)
        run = one_to_all if scenario == "one-to-all" else all_to_one
        ids, values, acc = run(conductance, points, regions=regions, strengths=strengths,
                               excluded=excluded, options=opts, on_solve=on_solve)
        result.ids, result.resistances = ids, values
        # Both modes write 'id value' lines; all-to-one's values are 0, as Circuitscape's are.
        from habitatmap.io import write_text_atomic

        text = "".join(f"{_fmt(float(i))} {_fmt(float(v))}\n" for i, v in zip(ids, values, strict=True))
        result.files.append(write_text_atomic(f"{prefix}_resistances.out", text))
    if opts.current_maps and acc.count:
        cum = acc.cumulative.copy()
        if null_c:
            cum[null_cells] = meta.nodata
        acc_files.append(("cum_curmap", cum))
        if _flag(cfg, "write_max_cur_maps"):
            mx = np.where(np.isinf(acc.maximum), meta.nodata, acc.maximum)
            if null_c:
                mx[null_cells] = meta.nodata
            acc_files.append(("max_curmap", mx))
    for name, grid in acc_files:
        result.files.append(write_ascii_grid(Path(f"{prefix}_{name}.asc"), grid, meta))
    return result
