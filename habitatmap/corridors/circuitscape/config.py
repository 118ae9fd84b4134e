"""Circuitscape ``.ini`` files: read them into a :class:`CircuitscapeConfig` (no data is read here).

Paths in the ``.ini`` are resolved against the folder the command is run from, as Circuitscape
does. Options follow Circuitscape's names (section names are ignored, keys are case-insensitive).
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

from habitatmap.errors import ConfigError, InputDataError

__all__ = ["SCENARIOS", "CircuitscapeConfig", "load_config", "read_config"]

TRUE = {"true", "1", "yes"}
UNSET = {"", "none", "false"}
SCENARIOS = {"pairwise", "advanced", "one-to-all", "all-to-one"}


def read_config(path: str | os.PathLike[str]) -> dict[str, str]:
    """All options of a Circuitscape ``.ini`` file, section names dropped, keys lower case.

    Raises
    ------
    InputDataError
        Missing file, not UTF-8, or not an ``.ini`` file (naming the line).
    """
    from habitatmap.io.text import read_text

    p = Path(path)
    if not p.exists():
        raise InputDataError(f"{p}: no such file; pass the path of a Circuitscape .ini file.")
    text = read_text(p, what=".ini file", gz=False)
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=str(p))
    except configparser.Error as err:
        first = str(err).splitlines()[0][:200]
        raise InputDataError(f"{p}: not a valid .ini file ({first}); fix the line it names.") from None
    cfg: dict[str, str] = {}
    for section in parser.sections():
        for key, value in parser.items(section):
            cfg[key.strip().lower()] = value.strip()
    return cfg


@dataclass(frozen=True)
class CircuitscapeConfig:
    """The options of one Circuitscape run that habitatmap uses, with paths resolved.

    Attributes are named after Circuitscape's options; file options are None when unset.
    """

    ini: Path
    scenario: str
    prefix: str
    habitat_file: Path
    habitat_map_is_resistances: bool
    mask_file: Path | None
    polygon_file: Path | None
    point_file: Path | None
    source_file: Path | None
    ground_file: Path | None
    included_pairs_file: Path | None
    variable_source_file: Path | None
    four_neighbors: bool
    avg_resistances: bool
    write_volt_maps: bool
    write_cur_maps: bool
    write_cum_cur_map_only: bool
    write_max_cur_maps: bool
    null_voltages: bool
    null_currents: bool
    ground_file_is_resistances: bool
    use_unit_currents: bool
    use_direct_grounds: bool
    remove_src_or_gnd: str
    #: ``raster`` or ``network`` (a graph file of ``node node value`` lines).
    data_type: str = "raster"

    @property
    def current_maps(self) -> bool:
        """Whether any current map is asked for."""
        return self.write_cur_maps or self.write_cum_cur_map_only or self.write_max_cur_maps


def _flag(cfg: dict[str, str], key: str, default: bool = False) -> bool:
    value = cfg.get(key)
    return default if value is None else value.strip().lower() in TRUE


def _file(cfg: dict[str, str], key: str, base: Path, ini: Path, *, required: bool = True) -> Path | None:
    value = cfg.get(key, "").strip()
    if value.lower() in UNSET or value.startswith("("):
        if required:
            raise ConfigError(f"{ini}: {key} is not set; give the file in the .ini.")
        return None
    from habitatmap.io.paths import check_local_path

    p = check_local_path(value, what=f"{key} file")
    p = p if p.is_absolute() else base / p
    if not p.exists():
        raise InputDataError(f"{ini}: {key} {value[:120]} does not exist (looked in {p}); paths in the "
                             ".ini are relative to the folder the command is run from.")
    return p


def load_config(ini: str | os.PathLike[str], *, base: str | os.PathLike[str] | None = None
                ) -> CircuitscapeConfig:
    """Read a Circuitscape ``.ini`` (raster data) into a :class:`CircuitscapeConfig`.

    Parameters
    ----------
    ini
        The configuration file.
    base
        Folder the ``.ini``'s relative paths are resolved against (default: the current folder,
        as Circuitscape does).

    Raises
    ------
    ConfigError
        Network data, an unknown scenario, no output file, a required input unset.
    InputDataError
        A named input missing, or the output folder missing.
    """
    ini = Path(ini)
    cfg = read_config(ini)
    root = Path(base) if base is not None else Path.cwd()
    data_type = cfg.get("data_type", "raster").lower()
    if data_type not in ("raster", "network"):
        raise ConfigError(f"{ini}: data_type = {data_type[:40]}; set data_type = raster or network.")
    scenario = cfg.get("scenario", "").lower()
    if scenario not in SCENARIOS:
        raise ConfigError(f"{ini}: scenario = {scenario[:40] or '(missing)'}; choose one of "
                          f"{', '.join(sorted(SCENARIOS))}.")
    if data_type == "network" and scenario not in ("pairwise", "advanced"):
        raise ConfigError(f"{ini}: scenario = {scenario} is for raster data; network data runs pairwise or "
                          "advanced, as in Circuitscape.")
    out_value = cfg.get("output_file", "").strip()
    if not out_value or out_value.lower() in UNSET:
        raise ConfigError(f"{ini}: output_file is not set; give the output name in the .ini.")
    out = Path(out_value)
    out = out if out.is_absolute() else root / out
    if not out.parent.is_dir():
        raise InputDataError(f"{ini}: output folder {out.parent} does not exist; create it first.")
    prefix = str(out)[:-4] if str(out).endswith(".out") else str(out)
    advanced = scenario == "advanced"

    def opt_file(key: str, flag: str | None, needed: bool) -> Path | None:
        if flag is not None and not _flag(cfg, flag):
            return None
        return _file(cfg, key, root, ini, required=needed)

    habitat = _file(cfg, "habitat_file", root, ini)
    assert habitat is not None
    network = data_type == "network"
    return CircuitscapeConfig(
        ini=ini, scenario=scenario, prefix=prefix, habitat_file=habitat,
        habitat_map_is_resistances=_flag(cfg, "habitat_map_is_resistances", True),
        mask_file=None if network else opt_file("mask_file", "use_mask", True),
        polygon_file=None if network else opt_file("polygon_file", "use_polygons", True),
        point_file=None if advanced else _file(cfg, "point_file", root, ini),
        source_file=_file(cfg, "source_file", root, ini) if advanced else None,
        ground_file=_file(cfg, "ground_file", root, ini) if advanced else None,
        included_pairs_file=None if advanced else opt_file("included_pairs_file", "use_included_pairs", True),
        variable_source_file=None if advanced or scenario == "pairwise"
        else opt_file("variable_source_file", "use_variable_source_strengths", True),
        four_neighbors=_flag(cfg, "connect_four_neighbors_only"),
        avg_resistances=_flag(cfg, "connect_using_avg_resistances", True),
        write_volt_maps=_flag(cfg, "write_volt_maps"),
        write_cur_maps=_flag(cfg, "write_cur_maps"),
        write_cum_cur_map_only=_flag(cfg, "write_cum_cur_map_only"),
        write_max_cur_maps=_flag(cfg, "write_max_cur_maps"),
        null_voltages=_flag(cfg, "set_null_voltages_to_nodata"),
        null_currents=_flag(cfg, "set_null_currents_to_nodata"),
        ground_file_is_resistances=_flag(cfg, "ground_file_is_resistances"),
        use_unit_currents=_flag(cfg, "use_unit_currents"),
        use_direct_grounds=_flag(cfg, "use_direct_grounds"),
        remove_src_or_gnd=cfg.get("remove_src_or_gnd", "keepall").lower(),
        data_type=data_type,
    )
