"""``habitatmap run SITE.yaml``: a site's workflow, cached, resumable, on this machine or a cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from habitatmap.cli._app import app, console, err_console, state
from habitatmap.cli.options import Scheduler, number
from habitatmap.workflow.runner import CACHED, PlanEntry, RunObserver, RunResult, plan, run_workflow
from habitatmap.workflow.site import Site, load_site

__all__ = ["BarObserver", "plan_table", "run", "run_site"]


class BarObserver(RunObserver):
    """One progress bar per step that runs; cached steps are listed as such."""

    def __init__(self) -> None:
        self.bars = Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[state]}"), TimeElapsedColumn(), console=err_console,
                             transient=False)
        self.tasks: dict[str, Any] = {}

    def planned(self, entries: list[PlanEntry]) -> None:
        self.bars.start()
        for e in entries:
            if e.selected:
                self.tasks[e.step] = self.bars.add_task(e.step, total=None, state="waiting",
                                                        start=False)

    def started(self, step: str) -> None:
        self.bars.start_task(self.tasks[step])
        self.bars.update(self.tasks[step], state="running")

    def progress(self, step: str, done: int, total: int) -> None:
        self.bars.update(self.tasks[step], completed=done, total=total or None)

    def finished(self, step: str, status: str, seconds: float) -> None:
        task = self.tasks[step]
        if status == CACHED:
            self.bars.update(task, total=1, completed=1, state="cached")
        else:
            t = self.bars.tasks[task].total or 1
            self.bars.update(task, total=t, completed=t, state=f"done in {seconds:.1f} s")

    def close(self) -> None:
        """Stop drawing."""
        self.bars.stop()


def plan_table(entries: list[PlanEntry]) -> Table:
    """The plan as a table: step, state, why."""
    table = Table(title="Plan", show_lines=False)
    for col in ("step", "state", "why"):
        table.add_column(col)
    for e in entries:
        status = e.status if e.selected else f"{e.status} (not in --only)"
        table.add_row(e.step, status, e.reason)
    return table


def _split(values: list[str]) -> list[str]:
    return [t.strip() for v in values for t in v.split(",") if t.strip()]


def run_site(ctx: typer.Context, site: Site, out: Path, *, only: list[str] | None = None,
             force: list[str] | None = None, show_plan: bool = False, scheduler: str | None = None,
             workers: int | None = None) -> RunResult | None:
    """Plan or run ``site`` into ``out`` with progress bars; None after ``--plan``."""
    from habitatmap.workflow.steps import site_steps

    legend = state(ctx).legend
    if show_plan:
        entries = plan(site_steps(site, legend), out, only=only, force=force)
        if console.is_terminal:
            console.print(plan_table(entries))
        else:  # piped or logged: one line per step, never wrapped
            width = max(len(e.step) for e in entries)
            for e in entries:
                state_ = e.status if e.selected else f"{e.status} (not in --only)"
                console.print(f"{e.step:<{width}}  {state_:<8}  {e.reason}", highlight=False, soft_wrap=True)
        n = sum(e.runs for e in entries)
        console.print(f"{n} of {len(entries)} steps would run; nothing was run (--plan).")
        return None
    observer = BarObserver()
    try:
        result = run_workflow(site, legend, out, only=only, force=force, scheduler=scheduler,
                              workers=workers, observer=observer)
    finally:
        observer.close()
    cached = sum(1 for e in result.plan if e.selected and e.step not in result.ran)
    console.print(f"Ran {len(result.ran)} step(s), {cached} cached, in {result.seconds:.1f} s; products "
                  f"catalogued in {(out / 'catalog.json').resolve()}", highlight=False)
    return result


@app.command("run")
def run(
    ctx: typer.Context,
    site_file: Path = typer.Argument(..., dir_okay=False, help="Site workflow YAML (start from "
                                                                "workflows/tumen.yaml)."),
    out: Path = typer.Option(Path("out"), "--out", "-o", file_okay=False,
                             help="Run folder: products, the catalog and the cache of finished steps."),
    only: list[str] = typer.Option([], "--only", help="Run only these steps (names, kinds such as "
                                                      "'composite', or globs; comma-separated or repeated)."),
    force: list[str] = typer.Option([], "--force", help="Rerun these steps even if cached (e.g. 'search' "
                                                        "to search a STAC API again)."),
    show_plan: bool = typer.Option(False, "--plan", help="Print each step as cached / changed (and why) / "
                                                         "missing and run nothing."),
    scheduler: Scheduler = None,
    workers: int | None = typer.Option(None, "--workers", parser=number(minimum=1, maximum=64, integer=True),
                                       help="Local cluster of N worker processes (default: threads)."),
) -> None:
    """Run a site's workflow from the STAC search to the web map; unchanged steps are skipped.

    Example: habitatmap run workflows/tumen.yaml --out out/tumen --plan
    """
    site = load_site(site_file)
    run_site(ctx, site, out, only=_split(only), force=_split(force), show_plan=show_plan,
             scheduler=scheduler, workers=workers)
