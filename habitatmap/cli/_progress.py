"""Rich progress bars for long commands (the library reports progress through callbacks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from habitatmap.cli._app import err_console

__all__ = ["block_progress", "scene_progress"]


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=False)


@contextmanager
def scene_progress(ids: list[str]) -> Iterator[object]:
    """One bar per scene; yields ``callback(item_id, done, total)``."""
    with _bar() as progress:
        tasks = {i: progress.add_task(i, total=None) for i in ids}

        def update(item_id: str, done: int, total: int) -> None:
            task = tasks.get(item_id)
            if task is not None:
                progress.update(task, completed=done, total=total)

        yield update


@contextmanager
def block_progress(label: str) -> Iterator[object]:
    """One bar over blocks; yields ``callback(done, total)``."""
    with _bar() as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
