"""``habitatmap corridors resistance|leastcost|circuit|border|omniscape`` (library: tests/unit/corridors)."""

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


def test_omniscape_runs_on_a_resistance_cog_and_refuses_bad_options(cli, tmp_path):
    import numpy as np
    import rasterio

    from habitatmap.cli.corridors import omniscape
    from tests.unit.corridors.omniscape.conftest import write_tif

    assert callable(omniscape)
    rng = np.random.default_rng(2)
    res = write_tif(tmp_path / "r.tif", np.exp(rng.normal(size=(20, 24))))
    temp = write_tif(tmp_path / "t.tif", rng.normal(size=(20, 24)))
    out = tmp_path / "omni"
    r = cli("corridors", "omniscape", "-r", res, "--sources-from-resistance", "--r-cutoff", "3",
            "--radius", "4",
            "--block-size", "2", "--condition", f"{temp}:within:-1:1", "--out", out)
    assert r.exit_code == 0, r.output
    assert "block size 2 is even; using 3" in r.stdout
    with rasterio.open(out / "normalized_cum_currmap.tif") as ds:
        assert np.nanmax(ds.read(1)) > 0
    r = cli("corridors", "omniscape", "-r", res, "--radius", "4", "--out", out)
    assert r.exit_code == 2 and "no sources" in r.stderr
    r = cli("corridors", "omniscape", "-r", res, "--sources-from-resistance", "--radius", "4", "--out", out,
            "--condition", "t.tif:near")
    assert r.exit_code == 2 and "PRESENT[,FUTURE]:within:LOW:HIGH" in r.stderr
    r = cli("corridors", "omniscape", "-r", tmp_path / "none.tif", "--sources-from-resistance",
            "--radius", "4",
            "--out", out)
    assert r.exit_code == 2 and "none.tif" in r.stderr and "Traceback" not in r.stderr


def test_circuit_on_a_patch_graph(cli, tmp_path):
    table = tmp_path / "corridors.csv"
    table.write_text("core_a,name_a,core_b,name_b,linked,lcd\n1,West,2,East,True,300\n2,East,3,North,True,100\n",
                     encoding="utf-8")
    r = cli("corridors", "circuit", "--network", table, "--out", tmp_path / "g")
    assert r.exit_code == 0, r.output
    assert "West - North: 400" in r.stdout and "node carrying most current: East" in r.stdout
    r = cli("corridors", "circuit", "--network", table, "--focal-nodes", "1,x", "--out", tmp_path / "g")
    assert r.exit_code == 2 and "--focal-nodes '1,x'" in r.stderr
    r = cli("corridors", "circuit", "--out", tmp_path / "g")
    assert r.exit_code == 2 and "no --resistance" in r.stderr
