"""``habitatmap circuitscape CONFIG.ini``."""

from __future__ import annotations

from habitatmap.cli.circuitscape import circuitscape


def test_runs_an_ini_and_names_what_it_wrote(cli, tmp_path, monkeypatch):
    (tmp_path / "h.asc").write_text("ncols 3\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\n"
                                    "NODATA_value -9999\n1 1 1\n")
    (tmp_path / "p.txt").write_text("1 0.5 0.5\n2 2.5 0.5\n")
    (tmp_path / "r.ini").write_text("[x]\nscenario = pairwise\nhabitat_file = h.asc\npoint_file = p.txt\n"
                                    "output_file = r.out\n")
    monkeypatch.chdir(tmp_path)
    r = cli("circuitscape", "r.ini")
    assert r.exit_code == 0 and "pairwise: 2 file(s) written" in r.stdout and "1 of 1 pairs" in r.stdout
    r = cli("circuitscape", "missing.ini")
    assert r.exit_code == 2 and "no such file" in r.stderr and callable(circuitscape)
