"""``habitatmap omniscape CONFIG.ini``: run an Omniscape.jl configuration unchanged."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from habitatmap.corridors.omniscape.options import OmniscapeOptions, options_from_config, read_ini
from habitatmap.errors import OutputError

__all__ = ["IniRun", "load_ini", "run_ini"]


@dataclass
class IniRun:
    """What an ``.ini`` run wrote and did."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    targets: int = 0
    solved: int = 0
    seconds: float = 0.0


def load_ini(ini: str | os.PathLike[str], *, base: str | os.PathLike[str] | None = None) -> OmniscapeOptions:
    """The options of an Omniscape ``.ini`` file (paths relative to ``base``, default the current
    folder, as Omniscape resolves them)."""
    return options_from_config(read_ini(ini), ini, base=base)


def run_ini(ini: str | os.PathLike[str], *, base: str | os.PathLike[str] | None = None,
            scheduler: str | None = None, workers: int | None = None,
            on_task: Callable[[int, int], None] | None = None) -> IniRun:
    """Run an Omniscape ``.ini`` file and write Omniscape's output folder.

    Parameters
    ----------
    ini
        The configuration.
    base
        Folder that relative paths (inputs and ``project_name``) start from; default the current one.
    scheduler, workers
        Where the windows are solved (see :func:`habitatmap.corridors.omniscape.run.omniscape`).
    on_task
        Progress callback ``(done, total)``.
    """
    from habitatmap.corridors.omniscape.output import project_folder, write_omniscape_files
    from habitatmap.corridors.omniscape.run import omniscape
    from habitatmap.io.atomic import scratch_folder

    opts = load_ini(ini, base=base)
    root = Path(base) if base is not None else Path.cwd()
    folder = project_folder(opts.project_name, root)
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{folder}: cannot create the project folder's parent {parent} ({err.strerror}); "
                          "set project_name to a writable place.") from None
    # The folder appears only when every file is complete: an interrupted run leaves no half project.
    with scratch_folder(parent) as scratch:
        stage = scratch / folder.name
        with omniscape(opts, scratch / "sums", scheduler=scheduler, workers=workers, on_task=on_task) as maps:
            files = write_omniscape_files(maps, stage, Path(ini))
        os.replace(stage, folder)
    return IniRun(folder, [folder / f.name for f in files], maps.targets, maps.solved, maps.seconds)
