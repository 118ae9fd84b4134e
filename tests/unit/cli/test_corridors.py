"""``habitatmap corridors resistance|leastcost|circuit|border`` (library: tests/unit/corridors)."""

from __future__ import annotations

from habitatmap.cli.corridors import border, circuit, leastcost, resistance


def test_the_corridor_commands_take_the_shared_options(cli):
    for fn, name in ((resistance, "resistance"), (leastcost, "leastcost"), (circuit, "circuit"),
                     (border, "border")):
        r = cli("corridors", name, "--help")
        assert r.exit_code == 0 and "--allow-ballpark" in r.stdout and callable(fn)


def test_bad_options_are_one_sentence(cli, tmp_path):
    r = cli("corridors", "circuit", "-r", tmp_path / "r.tif", "--out", tmp_path / "o", "--solver", "magic")
    assert r.exit_code == 2 and "--solver 'magic'" in r.stderr
    r = cli("corridors", "resistance", tmp_path / "h.tif", "--species", "cat", "--out", tmp_path / "r.tif",
            "--barrier", "roads.gpkg")
    assert r.exit_code == 2 and "--barrier 'roads.gpkg': no finite resistance after the last ':'" in r.stderr
