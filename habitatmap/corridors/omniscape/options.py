"""Omniscape's options, from an Omniscape.jl ``.ini`` file or from the command line.

An ``.ini`` file is read as Omniscape reads it: section headers are ignored, each ``key = value``
line sets one option, a flag is on only when its value is ``true`` (``True``, ``TRUE``), numbers
are rounded to whole cells where Omniscape rounds them, an even ``block_size`` becomes the next odd
one. Unknown keys and values Omniscape would quietly read as false are warned about, not fatal.
Paths are relative to the folder the command is run from, as in Omniscape.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from habitatmap.errors import ConfigError, HabitatmapWarning, InputDataError

__all__ = ["KNOWN_KEYS", "OmniscapeOptions", "check_options", "options_from_config", "parse_conditions",
           "read_ini"]

TRUE = ("true", "True", "TRUE")
#: Every key Omniscape.jl reads (current names and the older spellings it has used).
KNOWN_KEYS = frozenset({
    "resistance_file", "source_file", "project_name", "radius", "block_size", "buffer",
    "source_threshold", "source_from_resistance", "r_cutoff", "resistance_is_conductance",
    "resistance_file_is_conductance", "connect_four_neighbors_only", "calc_flow_potential",
    "calc_normalized_current", "correct_artifacts", "write_raw_currmap", "write_as_tif", "mask_nodata",
    "conditional", "n_conditions", "compare_to_future", "condition1_file", "condition2_file",
    "condition1_present_file", "condition2_present_file", "condition1_future_file",
    "condition2_future_file", "comparison1", "comparison2", "condition1_lower", "condition1_upper",
    "condition2_lower", "condition2_upper", "reclassify_resistance", "reclass_table",
    "write_reclassified_resistance", "allow_different_projections", "parallelize",
    "parallel_batch_size", "precision", "solver", "suppress_cs_messages",
})
FLAGS = ("source_from_resistance", "resistance_is_conductance", "connect_four_neighbors_only",
         "calc_flow_potential", "calc_normalized_current", "correct_artifacts", "write_raw_currmap",
         "write_as_tif", "mask_nodata", "conditional", "reclassify_resistance",
         "write_reclassified_resistance", "allow_different_projections", "parallelize")
SOLVERS = ("cg+amg", "cholmod")


@dataclass(frozen=True)
class OmniscapeOptions:
    """Every option of an Omniscape run (Omniscape.jl's names and defaults).

    File options are paths (None when unset). ``comparison1`` and ``comparison2`` are
    ``"within"`` or ``"equal"``; ``compare_to_future`` is ``"none"``, ``"1"``, ``"2"`` or ``"both"``.
    """

    radius: int
    resistance_file: Path | None = None
    source_file: Path | None = None
    project_name: str = "omniscape"
    block_size: int = 1
    buffer: int = 0
    source_threshold: float = 0.0
    source_from_resistance: bool = False
    r_cutoff: float = math.inf
    resistance_is_conductance: bool = False
    connect_four_neighbors_only: bool = False
    calc_flow_potential: bool = False
    calc_normalized_current: bool = False
    correct_artifacts: bool = True
    write_raw_currmap: bool = True
    write_as_tif: bool = True
    mask_nodata: bool = True
    conditional: bool = False
    n_conditions: int = 1
    compare_to_future: str = "none"
    condition1_file: Path | None = None
    condition2_file: Path | None = None
    condition1_future_file: Path | None = None
    condition2_future_file: Path | None = None
    comparison1: str = "within"
    comparison2: str = "within"
    condition1_lower: float = 0.0
    condition1_upper: float = 0.0
    condition2_lower: float = 0.0
    condition2_upper: float = 0.0
    reclassify_resistance: bool = False
    reclass_table: Path | None = None
    write_reclassified_resistance: bool = False
    precision: str = "double"
    allow_different_projections: bool = False
    source: str = field(default="options", compare=False)

    @property
    def block_radius(self) -> int:
        """Half the block size, rounded down."""
        return (self.block_size - 1) // 2

    @property
    def flow_potential_needed(self) -> bool:
        """Flow potential is computed for its own map or for normalised current."""
        return self.calc_flow_potential or self.calc_normalized_current

    @property
    def corrects(self) -> bool:
        """The block-artifact correction applies (it never does with blocks of one cell)."""
        return self.correct_artifacts and self.block_size > 1

    def condition_files(self) -> tuple[Path | None, Path | None, Path | None, Path | None]:
        """``(present 1, future 1, present 2, future 2)``; a future layer not compared is the present one."""
        if not self.conditional:
            return None, None, None, None
        f1 = self.condition1_future_file if self.compare_to_future in ("1", "both") else self.condition1_file
        p2 = self.condition2_file if self.n_conditions == 2 else None
        f2 = None
        if p2 is not None:
            f2 = self.condition2_future_file if self.compare_to_future in ("2", "both") else p2
        return self.condition1_file, f1, p2, f2

    def parameters(self) -> dict[str, object]:
        """The options that decide the result (for provenance and caches)."""
        skip = {"resistance_file", "source_file", "condition1_file", "condition2_file",
                "condition1_future_file", "condition2_future_file", "reclass_table", "project_name", "source"}
        out: dict[str, object] = {}
        for name in self.__dataclass_fields__:
            if name not in skip:
                value = getattr(self, name)
                out[name] = "Inf" if isinstance(value, float) and math.isinf(value) else value
        return out


def read_ini(path: str | os.PathLike[str]) -> dict[str, tuple[str, int]]:
    """``key -> (value, line)`` of an Omniscape ``.ini`` file (last assignment wins, as in Omniscape).

    Raises
    ------
    InputDataError
        Missing file or not UTF-8 text.
    """
    from habitatmap.io.text import read_text

    p = Path(path)
    if not p.exists():
        raise InputDataError(f"{p}: no such file; pass the path of an Omniscape .ini file.")
    text = read_text(p, what=".ini file", gz=False)
    cfg: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("[", "#", ";")):
            continue
        if "=" not in stripped:
            warnings.warn(f"{p}, line {number}: no '=' in {stripped[:60]!r}; the line is ignored.",
                          HabitatmapWarning, stacklevel=2)
            continue
        key, value = stripped.split("=", 1)
        cfg[key.strip().lower()] = (value.strip(), number)
    return cfg


def _number(cfg: dict[str, tuple[str, int]], key: str, where: Path, default: float) -> float:
    if key not in cfg:
        return default
    text, line = cfg[key]
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{where}, line {line}: {key} = {text!r} is not a number; give a number.") from None


def _whole(cfg: dict[str, tuple[str, int]], key: str, where: Path, default: int) -> int:
    value = _number(cfg, key, where, default)
    if not math.isfinite(value):
        raise ConfigError(f"{where}, line {cfg[key][1]}: {key} must be a finite number of cells.")
    return round(value)


def options_from_config(cfg: dict[str, tuple[str, int]], where: str | os.PathLike[str], *,
                        base: str | os.PathLike[str] | None = None) -> OmniscapeOptions:
    """Check an Omniscape configuration and turn it into :class:`OmniscapeOptions`.

    Parameters
    ----------
    cfg
        From :func:`read_ini`.
    where
        The ``.ini`` file (for messages).
    base
        Folder that relative paths start from (default: the current folder, as Omniscape).

    Raises
    ------
    ConfigError
        A required option missing or a value Omniscape cannot use (each named with its line).
    """
    where = Path(where)
    root = Path(base) if base is not None else Path.cwd()
    unknown = sorted(k for k in cfg if k not in KNOWN_KEYS)
    if unknown:
        warnings.warn(f"{where}: unsupported option(s) {', '.join(unknown)} ignored (Omniscape ignores "
                      "them too); check their spelling.", HabitatmapWarning, stacklevel=2)

    def line(key: str) -> str:
        return f"{where}, line {cfg[key][1]}" if key in cfg else str(where)

    def flag(key: str, default: bool) -> bool:
        if key not in cfg:
            return default
        text = cfg[key][0]
        if text not in TRUE and text.lower() not in ("true", "false"):
            warnings.warn(f"{line(key)}: {key} = {text!r} counts as false (Omniscape accepts only true "
                          "or false); write true or false.", HabitatmapWarning, stacklevel=3)
        return text in TRUE

    def path(key: str, *aliases: str) -> Path | None:
        for k in (key, *aliases):
            if k in cfg and cfg[k][0] and not cfg[k][0].startswith("(browse"):
                p = Path(os.path.expanduser(cfg[k][0]))
                return p if p.is_absolute() else root / p
        return None

    missing = [k for k in ("resistance_file", "radius", "project_name") if k not in cfg]
    if missing:
        raise ConfigError(f"{where}: {', '.join(missing)} missing (Omniscape has no default); add "
                          f"{' and '.join(f'{k} = ...' for k in missing)} to the file.")
    radius = _whole(cfg, "radius", where, 0)
    if radius < 1:
        raise ConfigError(f"{line('radius')}: radius = {cfg['radius'][0]} must be at least 1 cell.")
    block = _whole(cfg, "block_size", where, 1)
    if block < 1:
        raise ConfigError(f"{line('block_size')}: block_size = {cfg['block_size'][0]} must be at least 1.")
    if block % 2 == 0:
        warnings.warn(f"{line('block_size')}: block_size {block} is even, but must be odd; using "
                      f"{block + 1} (as Omniscape does).", HabitatmapWarning, stacklevel=2)
        block += 1
    buffer = _whole(cfg, "buffer", where, 0)
    if buffer < 0:
        raise ConfigError(f"{line('buffer')}: buffer = {cfg['buffer'][0]} must be 0 or more cells.")
    n_cond = _whole(cfg, "n_conditions", where, 1)
    if n_cond not in (1, 2):
        raise ConfigError(f"{line('n_conditions')}: n_conditions = {cfg['n_conditions'][0]}; use 1 or 2.")
    future = cfg.get("compare_to_future", ("none", 0))[0].lower()
    if future not in ("none", "1", "2", "both"):
        raise ConfigError(f"{line('compare_to_future')}: compare_to_future = {future!r}; use none, 1, 2 "
                          "or both.")
    comparisons = []
    for key in ("comparison1", "comparison2"):
        value = cfg.get(key, ("within", 0))[0].lower()
        if value == "equals":
            value = "equal"
        if value not in ("within", "equal"):
            raise ConfigError(f"{line(key)}: {key} = {value!r}; use within or equal.")
        comparisons.append(value)
    precision = cfg.get("precision", ("double", 0))[0]
    if precision.lower() not in ("double", "single"):
        raise ConfigError(f"{line('precision')}: precision = {precision!r}; use double or single.")
    solver = cfg.get("solver", ("cg+amg", 0))[0]
    if solver not in SOLVERS:
        warnings.warn(f"{line('solver')}: unsupported solver {solver!r}; habitatmap solves every window "
                      "directly (Omniscape would fall back to cg+amg).", HabitatmapWarning, stacklevel=2)
    conductance = flag("resistance_is_conductance", False) or flag("resistance_file_is_conductance", False)
    opts = OmniscapeOptions(
        radius=radius, resistance_file=path("resistance_file"), source_file=path("source_file"),
        project_name=cfg["project_name"][0], block_size=block, buffer=buffer,
        source_threshold=_number(cfg, "source_threshold", where, 0.0),
        source_from_resistance=flag("source_from_resistance", False),
        r_cutoff=_number(cfg, "r_cutoff", where, math.inf), resistance_is_conductance=conductance,
        connect_four_neighbors_only=flag("connect_four_neighbors_only", False),
        calc_flow_potential=flag("calc_flow_potential", False),
        calc_normalized_current=flag("calc_normalized_current", False),
        correct_artifacts=flag("correct_artifacts", True), write_raw_currmap=flag("write_raw_currmap", True),
        write_as_tif=flag("write_as_tif", True), mask_nodata=flag("mask_nodata", True),
        conditional=flag("conditional", False), n_conditions=n_cond, compare_to_future=future,
        condition1_file=path("condition1_file", "condition1_present_file"),
        condition2_file=path("condition2_file", "condition2_present_file"),
        condition1_future_file=path("condition1_future_file"),
        condition2_future_file=path("condition2_future_file"),
        comparison1=comparisons[0], comparison2=comparisons[1],
        condition1_lower=_number(cfg, "condition1_lower", where, 0.0),
        condition1_upper=_number(cfg, "condition1_upper", where, 0.0),
        condition2_lower=_number(cfg, "condition2_lower", where, 0.0),
        condition2_upper=_number(cfg, "condition2_upper", where, 0.0),
        reclassify_resistance=flag("reclassify_resistance", False), reclass_table=path("reclass_table"),
        write_reclassified_resistance=flag("write_reclassified_resistance", False),
        precision=precision.lower(),
        allow_different_projections=flag("allow_different_projections", False),
        source=str(where))
    check_options(opts, where=str(where))
    return opts


def check_options(opts: OmniscapeOptions, *, where: str = "options") -> None:
    """Refuse option combinations Omniscape cannot run, with the option to fix.

    Raises
    ------
    ConfigError
        A needed file option unset, or a value out of range.
    """
    if opts.radius < 1:
        raise ConfigError(f"{where}: radius must be at least 1 cell.")
    if opts.block_size < 1 or opts.block_size % 2 == 0:
        raise ConfigError(f"{where}: block_size {opts.block_size} must be an odd number of cells.")
    if opts.resistance_file is None:
        raise ConfigError(f"{where}: no resistance file; set resistance_file.")
    if not opts.source_from_resistance and opts.source_file is None:
        raise ConfigError(f"{where}: no source file and source_from_resistance is false; set source_file, "
                          "or set source_from_resistance = true (with r_cutoff).")
    if opts.reclassify_resistance and opts.reclass_table is None:
        raise ConfigError(f"{where}: reclassify_resistance is true but reclass_table is not set; give the "
                          "reclass table file.")
    if opts.conditional:
        needed = [("condition1_file", opts.condition1_file)]
        if opts.compare_to_future in ("1", "both"):
            needed.append(("condition1_future_file", opts.condition1_future_file))
        if opts.n_conditions == 2:
            needed.append(("condition2_file", opts.condition2_file))
            if opts.compare_to_future in ("2", "both"):
                needed.append(("condition2_future_file", opts.condition2_future_file))
        unset = [k for k, v in needed if v is None]
        if unset:
            raise ConfigError(f"{where}: conditional connectivity needs {', '.join(unset)}; set "
                              f"{'it' if len(unset) == 1 else 'them'} or set conditional = false.")
    if not (opts.write_raw_currmap or opts.calc_flow_potential or opts.calc_normalized_current):
        warnings.warn(f"{where}: no map asked for (write_raw_currmap, calc_flow_potential and "
                      "calc_normalized_current are all false); only the configuration is written.",
                      HabitatmapWarning, stacklevel=2)


def parse_conditions(specs: list[str]) -> dict[str, object]:
    """Conditional-connectivity options from ``PRESENT[,FUTURE]:within:LOW:HIGH`` or
    ``PRESENT[,FUTURE]:equal`` (one or two), as :class:`OmniscapeOptions` fields.

    Raises
    ------
    ConfigError
        More than two conditions or a malformed one.
    """
    if not specs:
        return {}
    if len(specs) > 2:
        raise ConfigError(f"{len(specs)} --condition options; Omniscape compares at most two conditions.")
    out: dict[str, object] = {"conditional": True, "n_conditions": len(specs)}
    future: list[str] = []
    for k, spec in enumerate(specs, start=1):
        parts = spec.split(":")
        files = parts[0].split(",")
        kind = parts[1].lower() if len(parts) > 1 else ""
        if kind == "equals":
            kind = "equal"
        ok = (kind == "within" and len(parts) == 4) or (kind == "equal" and len(parts) == 2)
        if not ok or not files[0] or len(files) > 2:
            raise ConfigError(f"--condition {spec!r}: write PRESENT[,FUTURE]:within:LOW:HIGH or "
                              "PRESENT[,FUTURE]:equal.")
        out[f"condition{k}_file"] = Path(files[0])
        if len(files) == 2:
            out[f"condition{k}_future_file"] = Path(files[1])
            future.append(str(k))
        out[f"comparison{k}"] = kind
        if kind == "within":
            try:
                low, high = float(parts[2]), float(parts[3])
            except ValueError:
                raise ConfigError(f"--condition {spec!r}: LOW and HIGH must be numbers.") from None
            if not (math.isfinite(low) and math.isfinite(high)) or low > high:
                raise ConfigError(f"--condition {spec!r}: LOW must not exceed HIGH (both finite).")
            out[f"condition{k}_lower"], out[f"condition{k}_upper"] = low, high
    out["compare_to_future"] = {0: "none", 2: "both"}.get(len(future), future[0] if future else "none")
    return out
