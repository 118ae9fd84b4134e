"""Circuitscape's own verified cases, run through ``habitatmap circuitscape`` from the folder that
holds ``input/`` and ``output/`` (as Circuitscape's suite does), compared as tightly as that suite
compares: every effective resistance within 1e-3, every written grid with a sum of squared
differences below 1e-6. The cases are Circuitscape.jl's (MIT), kept unchanged in
``tests/conformance/circuitscape``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from habitatmap.corridors.circuitscape.run import read_config

SUITE = Path(__file__).resolve().parents[1] / "conformance" / "circuitscape"
VERIFY = SUITE / "output_verify"
CASES = sorted(SUITE.glob("input/raster/*/*/*Verify*.ini"), key=lambda p: p.stem)


def _grid(path: Path) -> np.ndarray:
    return np.loadtxt(path, skiprows=6, ndmin=2)


def _true(cfg: dict[str, str], key: str) -> bool:
    return cfg.get(key, "").lower() in ("true", "1")


def test_every_bundled_case_is_found():
    names = {p.stem for p in CASES}
    assert {f"sgVerify{i}" for i in range(1, 18)} <= names
    assert {f"mgVerify{i}" for i in range(1, 8)} <= names
    assert {f"oneToAllVerify{i}" for i in range(1, 7)} | {f"allToOneVerify{i}" for i in range(1, 7)} <= names


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "input").symlink_to(SUITE / "input")
    (tmp_path / "output").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("ini", CASES, ids=[p.stem for p in CASES])
def test_case_matches_circuitscape(ini: Path, workdir: Path, cli):
    name = ini.stem
    result = cli("circuitscape", str(ini))
    assert result.exit_code == 0, result.output
    written = sorted((workdir / "output").glob(f"{name}_*"))
    assert written, "nothing written"
    compared = 0
    for f in written:
        if f.name.endswith("_resistances_3columns.out"):
            continue  # not compared by Circuitscape's suite; some verify copies predate include pairs
        ref = VERIFY / f.name
        assert ref.exists(), f"{f.name}: Circuitscape does not write this file"
        if f.suffix == ".asc":
            ours, theirs = _grid(f), _grid(ref)
            assert ours.shape == theirs.shape, f.name
            ssd = float(((ours - theirs) ** 2).sum())
            assert ssd < 1e-6, f"{f.name}: sum of squared differences {ssd:.3g}"
        else:
            ours, theirs = np.loadtxt(f, ndmin=2), np.loadtxt(ref, ndmin=2)
            np.testing.assert_array_equal(ours[0], theirs[0])  # the focal ids
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-3, err_msg=f.name)
        compared += 1
    assert compared == len(written) - sum(f.name.endswith("3columns.out") for f in written)

    # Every map Circuitscape writes for a connected pair must be there too.
    cfg = read_config(ini)
    res_ref = VERIFY / f"{name}_resistances.out"
    if cfg.get("scenario") == "pairwise" and res_ref.exists():
        mat = np.loadtxt(res_ref, ndmin=2)
        ids = mat[0, 1:].astype(int)
        kinds = []
        if _true(cfg, "write_volt_maps"):
            kinds.append("voltmap")
        if _true(cfg, "write_cur_maps") and not _true(cfg, "write_cum_cur_map_only"):
            kinds.append("curmap")
        names = {f.name for f in written}
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                if mat[i + 1, j + 1] > 0:
                    for kind in kinds:
                        want = f"{name}_{kind}_{ids[i]}_{ids[j]}.asc"
                        if (VERIFY / want).exists():
                            assert want in names, f"missing {want}"


def _ini(folder: Path, **over: str) -> Path:
    opts = {"data_type": "raster", "scenario": "pairwise", "habitat_file": "hab.asc",
            "habitat_map_is_resistances": "True", "point_file": "pts.txt",
            "output_file": "out/run.out", "write_volt_maps": "False", "write_cur_maps": "False"}
    opts.update(over)
    (folder / "out").mkdir(exist_ok=True)
    text = "[Circuitscape mode]\n" + "".join(f"{k} = {v}\n" for k, v in opts.items())
    path = folder / "run.ini"
    path.write_text(text)
    return path


def _asc(path: Path, grid: list[list[float]]) -> None:
    head = (f"ncols {len(grid[0])}\nnrows {len(grid)}\nxllcorner 0\nyllcorner 0\ncellsize 1\n"
            "NODATA_value -9999\n")
    path.write_text(head + "".join(" ".join(str(v) for v in row) + "\n" for row in grid))


@pytest.mark.parametrize(("grid", "points", "message"), [
    ([[1, 1, 0], [1, 1, 1]], "1 0.5 1.5\n2 2.5 0.5\n", "resistance 0"),
    ([[1, 1, -3], [1, 1, 1]], "1 0.5 1.5\n2 2.5 0.5\n", "negative resistance"),
    ([[1, 1, 1], [1, 1, 1]], "1 0.5 1.5\n2 7.5 0.5\n", "outside the habitat grid"),
    ([[1, 1, 1], [1, 1, 1]], "1 0.5 1.5\n", "fewer than two focal points"),
])
def test_bad_input_is_one_sentence_and_exit_2(tmp_path, monkeypatch, cli, grid, points, message):
    monkeypatch.chdir(tmp_path)
    _asc(tmp_path / "hab.asc", grid)
    (tmp_path / "pts.txt").write_text(points)
    result = cli("circuitscape", str(_ini(tmp_path)))
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


PAIRS = {"use_included_pairs": "True", "included_pairs_file": "pairs.txt"}
STRENGTHS = {"scenario": "one-to-all", "use_variable_source_strengths": "True",
             "variable_source_file": "strengths.txt"}


@pytest.mark.parametrize(("name", "body", "options", "message"), [
    ("pairs.txt", "min 2\nmax 50\n0 1 2\n1 0\n", PAIRS, "not an included-pairs file"),
    ("pairs.txt", "mode sometimes\n1 2\n", PAIRS, "not an included-pairs file"),
    ("strengths.txt", "1 strong\n", STRENGTHS, "'focal id, source strength'"),
    ("pts.txt", b"1 0.5 1.5\n2 2.5 0.5 \xff\n", {}, "is not UTF-8 text"),
])
def test_malformed_text_inputs_are_one_sentence(tmp_path, monkeypatch, cli, name, body, options, message):
    monkeypatch.chdir(tmp_path)
    _asc(tmp_path / "hab.asc", [[1, 1, 1], [1, 1, 1]])
    (tmp_path / "pts.txt").write_text("1 0.5 1.5\n2 2.5 0.5\n")
    target = tmp_path / name
    target.write_bytes(body) if isinstance(body, bytes) else target.write_text(body)
    result = cli("circuitscape", str(_ini(tmp_path, **options)))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_missing_input_names_the_file_and_where_it_was_looked_for(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    result = cli("circuitscape", str(_ini(tmp_path, habitat_file="nowhere/hab.asc")))
    assert result.exit_code == 2
    assert "nowhere/hab.asc does not exist" in result.output


def test_disconnected_pair_is_minus_one_not_a_crash(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    _asc(tmp_path / "hab.asc", [[1, -9999, 1], [1, -9999, 1]])
    (tmp_path / "pts.txt").write_text("1 0.5 1.5\n2 2.5 0.5\n3 0.5 0.5\n")
    result = cli("circuitscape", str(_ini(tmp_path)))
    assert result.exit_code == 0, result.output
    mat = np.loadtxt(tmp_path / "out" / "run_resistances.out")
    assert mat[1, 2] == -1 and mat[1, 3] == pytest.approx(1.0)



NETWORK_CASES = sorted(SUITE.glob("input/network/*Verify*.ini"), key=lambda p: p.stem)


def _sorted_rows(path: Path) -> np.ndarray:
    rows = np.loadtxt(path, ndmin=2)
    return rows[np.lexsort(rows[:, ::-1].T)] if rows.size else rows


@pytest.mark.parametrize("ini", [
    pytest.param(p, marks=pytest.mark.xfail(
        strict=True, reason="the verified sgNetworkVerify1_branch_currents_50_58.txt omits branch 55-64, "
                            "whose current its own voltages file puts at 2e-7 A, above Circuitscape's "
                            "1e-8-of-the-largest cut-off; every other file of the case matches"))
    if p.stem == "sgNetworkVerify1" else p for p in NETWORK_CASES], ids=[p.stem for p in NETWORK_CASES])
def test_network_case_matches_circuitscape(ini: Path, workdir: Path, cli):
    """Network (graph) mode, compared as Circuitscape.jl's test_utils compares: rows sorted, a sum of
    squared differences below 1e-6 for voltages and currents, resistances within 1e-3."""
    name = ini.stem
    result = cli("circuitscape", str(ini))
    assert result.exit_code == 0, result.output
    written = sorted((workdir / "output").glob(f"{name}_*"))
    assert any(f.name.endswith(("_voltages.txt", "_resistances.out")) for f in written)
    for f in written:
        if f.name.endswith("_resistances_3columns.out"):
            continue
        ref = VERIFY / f.name
        assert ref.exists(), f"{f.name}: Circuitscape does not write this file"
        if f.suffix == ".out":
            np.testing.assert_allclose(np.loadtxt(f, ndmin=2), np.loadtxt(ref, ndmin=2), rtol=0, atol=1e-3,
                                       err_msg=f.name)
            continue
        ours, theirs = _sorted_rows(f), _sorted_rows(ref)
        assert ours.shape == theirs.shape, f"{f.name}: {ours.shape} rows against {theirs.shape}"
        ssd = float(((ours - theirs) ** 2).sum())
        assert ssd < 1e-6, f"{f.name}: sum of squared differences {ssd:.3g}"


def test_every_network_case_is_found():
    expected = {f"{k}NetworkVerify{i}" for k in ("sg", "mg") for i in (1, 2, 3)}
    assert {p.stem for p in NETWORK_CASES} == expected
