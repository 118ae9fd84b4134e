"""Progress bars for long commands."""

from __future__ import annotations

from habitatmap.cli._progress import block_progress, scene_progress


def test_progress_callbacks_accept_updates():
    with block_progress("x") as update:
        update(1, 4)
        update(4, 4)
    with scene_progress(["a", "b"]) as update:
        update("a", 1, 2)
        update("unknown", 1, 1)  # ignored
