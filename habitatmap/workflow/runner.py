"""``habitatmap run``: a site's steps in order, each skipped when its cache key is unchanged.

A step's cache key is the canonical hash (:meth:`habitatmap.provenance.Provenance.canonical_hash`)
of a provenance record holding the step's parameters, the checksums of its external inputs, the
checksums of the outputs of the steps it depends on and the habitatmap version. So a changed
parameter reruns its step; if the step's outputs then come out different, the steps that read them
rerun too, and if they come out byte-identical, those steps stay cached. A step whose outputs were
deleted or edited since it ran reruns. A step's record is written after its outputs, so an
interrupted run resumes at the step it was in (a pull also resumes scene by scene).

:func:`plan` says for every step *cached*, *changed* (and why) or *missing* without running
anything; :func:`run_workflow` runs what the plan says, on one dask client for the whole run (a
local cluster by default, ``scheduler`` for a running ``dask.distributed`` cluster), and returns one
:class:`RunResult`. The run folder also gets ``catalog.json`` (the products as a STAC catalog),
``summary.json`` (what the steps found) and ``provenance.json`` (the run's record with every step's).
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from habitatmap import __version__
from habitatmap.errors import ConfigError, InputDataError
from habitatmap.provenance import Provenance
from habitatmap.workflow.cache import (
    Checksums,
    StepRecord,
    output_entries,
    outputs_problem,
    read_record,
    write_record,
)
from habitatmap.workflow.steps import Step, StepContext

__all__ = ["CACHED", "CHANGED", "MISSING", "PlanEntry", "RunObserver", "RunResult", "plan", "run_workflow",
           "select_steps", "step_key"]

CACHED, CHANGED, MISSING = "cached", "changed", "missing"


@dataclass
class PlanEntry:
    """One step's state: ``status`` (cached / changed / missing), why, and whether it will run."""

    step: str
    status: str
    reason: str
    selected: bool = True

    @property
    def runs(self) -> bool:
        """True if a run with this plan executes the step."""
        return self.selected and self.status != CACHED


class RunObserver:
    """Callbacks a run reports through (the CLI draws one progress bar per step from them)."""

    def planned(self, entries: list[PlanEntry]) -> None:
        """The plan, before anything runs."""

    def started(self, step: str) -> None:
        """A step starts running."""

    def progress(self, step: str, done: int, total: int) -> None:
        """A running step's progress in its own units (blocks, scenes)."""

    def finished(self, step: str, status: str, seconds: float) -> None:
        """A step ran (``ran``) or was skipped (``cached``)."""


@dataclass
class RunResult:
    """What a run did: the plan it started from, the steps it ran, every step's record."""

    out: Path
    plan: list[PlanEntry]
    ran: list[str] = field(default_factory=list)
    records: dict[str, StepRecord] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def facts(self) -> dict[str, dict[str, Any]]:
        """Each step's findings by step name."""
        return {name: rec.facts for name, rec in self.records.items()}


def _matches(token: str, step: Step) -> bool:
    return fnmatch.fnmatchcase(step.name, token) or step.kind == token


def select_steps(steps: list[Step], tokens: list[str], option: str) -> set[str]:
    """Names of the steps that ``tokens`` name (a name, a kind such as ``composite``, or a glob).

    Raises
    ------
    ConfigError
        If a token names no step.
    """
    chosen: set[str] = set()
    for token in tokens:
        hit = {s.name for s in steps if _matches(token, s)}
        if not hit:
            raise ConfigError(f"{option} {token}: no such step; the steps of this site are "
                              f"{', '.join(s.name for s in steps)}.")
        chosen |= hit
    return chosen


def _input_checksums(step: Step, checksums: Checksums) -> dict[str, str]:
    found: dict[str, str] = {}
    for role, path in step.files.items():
        digest = checksums.source(path)
        if digest is None:
            raise InputDataError(f"{path}: not found (the {role} of step {step.name}); correct the path "
                                 "in the site file or put the file there.")
        found[role] = digest
    return found


def step_key(step: Step, inputs: dict[str, str], deps: dict[str, str]) -> str:
    """The step's cache key: the canonical hash of its provenance record (parameters, inputs'
    checksums, the outputs of the steps it reads, the habitatmap version)."""
    record = Provenance(f"workflow.{step.kind}", parameters={"step": step.name, **step.params},
                        software={"habitatmap": __version__},
                        inputs=[{"role": r, "sha256": d} for r, d in sorted(inputs.items())]
                        + [{"role": f"output of {n}", "sha256": d} for n, d in sorted(deps.items())])
    return record.canonical_hash()


def _diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    from habitatmap.provenance import canonical_json

    keys = sorted(set(old) | set(new))
    return [k for k in keys if canonical_json(old.get(k)) != canonical_json(new.get(k))]


def _short(value: Any) -> str:
    from habitatmap.provenance import canonical_json

    text = canonical_json(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _why(step: Step, rec: StepRecord, inputs: dict[str, str], deps: dict[str, str]) -> str:
    params = _diff(rec.params, step.params)
    if params:
        k = params[0]
        more = f" (and {len(params) - 1} more)" if len(params) > 1 else ""
        return (f"changed: parameter {k} {_short(rec.params.get(k))} -> {_short(step.params.get(k))}"
                f"{more}")
    files = _diff(rec.inputs, inputs)
    if files:
        return f"changed: input {files[0]} ({step.files.get(files[0], '?')}) has other contents"
    upstream = _diff(rec.deps, deps)
    if upstream:
        return f"changed: the outputs of {upstream[0]} changed"
    if rec.version != __version__:
        return f"changed: habitatmap {rec.version} -> {__version__}"
    return "changed: its cache key differs"


class _State:
    """The records and checksums of one run folder while a plan is made or a run proceeds."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.checksums = Checksums(out)
        self.records: dict[str, StepRecord] = {}
        #: The sentence of a step whose external input is missing (the plan shows it, a run stops on it).
        self.input_errors: dict[str, InputDataError] = {}

    def assess(self, step: Step, pending: set[str]) -> tuple[str, str, str | None, dict, dict]:
        """(status, reason, key or None, inputs, deps) of ``step``; ``pending`` steps will rerun."""
        rec = read_record(self.out, step.name)
        try:
            inputs = _input_checksums(step, self.checksums)
        except InputDataError as err:
            self.input_errors[step.name] = err
            return MISSING, f"missing: {str(err).split(';')[0]}", None, {}, {}
        self.input_errors.pop(step.name, None)
        waiting = [d for d in step.deps if d in pending]
        if waiting:
            status = CHANGED if rec is not None else MISSING
            why = "never ran" if rec is None else f"reruns if the outputs of {waiting[0]} change"
            return status, f"{status}: {why}", None, inputs, {}
        deps = {}
        for d in step.deps:
            dep = self.records.get(d) or read_record(self.out, d)
            if dep is None:
                return MISSING, f"missing: step {d} has not run", None, inputs, {}
            deps[d] = dep.digest()
        key = step_key(step, inputs, deps)
        if rec is None:
            return MISSING, "missing: never ran", key, inputs, deps
        if rec.key != key:
            why = _why(step, rec, inputs, deps)
            return (CHANGED, why, key, inputs, deps)
        problem = outputs_problem(self.out, rec, self.checksums)
        if problem is not None:
            return (MISSING if problem.startswith("missing") else CHANGED), problem, key, inputs, deps
        self.records[step.name] = rec
        note = f"searched {rec.finished[:10]}; --force {step.name} to search again" \
            if step.remote else f"unchanged since {rec.finished}"
        return CACHED, note, key, inputs, deps


def plan(steps: list[Step], out: str | os.PathLike[str], *, only: list[str] | None = None,
         force: list[str] | None = None) -> list[PlanEntry]:
    """What a run would do, step by step, without running anything.

    Parameters
    ----------
    steps
        The site's steps (:func:`habitatmap.workflow.steps.site_steps`).
    out
        The run folder.
    only
        Run only these steps (names, kinds or globs); the others must be cached.
    force
        Rerun these steps even if cached.
    """
    return _plan(steps, _State(Path(out)), only, force)


def _plan(steps: list[Step], state: _State, only: list[str] | None,
          force: list[str] | None) -> list[PlanEntry]:
    selected = select_steps(steps, only, "--only") if only else {s.name for s in steps}
    forced = select_steps(steps, force, "--force") if force else set()
    pending: set[str] = set()
    entries = []
    for step in steps:
        status, reason, *_ = state.assess(step, pending)
        if step.name in forced:
            status, reason = CHANGED, "changed: forced (--force)"
        entry = PlanEntry(step.name, status, reason, step.name in selected)
        if entry.runs:
            pending.add(step.name)
        entries.append(entry)
    return entries


def _client_stack(scheduler: str | None, workers: int | None) -> Callable[[contextlib.ExitStack], None]:
    def start(stack: contextlib.ExitStack) -> None:
        from habitatmap.parallel import dask_client, use_client

        client = stack.enter_context(dask_client(scheduler, processes=workers))
        stack.enter_context(use_client(client))
    return start


def run_workflow(site: Any, legend: Any, out: str | os.PathLike[str], *, only: list[str] | None = None,
                 force: list[str] | None = None, scheduler: str | None = None, workers: int | None = None,
                 observer: RunObserver | None = None, steps: list[Step] | None = None) -> RunResult:
    """Run a site's workflow into ``out``: every step that is not cached, in order.

    Parameters
    ----------
    site
        The validated site file (:func:`habitatmap.workflow.site.load_site`).
    legend
        The legend in use.
    out
        The run folder (created); a second run there at the same time gets one sentence.
    only, force
        See :func:`plan`.
    scheduler
        Address of a running ``dask.distributed`` scheduler; its workers need habitatmap installed
        and the same paths (or URLs) to the inputs and the run folder.
    workers
        Run on a local cluster of this many worker processes instead of threads.
    observer
        Progress callbacks.
    steps
        The steps to run instead of the site's (:func:`habitatmap.workflow.steps.site_steps`); with
        ``site=None`` no sample is verified and no catalog, summary or run record is written.

    Raises
    ------
    ConfigError
        If ``only`` leaves out a step that a chosen step needs and that has not run.
    """
    from habitatmap.io.atomic import clean_own_leftovers
    from habitatmap.io.lock import FolderLock
    from habitatmap.workflow.steps import site_steps

    if scheduler and workers:
        raise ConfigError("--scheduler and --workers exclude each other: a scheduler's cluster has its own "
                          "workers; give one of them.")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputDataError(f"{folder}: is a file, but --out must be a folder; choose a folder name.")
    observer = observer or RunObserver()
    steps = steps if steps is not None else site_steps(site, legend)
    t0 = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    with FolderLock(folder), contextlib.ExitStack() as stack:
        clean_own_leftovers(folder)
        if site is not None and site.sample is not None:
            from habitatmap.sampledata import verify

            verify(site.resolve(site.sample))  # the sample's own checksums, before anything reads it
        if site is not None and site.datum_params is not None:
            from habitatmap.datums import load_datum_params
            from habitatmap.geodesy import datum_parameters

            stack.enter_context(datum_parameters([load_datum_params(site.resolve(site.datum_params))]))
        state = _State(folder)
        entries = _plan(steps, state, only, force)
        _check_only(steps, entries)
        observer.planned(entries)
        result = RunResult(folder, entries)
        start_client = _client_stack(scheduler, workers)
        client_started = False
        forced = {e.step for e in entries if e.reason == "changed: forced (--force)"}
        by_name = {e.step: e for e in entries}
        for step in steps:
            entry = by_name[step.name]
            if not entry.selected:
                rec = read_record(folder, step.name)
                if rec is not None:
                    result.records[step.name] = rec
                continue
            status, _, key, inputs, deps = state.assess(step, set())
            if step.name in state.input_errors:  # a missing input stops the run with its sentence
                raise state.input_errors[step.name]
            if status == CACHED and step.name not in forced:
                result.records[step.name] = state.records[step.name]
                observer.finished(step.name, CACHED, 0.0)
                continue
            if step.dask and not client_started:
                start_client(stack)
                client_started = True
            rec = _execute(step, key, inputs, deps, site, legend, state, result, observer)
            result.records[step.name] = state.records[step.name] = rec
            result.ran.append(step.name)
        if site is not None and (result.ran or not (folder / "catalog.json").is_file()):
            _finish(site, legend, steps, result, state)
        state.checksums.save()
    result.seconds = round(time.perf_counter() - t0, 3)
    return result


def _check_only(steps: list[Step], entries: list[PlanEntry]) -> None:
    by_name = {e.step: e for e in entries}
    for step in steps:
        if not by_name[step.name].runs:
            continue
        for d in step.deps:
            dep = by_name[d]
            if not dep.selected and dep.status != CACHED:
                raise ConfigError(f"step {step.name} needs {d}, which is {dep.status} and not in --only; add "
                                  f"{d} to --only or run without it.")


def _execute(step: Step, key: str | None, inputs: dict, deps: dict, site: Any, legend: Any, state: _State,
             result: RunResult, observer: RunObserver) -> StepRecord:
    old = read_record(state.out, step.name)
    if old is not None and step.kind == "pull" and old.params != step.params:
        # A pull folder holds one grid; other settings start it again (the files are the step's own).
        for rel in old.outputs:
            with contextlib.suppress(FileNotFoundError):
                (state.out / rel).unlink()
    observer.started(step.name)
    ctx = StepContext(site, legend, state.out, result.facts,
                      progress=lambda done, total: observer.progress(step.name, done, total),
                      scene_progress=_scene_counter(step.name, observer))
    t0 = time.perf_counter()
    outcome = step.action(ctx)
    seconds = round(time.perf_counter() - t0, 3)
    if key is None:  # the plan could not know the key before the steps it reads had run
        deps = {d: state.records[d].digest() for d in step.deps}
        key = step_key(step, inputs, deps)
    rec = StepRecord(step=step.name, kind=step.kind, key=key, params=step.params, inputs=inputs, deps=deps,
                     version=__version__, outputs=output_entries(state.out, outcome.outputs, state.checksums),
                     facts=outcome.facts, provenance=outcome.provenance, products=outcome.products,
                     finished=datetime.now(timezone.utc).isoformat(timespec="seconds"), seconds=seconds)
    write_record(state.out, rec)
    state.checksums.save()
    observer.finished(step.name, "ran", seconds)
    return rec


def _scene_counter(step: str, observer: RunObserver) -> Callable[[str, int, int], None]:
    """Scene progress as one count of finished scenes (one bar per step, not per scene)."""
    finished: set[str] = set()

    def update(item: str, done: int, total: int) -> None:
        if done >= total:
            finished.add(item)
        observer.progress(step, len(finished), 0)
    return update


def _finish(site: Any, legend: Any, steps: list[Step], result: RunResult, state: _State) -> None:
    """The run's catalog of products, its summary and its provenance record."""
    from habitatmap.io.atomic import write_json
    from habitatmap.workflow.catalog import write_catalog

    records = [result.records[s.name] for s in steps if s.name in result.records]
    write_catalog(site, legend, state.out, records)
    write_json(state.out / "summary.json", {"site": site.id, "synthetic_sample": site.sample is not None,
                                            "steps": {r.step: r.facts for r in records}})
    prov = Provenance("workflow", parameters={"site": site.id, "steps": [s.name for s in steps]})
    prov.add_input("site file", site.source)
    for r in records:
        for part in r.provenance:
            prov.parts.append(Provenance.from_dict(part))
    prov.outputs = [{"path": rel, "sha256": o["sha256"]}
                    for r in records for rel, o in sorted(r.outputs.items())]
    prov.finish()
    write_json(state.out / "provenance.json", prov.to_dict())
