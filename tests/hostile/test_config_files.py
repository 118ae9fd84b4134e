"""Hostile configuration files: legend, crosswalk, mapping and site YAML, Circuitscape .ini."""

from __future__ import annotations

import pytest
import yaml

from tests.hostile.conftest import ROOT, SAMPLE, Tree, refused

LEGEND = ROOT / "styles" / "legend.yaml"
MAPPING = ROOT / "workflows" / "tumen_mapping.yaml"
CROSSWALK = ROOT / "styles" / "crosswalks" / "ru_forest_inventory.yaml"
TRAINING = SAMPLE / "samples" / "training_points.gpkg"


def _bomb(levels: int = 9) -> str:
    """Nested aliases: 'billion laughs', a few kilobytes that expand 10**levels times."""
    lines = ["a0: &a0 [" + ",".join(["lol"] * 10) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


# --- the legend (--legend and legend check) -------------------------------------------------------

@pytest.mark.parametrize(("text", "expect"), [
    (_bomb(), "an anchor (&a0) at line 1 is not accepted"),
    ("legend: !!python/object/apply:os.system ['touch {pwn}']\nclasses: []\n", "is not accepted"),
    ("42\n", "not a habitat legend"),
    ("[" * 5000 + "]" * 5000, "nesting"),
    ("legend: {id: x}\nclasses: [{code: .nan}]\n", "legend.yaml"),
    ("legend:\n  id: " + "x" * 100_000 + "\nclasses: 3\n", "legend.yaml"),
    ("", "not a habitat legend"),
], ids=["alias-bomb", "python-tag", "scalar", "deep-nesting", "nan-code", "huge-value", "empty"])
def test_hostile_legend_files(cli, tmp_path, text, expect):
    bad = tmp_path / "legend.yaml"
    bad.write_text(text.replace("{pwn}", str(tmp_path / "pwned")), encoding="utf-8")
    tree = Tree(tmp_path)
    refused(cli("legend", "check", bad), str(bad), expect)
    refused(cli("--legend", bad, "legend", "show"), str(bad))
    assert not (tmp_path / "pwned").exists()
    tree.unchanged()


def test_legend_resistance_nan_and_inf_are_refused(cli, tmp_path):
    doc = yaml.safe_load(LEGEND.read_text(encoding="utf-8"))
    species = next(iter(doc["classes"][0]["resistance"]))
    for value in (".nan", ".inf", "-.inf"):
        text = LEGEND.read_text(encoding="utf-8")
        d = yaml.safe_load(text)
        d["classes"][0]["resistance"][species]["value"] = float(value.replace(".", "").replace("inf", "inf"))
        bad = tmp_path / f"legend_{value.strip('.-')}.yaml"
        bad.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
        msg = refused(cli("legend", "check", bad), str(bad), "value")
        assert "finite" in msg


def test_legend_is_a_folder_or_binary(cli, tmp_path):
    refused(cli("legend", "check", tmp_path), str(tmp_path), "folder")
    binary = tmp_path / "legend.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x01" * 100)
    refused(cli("legend", "check", binary), str(binary), "UTF-8")


def test_legend_export_out_is_a_folder(cli, tmp_path):
    (tmp_path / "legend.qml").mkdir()
    tree = Tree(tmp_path)
    refused(cli("legend", "export", "--format", "qml", "--out", tmp_path / "legend.qml"), "legend.qml")
    tree.unchanged()


def test_legend_unknown_language_and_format_are_short(cli, tmp_path):
    msg = refused(cli("legend", "show", "--lang", "x" * 10_000), "unknown language")
    assert len(msg) < 200
    refused(cli("legend", "export", "--format", "<script>", "--out", tmp_path / "x"), "export format")


# --- crosswalks and mappings ----------------------------------------------------------------------

def test_crosswalk_alias_bomb_gives_a_short_sentence(cli, tmp_path, products):
    """A 425-byte crosswalk made a 7.2 MB error 'sentence'."""
    bomb = tmp_path / "xwalk.yaml"
    bomb.write_text("crosswalk: {id: x}\n" + _bomb(6).replace("a5:", "classes:"), encoding="utf-8")
    out = tmp_path / "out"
    msg = refused(cli("classify", products / "composite_summer.tif", "--training", TRAINING,
                      "--crosswalk", bomb, "--out", out / "h.tif"), str(bomb))
    assert len(msg) < 300 and not out.exists()


@pytest.mark.parametrize(("classes", "expect"), [
    ({"сосняк": ["forest"] * 1000}, "must be text"),
    ({"сосняк": {"a": 1}}, "must be text"),
    ({"сосняк": "x" * 50_000}, "characters long"),
    ({"сосняк": "no_such_key"}, "not a key of legend"),
], ids=["list-target", "mapping-target", "huge-target", "unknown-key"])
def test_hostile_crosswalk_values(cli, tmp_path, products, classes, expect):
    bad = tmp_path / "xwalk.yaml"
    bad.write_text(yaml.safe_dump({"crosswalk": {"id": "x"}, "classes": classes}, allow_unicode=True),
                   encoding="utf-8")
    refused(cli("classify", products / "composite_summer.tif", "--training", TRAINING, "--crosswalk", bad,
                "--out", tmp_path / "h.tif"), str(bad), expect)
    assert not (tmp_path / "h.tif").exists()


def _mapping_with(change) -> str:
    doc = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    change(doc)
    return yaml.safe_dump(doc, allow_unicode=True)


@pytest.mark.parametrize(("text", "expect"), [
    (MAPPING.read_text(encoding="utf-8").replace("layers:", "lol: &l [1,2,3]\nlols: [*l, *l]\nlayers:"),
     "is not accepted"),
    (_mapping_with(lambda d: d["layers"]["ru_leopard_np.shp"].update(constants={"name_en": ["x"] * 10**5})),
     "input should be a valid string"),
    (_mapping_with(lambda d: d["layers"]["ru_leopard_np.shp"].update(country=["RUS"])), "country"),
    (_mapping_with(lambda d: d.update(layers=["a", "b"])), "no 'layers' mapping"),
    (_mapping_with(lambda d: d["layers"].update({"x.shp": None})), "valid dictionary"),
], ids=["alias", "list-constant", "list-country", "layers-list", "null-entry"])
def test_hostile_mapping_files(cli, tmp_path, text, expect):
    bad = tmp_path / "mapping.yaml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "basemap.gpkg"
    msg = refused(cli("basemap", "--layer", SAMPLE / "boundaries" / "ru_leopard_np.shp",
                      "--mapping", bad, "--out", out), str(bad), expect)
    assert len(msg) < MAX_SHORT and not out.exists()


MAX_SHORT = 400


def test_site_file_that_is_hostile(cli, tmp_path):
    site = tmp_path / "workflows" / "evil.yaml"
    site.parent.mkdir()
    site.write_text("site: &s {id: x}\nother: *s\n", encoding="utf-8")
    out = tmp_path / "demo"
    refused(cli("demo", "--workflow", site, "--out", out), str(site), "is not accepted")
    assert not out.exists()


# --- Circuitscape .ini ----------------------------------------------------------------------------

def _ini(tmp_path, **options) -> tuple:
    """A minimal pairwise .ini over a 3 x 3 grid in ``tmp_path``, with ``options`` overriding."""
    (tmp_path / "cells.asc").write_text("ncols 3\nnrows 3\nxllcorner 0\nyllcorner 0\ncellsize 1\n"
                                        "NODATA_value -9999\n1 1 1\n1 1 1\n1 1 1\n")
    (tmp_path / "points.txt").write_text("1 0.5 0.5\n2 2.5 2.5\n")
    (tmp_path / "output").mkdir(exist_ok=True)
    opts = {"data_type": "raster", "scenario": "pairwise", "habitat_file": "cells.asc",
            "point_file": "points.txt", "output_file": "output/run.out", **options}
    ini = tmp_path / "run.ini"
    ini.write_text("[Options]\n" + "".join(f"{k} = {v}\n" for k, v in opts.items()), encoding="utf-8")
    return ini, tmp_path / "output"


def test_the_minimal_ini_runs(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ini, output = _ini(tmp_path)
    assert cli("circuitscape", ini).exit_code == 0
    assert (output / "run_resistances.out").is_file()


@pytest.mark.parametrize(("options", "files", "expect"), [
    ({"habitat_file": "/etc/passwd"}, {}, "passwd"),
    ({"habitat_file": "/vsicurl/http://example.invalid/x.asc"}, {}, "GDAL virtual paths"),
    ({"habitat_file": "big.asc"}, {"big.asc": "ncols 200000\nnrows 200000\nxllcorner 0\nyllcorner 0\n"
                                              "cellsize 1\nNODATA_value -9999\n1 1\n"}, "big.asc"),
    ({"habitat_file": "nanhead.asc"}, {"nanhead.asc": "ncols 3\nnrows 3\nxllcorner nan\nyllcorner 0\n"
                                                      "cellsize nan\n1 1 1\n1 1 1\n1 1 1\n"}, "nanhead.asc"),
    ({"habitat_file": "short.asc"}, {"short.asc": "ncols 3\nnrows 3\nxllcorner 0\nyllcorner 0\n"
                                                  "cellsize 1\n1 1\n"}, "short.asc"),
    ({"point_file": "nanpts.txt"}, {"nanpts.txt": "1 nan 0.5\n2 2.5 inf\n"}, "finite numbers"),
    ({"point_file": "farpts.txt"}, {"farpts.txt": "1 1e300 0.5\n2 -1e300 2.5\n"}, "outside the habitat grid"),
    ({"scenario": "pairwise\x00"}, {}, "scenario"),
    ({"use_included_pairs": "True", "included_pairs_file": "pairs.txt"},
     {"pairs.txt": "mode include\n1 1e999\n"}, "included-pairs"),
    ({"output_file": "nowhere/x.out"}, {}, "output folder"),
], ids=["etc-passwd", "vsicurl", "huge-header", "nan-header", "short-grid", "nan-points", "far-points",
        "nul-scenario", "inf-pair", "no-output-folder"])
def test_hostile_ini_inputs(cli, tmp_path, monkeypatch, options, files, expect):
    monkeypatch.chdir(tmp_path)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    ini, output = _ini(tmp_path, **options)
    tree = Tree(output)
    refused(cli("circuitscape", ini), expect)
    tree.unchanged()


def test_an_ini_that_is_not_an_ini(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "x.ini"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    refused(cli("circuitscape", bad), str(bad))
    bad.write_text("no section header here\nkey = value\n")
    refused(cli("circuitscape", bad), str(bad), "not a valid .ini file")
