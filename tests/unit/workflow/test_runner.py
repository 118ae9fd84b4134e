"""The runner: cache keys, plans that say why, reruns of what changed only, resuming, --only/--force.

A three-step graph of real files (A reads an input file; B reads A's output; C reads A's output
but writes a constant) shows each rule with nothing else in the way.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from habitatmap.errors import ConfigError, InputDataError
from habitatmap.workflow.runner import (
    CACHED,
    CHANGED,
    MISSING,
    PlanEntry,
    RunObserver,
    RunResult,
    plan,
    run_workflow,
    select_steps,
    step_key,
)
from habitatmap.workflow.steps import Step, StepContext, StepOutcome


class Recorder(RunObserver):
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def planned(self, entries):
        self.events.append(("planned", len(entries)))

    def started(self, step):
        self.events.append(("started", step))

    def progress(self, step, done, total):
        self.events.append(("progress", step, done, total))

    def finished(self, step, status, seconds):
        self.events.append(("finished", step, status))


def graph(src: Path, *, suffix: str = "", fail_b: BaseException | None = None) -> list[Step]:
    def a(ctx: StepContext) -> StepOutcome:
        (ctx.out / "a.txt").write_text(src.read_text() + suffix)
        ctx.progress(1, 1)
        return StepOutcome(["a.txt"], facts={"len": len(src.read_text())})

    def b(ctx: StepContext) -> StepOutcome:
        text = (ctx.out / "a.txt").read_text() + "!"
        if fail_b is not None:
            (ctx.out / "b.txt.partial").write_text("half")
            raise fail_b
        (ctx.out / "b").mkdir(exist_ok=True)
        (ctx.out / "b" / "b.txt").write_text(text)
        return StepOutcome(["b"], facts={"a_len": ctx.facts["a"]["len"]})

    def c(ctx: StepContext) -> StepOutcome:
        (ctx.out / "c.txt").write_text("constant")
        return StepOutcome(["c.txt"])

    return [Step("a", (), {"suffix": suffix}, {"source": src}, a),
            Step("b", ("a",), {}, {}, b),
            Step("c:one", ("a",), {}, {}, c)]


def run(src, out, **kw):
    steps_kw = {k: kw.pop(k) for k in ("suffix", "fail_b") if k in kw}
    return run_workflow(None, None, out, steps=graph(src, **steps_kw), **kw)


@pytest.fixture()
def src(tmp_path):
    p = tmp_path / "input.txt"
    p.write_text("hello")
    return p


def states(entries: list[PlanEntry]) -> dict[str, str]:
    return {e.step: e.status for e in entries}


def test_first_run_then_everything_cached(src, tmp_path):
    out = tmp_path / "out"
    obs = Recorder()
    first = run(src, out, observer=obs)
    assert isinstance(first, RunResult) and first.ran == ["a", "b", "c:one"]
    assert (out / "b" / "b.txt").read_text() == "hello!" and first.facts["b"] == {"a_len": 5}
    assert ("progress", "a", 1, 1) in obs.events and ("finished", "b", "ran") in obs.events
    again = run(src, out)
    assert again.ran == [] and states(again.plan) == {"a": CACHED, "b": CACHED, "c:one": CACHED}
    assert again.facts["b"] == {"a_len": 5}  # findings of cached steps come from their records
    assert "unchanged since" in again.plan[0].reason


def test_a_changed_parameter_reruns_its_step_and_what_reads_it(src, tmp_path):
    out = tmp_path / "out"
    run(src, out)
    entries = plan(graph(src, suffix="+"), out)
    assert states(entries) == {"a": CHANGED, "b": CHANGED, "c:one": CHANGED}
    assert entries[0].reason == 'changed: parameter suffix "" -> "+"'
    assert entries[1].reason == "changed: reruns if the outputs of a change"
    result = run(src, out, suffix="+")
    assert result.ran == ["a", "b", "c:one"] and (out / "b" / "b.txt").read_text() == "hello+!"


def test_identical_outputs_stop_the_rerun(src, tmp_path):
    """A forced step that writes the same bytes leaves the steps after it cached."""
    out = tmp_path / "out"
    run(src, out)
    assert run(src, out, force=["a"]).ran == ["a"]


def test_a_changed_input_file_is_named(src, tmp_path):
    out = tmp_path / "out"
    run(src, out)
    src.write_text("HELLO")
    entries = plan(graph(src), out)
    assert entries[0].reason.startswith("changed: input source") and entries[0].status == CHANGED
    assert run(src, out).ran == ["a", "b", "c:one"]


def test_a_deleted_or_edited_output_reruns_only_its_step(src, tmp_path):
    out = tmp_path / "out"
    run(src, out)
    (out / "b" / "b.txt").unlink()
    entries = plan(graph(src), out)
    assert states(entries) == {"a": CACHED, "b": MISSING, "c:one": CACHED}
    assert entries[1].reason == "missing: its output b/b.txt was deleted"
    assert run(src, out).ran == ["b"]
    (out / "c.txt").write_text("edited by hand")
    entries = plan(graph(src), out)
    assert entries[2].reason == "changed: its output c.txt was modified after it was written"
    assert run(src, out).ran == ["c:one"] and (out / "c.txt").read_text() == "constant"


def test_an_interrupted_run_resumes_at_the_interrupted_step(src, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run(src, out, fail_b=KeyboardInterrupt())
    entries = plan(graph(src), out)
    assert states(entries) == {"a": CACHED, "b": MISSING, "c:one": MISSING}
    assert run(src, out).ran == ["b", "c:one"]


def test_only_and_force(src, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=r"step b needs a, which is missing and not in --only"):
        run(src, out, only=["b"])
    assert run(src, out, only=["a"]).ran == ["a"]
    assert run(src, out, only=["c"]).ran == ["c:one"]  # a kind names all its steps
    entries = plan(graph(src), out, force=["b"])
    assert entries[1].reason == "changed: forced (--force)" and entries[1].runs
    assert run(src, out, force=["b"]).ran == ["b"]
    assert not plan(graph(src), out, only=["a"])[1].selected


def test_missing_input_is_reported_by_the_plan_and_stops_the_run(src, tmp_path):
    src.unlink()
    entries = plan(graph(src), tmp_path / "out")
    assert entries[0].status == MISSING and "input.txt: not found (the source of step a)" in entries[0].reason
    with pytest.raises(InputDataError, match=r"input.txt: not found \(the source of step a\); correct"):
        run(src, tmp_path / "out")


def test_select_steps_and_step_key(src):
    steps = graph(src)
    assert select_steps(steps, ["c", "a"], "--only") == {"a", "c:one"}
    assert select_steps(steps, ["c:*"], "--only") == {"c:one"}
    with pytest.raises(ConfigError, match=r"--only d: no such step; the steps of this site are a, b, c:one"):
        select_steps(steps, ["d"], "--only")
    key = step_key(steps[0], {"source": "x"}, {})
    assert key == step_key(steps[0], {"source": "x"}, {}) and len(key) == 64
    assert key != step_key(steps[0], {"source": "y"}, {})
    assert key != step_key(graph(src, suffix="+")[0], {"source": "x"}, {})


def test_scheduler_and_workers_exclude_each_other(src, tmp_path):
    with pytest.raises(ConfigError, match="--scheduler and --workers exclude each other"):
        run(src, tmp_path / "out", scheduler="tcp://127.0.0.1:1", workers=2)


def test_records_are_json_with_the_key_parts(src, tmp_path):
    out = tmp_path / "out"
    run(src, out)
    rec = json.loads((out / ".habitatmap" / "steps" / "c--one.json").read_text())
    assert rec["schema"] == "habitatmap-step/1" and set(rec["deps"]) == {"a"}
    assert rec["outputs"]["c.txt"]["size"] == 8
