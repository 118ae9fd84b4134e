"""Omniscape .ini files read as Omniscape reads them, with warnings where it would stay silent."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from habitatmap.corridors.omniscape.options import (
    KNOWN_KEYS,
    OmniscapeOptions,
    check_options,
    options_from_config,
    parse_conditions,
    read_ini,
)
from habitatmap.errors import ConfigError, HabitatmapWarning, InputDataError


def _ini(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "run.ini"
    p.write_text(text, encoding="utf-8")
    return p


def _load(path: Path) -> OmniscapeOptions:
    return options_from_config(read_ini(path), path, base=path.parent)


def test_sections_are_ignored_and_the_last_assignment_wins(tmp_path):
    p = _ini(tmp_path, "[Required]\nresistance_file = r.asc\nradius = 5\n\n# a comment\n"
                       "[Other]\nradius = 7\nproject_name = out\nsource_from_resistance = true\n")
    cfg = read_ini(p)
    assert cfg["radius"] == ("7", 7)
    opts = _load(p)
    assert opts.radius == 7 and opts.resistance_file == tmp_path / "r.asc"
    assert opts.source_from_resistance and opts.source_file is None


def test_defaults_are_omniscapes(tmp_path):
    opts = _load(_ini(tmp_path, "resistance_file = r.tif\nsource_file = s.tif\nradius = 10\n"
                                "project_name = p\n"))
    assert (opts.block_size, opts.buffer, opts.source_threshold) == (1, 0, 0.0)
    assert math.isinf(opts.r_cutoff)
    assert opts.correct_artifacts and opts.write_raw_currmap and opts.write_as_tif and opts.mask_nodata
    assert not (opts.calc_flow_potential or opts.calc_normalized_current or opts.conditional)
    assert not opts.corrects  # blocks of one cell are never corrected
    assert opts.precision == "double" and opts.compare_to_future == "none"


def test_an_even_block_size_becomes_the_next_odd_one(tmp_path):
    p = _ini(tmp_path, "resistance_file = r.tif\nsource_file = s.tif\nradius = 10\nproject_name = p\n"
                       "block_size = 4\n")
    with pytest.warns(HabitatmapWarning, match="block_size 4 is even"):
        opts = _load(p)
    assert opts.block_size == 5 and opts.block_radius == 2 and opts.corrects


def test_unknown_keys_solver_and_flags_omniscape_reads_as_false_are_warned(tmp_path):
    p = _ini(tmp_path, "resistance_file = r.tif\nsource_file = s.tif\nradius = 3\nproject_name = p\n"
                       "foo = 1\nsolver = wrong\ncalc_flow_potential = yes\n")
    with pytest.warns(HabitatmapWarning) as record:
        opts = _load(p)
    text = " ".join(str(w.message) for w in record)
    assert "foo" in text and "'wrong'" in text and "counts as false" in text
    assert not opts.calc_flow_potential
    assert {"radius", "block_size", "reclass_table", "compare_to_future"} <= KNOWN_KEYS


def test_older_spellings_are_accepted(tmp_path):
    p = _ini(tmp_path, "resistance_file = r.tif\nresistance_file_is_conductance = true\nsource_file = s.tif\n"
                       "radius = 3\nproject_name = p\nconditional = true\ncondition1_present_file = t.asc\n"
                       "comparison1 = equals\n")
    opts = _load(p)
    assert opts.resistance_is_conductance and opts.comparison1 == "equal"
    assert opts.condition_files() == (tmp_path / "t.asc", tmp_path / "t.asc", None, None)


def test_future_conditions_replace_the_present_ones_only_where_asked(tmp_path):
    p = _ini(tmp_path, "resistance_file = r.tif\nsource_file = s.tif\nradius = 3\nproject_name = p\n"
                       "conditional = true\nn_conditions = 2\ncompare_to_future = 2\ncondition1_file = a\n"
                       "condition1_future_file = af\ncondition2_file = b\ncondition2_future_file = bf\n")
    assert _load(p).condition_files() == (tmp_path / "a", tmp_path / "a", tmp_path / "b", tmp_path / "bf")


@pytest.mark.parametrize("text, message", [
    ("radius = 5\nproject_name = p\n", "resistance_file missing"),
    ("resistance_file = r\nradius = five\nproject_name = p\nsource_file = s\n", "line 2: radius = 'five'"),
    ("resistance_file = r\nradius = 0\nproject_name = p\nsource_file = s\n", "at least 1"),
    ("resistance_file = r\nradius = 3\nproject_name = p\n", "no source file"),
    ("resistance_file = r\nradius = 3\nproject_name = p\nsource_file = s\ncomparison1 = near\n",
     "within or equal"),
    ("resistance_file = r\nradius = 3\nproject_name = p\nsource_file = s\nconditional = true\n",
     "needs condition1_file"),
    ("resistance_file = r\nradius = 3\nproject_name = p\nsource_file = s\nreclassify_resistance = true\n",
     "reclass_table is not set"),
    ("resistance_file = r\nradius = 3\nproject_name = p\nsource_file = s\ncompare_to_future = 3\n",
     "none, 1, 2"),
])
def test_bad_configurations_are_one_sentence(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        _load(_ini(tmp_path, text))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputDataError, match="no such file"):
        read_ini(tmp_path / "none.ini")


def test_check_options_and_command_line_conditions(tmp_path):
    opts = OmniscapeOptions(radius=5, resistance_file=tmp_path / "r.tif", source_from_resistance=True,
                            **parse_conditions(["t.tif,tf.tif:within:-1:2", "lc.tif:equal"]))
    check_options(opts)
    assert opts.conditional and opts.n_conditions == 2 and opts.compare_to_future == "1"
    assert (opts.condition1_lower, opts.condition1_upper, opts.comparison2) == (-1.0, 2.0, "equal")
    assert parse_conditions([]) == {}
    for bad in (["a:within:1"], ["a:near"], ["a:within:2:1"], ["a:equal", "b:equal", "c:equal"]):
        with pytest.raises(ConfigError):
            parse_conditions(bad)
    with pytest.raises(ConfigError, match="odd"):
        check_options(OmniscapeOptions(radius=5, block_size=2, resistance_file=tmp_path / "r",
                                       source_from_resistance=True))
    params = opts.parameters()
    assert params["radius"] == 5 and "resistance_file" not in params
