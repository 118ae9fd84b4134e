"""``habitatmap classify`` and ``habitatmap accuracy`` (library: tests/unit/habitat)."""

from __future__ import annotations

from habitatmap.cli.classify import accuracy, accuracy_app, accuracy_design, classify


def test_classify_and_accuracy(cli, world, tmp_path):
    comp, training, reference, _ = world
    r = cli("classify", comp, "--training", training, "--out", tmp_path / "h.tif", "--threads", "1",
            "--report", tmp_path / "rep")
    assert r.exit_code == 0, r.stderr
    assert "trained rf on" in r.stdout and "spatial block cross-validation" in r.stdout
    r = cli("accuracy", tmp_path / "h.tif", "--reference", reference, "--out", tmp_path / "acc", "--lang",
            "zh")
    assert r.exit_code == 0, r.stderr
    assert "精度报告" in (tmp_path / "acc" / "report.md").read_text(encoding="utf-8")
    r = cli("classify", comp, "--out", tmp_path / "x.tif")
    assert r.exit_code == 2 and "--training is required" in r.stderr
    assert callable(accuracy) and callable(classify)


def test_accuracy_group_routes_to_assess_by_default(cli, tmp_path):
    """'accuracy MAP ...' is still the assessment; 'accuracy design' is a subcommand."""
    assert callable(accuracy_design) and accuracy_app is not None
    r = cli("accuracy", tmp_path / "none.tif", "--reference", tmp_path / "r.gpkg", "--out", tmp_path / "o")
    assert r.exit_code == 2 and "none.tif" in r.stderr
    r = cli("accuracy", "design", tmp_path / "none.tif", "--out", tmp_path / "s.gpkg")
    assert r.exit_code == 2 and "none.tif" in r.stderr
    r = cli("accuracy", "design", tmp_path / "none.tif", "--out", tmp_path / "s.gpkg", "--target-se", "1.5")
    assert r.exit_code == 2 and "--target-se" in r.stderr
