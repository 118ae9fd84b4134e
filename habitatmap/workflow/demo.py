"""The demo: ``habitatmap run workflows/tumen.yaml`` on the bundled synthetic sample.

:func:`demo_workflow` finds the sample: in a checkout it is ``sample_data/tumen``; an installed
package carries only its checksums, so the sample is regenerated (seeded, 10 s) into a cache folder
beside copies of the site files and checked against those checksums. The demo then runs that site
file with the one executor, :func:`habitatmap.workflow.runner.run_workflow`.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from habitatmap import __version__
from habitatmap.errors import HabitatmapWarning, InputDataError
from habitatmap.workflow.site import load_site

__all__ = ["cache_dir", "demo_workflow"]


def cache_dir() -> Path:
    """Where an installed habitatmap keeps regenerated sample data: ``$HABITATMAP_CACHE``, else
    ``$XDG_CACHE_HOME/habitatmap``, else ``~/.cache/habitatmap``."""
    if os.environ.get("HABITATMAP_CACHE"):
        return Path(os.environ["HABITATMAP_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "habitatmap"


def _sample_ok(folder: Path) -> bool:
    from habitatmap.sampledata import verify

    try:
        verify(folder)
    except InputDataError:
        return False
    return True


def demo_workflow(workflow: str | os.PathLike[str] | None = None, *,
                  cache: str | os.PathLike[str] | None = None) -> Path:
    """The site file to run the demo with, its sample data present and verified.

    Parameters
    ----------
    workflow
        A site file (default: the packaged ``workflows/tumen.yaml``).
    cache
        Where to regenerate a sample the installation does not carry (default: :func:`cache_dir`).

    Returns
    -------
    pathlib.Path
        ``workflow`` itself when its sample is there; else the copy in the cache, beside a
        regenerated sample.

    Raises
    ------
    InputDataError
        The sample is present but damaged, or the regenerated one does not match the checksums of
        the bundled one although made with the same library versions.
    """
    from habitatmap.resources import data_path
    from habitatmap.sampledata import generate, verify

    wf = Path(workflow) if workflow is not None else data_path("workflows", "tumen.yaml")
    site = load_site(wf)
    if site.sample is None:
        raise InputDataError(f"{wf}: names no sample (site.sample); the demo runs a site's bundled sample, "
                             "use 'habitatmap run' for your own site.")
    sample = site.resolve(site.sample)
    if (sample / "stac").is_dir():
        verify(sample)  # a checkout: its own sample, exactly as committed
        return wf
    reference = _reference_meta(sample)
    root = Path(cache) if cache is not None else cache_dir() / f"demo-{__version__}"
    # The copy keeps the site file's layout: its folder beside the sample, as in the package.
    target = Path(os.path.normpath(root / wf.parent.name / site.sample))
    if not target.is_relative_to(root):
        raise InputDataError(f"{wf}: site.sample {site.sample} leads outside the demo cache; name a sample "
                             "beside the workflows folder.")
    if not _sample_ok(target):
        generate(target, seed=int(reference["seed"]))
    meta = verify(target)
    if meta.get("software") == reference.get("software") and meta["files"] != reference["files"]:
        raise InputDataError(f"{target}: the regenerated sample differs from the bundled one's checksums "
                             "although made with the same library versions; please report this as a bug.")
    if meta.get("software") != reference.get("software"):
        warnings.warn(f"{target}: sample regenerated with other library versions than the bundled one's "
                      "(its own checksums hold; bytes may differ slightly).", HabitatmapWarning, stacklevel=2)
    copy = root / wf.parent.name
    copy.mkdir(parents=True, exist_ok=True)
    for f in wf.parent.iterdir():
        if f.suffix in (".yaml", ".geojson") and f.is_file():
            shutil.copyfile(f, copy / f.name)
    return copy / wf.name


def _reference_meta(sample: Path) -> dict[str, Any]:
    from habitatmap.io.text import read_json
    from habitatmap.resources import data_path

    for candidate in (sample / "metadata.json", data_path("sample_data", "tumen", "metadata.json")):
        if candidate.is_file():
            return read_json(candidate, what="sample metadata")
    raise InputDataError(f"{sample}: no sample data and no sample checksums to regenerate it from; "
                         "reinstall habitatmap or run from a checkout.")
