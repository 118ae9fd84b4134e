"""``habitatmap run``: plan, cached re-run, user errors as one sentence."""

from __future__ import annotations

from habitatmap.cli.run import BarObserver, plan_table, run, run_site
from habitatmap.workflow.runner import PlanEntry
from tests.conftest import ROOT

SITE = ROOT / "workflows" / "tumen.yaml"


def test_run_is_a_command(cli):
    r = cli("run", "--help")
    assert r.exit_code == 0 and "--plan" in r.stdout and "--scheduler" in r.stdout and "--workers" in r.stdout
    assert callable(run) and callable(run_site)


def test_plan_of_a_finished_run_says_cached_and_runs_nothing(cli, demo_run):
    out, _ = demo_run
    before = sorted(p.name for p in out.iterdir())
    r = cli("run", SITE, "--out", out, "--plan")
    assert r.exit_code == 0, r.stderr
    assert "0 of 31 steps would run; nothing was run (--plan)." in r.stdout.replace("\n", " ")
    assert sorted(p.name for p in out.iterdir()) == before


def test_unchanged_rerun_is_all_cached(cli, demo_run):
    out, _ = demo_run
    r = cli("run", SITE, "--out", out)
    assert r.exit_code == 0, r.stderr
    assert "Ran 0 step(s), 31 cached" in r.stdout


def test_user_errors_are_one_sentence(cli, tmp_path, site_copy):
    r = cli("run", SITE, "--out", tmp_path / "o", "--only", "nonsense")
    assert r.exit_code == 2 and "--only nonsense: no such step" in r.stderr
    bad = site_copy("max_cloud: 60", "max_cloud: -1")
    r = cli("run", bad, "--out", tmp_path / "o")
    assert r.exit_code == 2 and "line" in r.stderr and "site.scenes.max_cloud" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli("run", SITE, "--out", tmp_path / "o", "--workers", "0")
    assert r.exit_code == 2
    r = cli("run", SITE, "--out", tmp_path / "o", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9")
    assert r.exit_code == 2 and "exclude each other" in r.stderr
    (tmp_path / "file").write_text("x")
    r = cli("run", SITE, "--out", tmp_path / "file")
    assert r.exit_code == 2


def test_plan_table_and_bars():
    table = plan_table([PlanEntry("a", "cached", "unchanged"), PlanEntry("b", "missing", "never ran", False)])
    assert table.row_count == 2
    bars = BarObserver()
    bars.planned([PlanEntry("a", "missing", "never ran")])
    bars.started("a")
    bars.progress("a", 1, 2)
    bars.finished("a", "ran", 0.1)
    bars.close()
    assert bars.bars.tasks[0].completed == 2


def test_plan_of_a_real_site_names_what_the_user_must_supply(cli, tmp_path):
    """The shipped real sites plan offline: every step missing, the training file named."""
    for name in ("lesser_khingan", "altai_sayan", "altyn_emel"):
        r = cli("run", ROOT / "workflows" / f"{name}.yaml", "--out", tmp_path / name, "--plan")
        assert r.exit_code == 0, r.stderr
        text = " ".join(r.stdout.split())
        assert "nothing was run (--plan)" in text and "training.gpkg" in text
        assert not (tmp_path / name / "items.json").exists()


def test_a_copied_site_file_pointing_at_its_own_files(cli, tmp_path):
    """What a new user does: copy tumen.yaml elsewhere, drop the sample line, point every path at
    their files (absolute here); every step plans to run, no input is missing."""
    text = SITE.read_text(encoding="utf-8").replace("  sample: ../sample_data/tumen\n", "")
    text = text.replace("../sample_data/", f"{ROOT / 'sample_data'}/")
    for name in ("tumen_aoi.geojson", "tumen_mapping.yaml"):
        text = text.replace(f" {name}", f" {ROOT / 'workflows' / name}")
    mine = tmp_path / "my_site" / "site.yaml"
    mine.parent.mkdir()
    mine.write_text(text, encoding="utf-8")
    r = cli("run", mine, "--out", tmp_path / "out", "--plan")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.count("missing: never ran") == 31 and "not found" not in r.stdout
