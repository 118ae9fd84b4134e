"""Burn severity from a fire date: choose the snow-free scenes before and after it, pull, composite
and measure.

A pair for dNBR should show the same season without snow, before and after the fire (Key & Benson
2006). So the scenes are the STAC items of the **snow-free months** (default June-August, leaf-on
and snow-free in the parks here; the pull's QA mask drops any snow or ice left) with, before the
fire, the **latest season** (calendar year) that has such scenes before the fire date, and after it:

- ``extended`` (the default; first-order effects and delayed mortality together): the first growing
  season after the fire, which is the fire's own year when the fire came before the snow-free months
  began (a spring fire), else the next year;
- ``initial``: the first scenes after the fire, in the season they fall in.

All of them are pulled into one folder (one grid), composited per side (median of clear
observations) and handed to :func:`habitatmap.change.burn.run_burn`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from habitatmap.errors import ConfigError, InputDataError

__all__ = ["ASSESSMENTS", "FireScenes", "burn_from_scenes", "fire_seasons", "run_fire_burn",
           "select_fire_scenes"]

ASSESSMENTS = ("extended", "initial")
#: How far from the fire the search looks (two years either side).
SEARCH_DAYS = 730


@dataclass(frozen=True)
class FireScenes:
    """The scenes chosen for one fire."""

    fire_date: dt.date
    pre: list[Any]  # pystac.Item, oldest first
    post: list[Any]
    pre_season: int
    post_season: int
    assessment: str

    def ranges(self) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
        """The acquisition dates (first, last) of the pre- and post-fire scenes."""
        days = [[i.datetime.date() for i in side] for side in (self.pre, self.post)]
        return (min(days[0]), max(days[0])), (min(days[1]), max(days[1]))


def fire_seasons(fire_date: dt.date, months: frozenset[int], assessment: str = "extended") -> int | None:
    """The calendar year of the post-fire season an ``extended`` assessment uses (None for
    ``initial``, which takes the first scenes after the fire)."""
    if assessment not in ASSESSMENTS:
        raise ConfigError(f"--assessment {assessment!r}: choose one of {', '.join(ASSESSMENTS)}.")
    if assessment == "initial":
        return None
    return fire_date.year if fire_date.month < min(months) else fire_date.year + 1


def select_fire_scenes(
    items: list[Any], fire_date: dt.date, months: frozenset[int], *, assessment: str = "extended"
) -> FireScenes:
    """Choose the pre- and post-fire scenes among ``items``.

    Raises
    ------
    InputDataError
        When no snow-free scene lies before the fire, or none in the post-fire season asked for.
    """
    want = fire_seasons(fire_date, months, assessment)
    snow_free = sorted((i for i in items if i.datetime is not None and i.datetime.month in months),
                       key=lambda i: (i.datetime, i.id))
    before = [i for i in snow_free if i.datetime.date() < fire_date]
    after = [i for i in snow_free if i.datetime.date() > fire_date]
    shown = ",".join(map(str, sorted(months)))
    if not before:
        raise InputDataError(f"no scene of months {shown} before the fire of {fire_date} (within "
                             f"{SEARCH_DAYS} days); widen --months or --max-cloud.")
    pre_season = before[-1].datetime.year
    post_season = want if want is not None else (after[0].datetime.year if after else fire_date.year)
    post = [i for i in after if i.datetime.year == post_season]
    if not post:
        raise InputDataError(f"no scene of months {shown} in {post_season}, the season after the fire of "
                             f"{fire_date}; widen --months or --max-cloud, or give --assessment initial "
                             "for the first scenes after the fire.")
    return FireScenes(fire_date, [i for i in before if i.datetime.year == pre_season], post, pre_season,
                      post_season, assessment)


def burn_from_scenes(
    scenes: str | os.PathLike[str],
    chosen: FireScenes,
    months: frozenset[int],
    composites: tuple[str | os.PathLike[str], str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    stac: str | None = None,
    **burn: Any,
) -> Any:
    """Composite the chosen scenes of a pull folder, each side within its own dates and ``months``
    (median of clear observations), into ``composites`` (pre, post), and measure the burn into
    ``out`` with :func:`habitatmap.change.burn.run_burn` (``burn``: its options); the fire date,
    months, assessment, both sides' scene ids and ``stac`` go into its provenance as ``fire``."""
    from habitatmap.change.burn import run_burn
    from habitatmap.composite.build import CompositeSettings, composite_scenes

    for (first, last), path in zip(chosen.ranges(), composites, strict=True):
        composite_scenes(scenes, path, CompositeSettings(months=months, start=first, end=last))
    context = {"fire_date": str(chosen.fire_date), "assessment": chosen.assessment, "months": sorted(months),
               "pre_scenes": [i.id for i in chosen.pre], "post_scenes": [i.id for i in chosen.post],
               **({"stac": stac} if stac else {})}
    return run_burn(*composites, out, context=context, **burn)


def run_fire_burn(
    fire_date: dt.date,
    stac: str,
    area: Any,
    out: str | os.PathLike[str],
    *,
    scenes_dir: str | os.PathLike[str] | None = None,
    months: frozenset[int] = frozenset(range(6, 9)),
    assessment: str = "extended",
    collection: str | None = None,
    max_cloud: float | None = None,
    crs: str = "auto",
    resolution: float = 30.0,
    allow_ballpark: bool = False,
    retry: Any = None,
    progress: Any = None,
    **burn: Any,
) -> tuple[Any, FireScenes]:
    """Search, choose, pull and composite the scenes of a fire, then :func:`run_burn` into ``out``.

    Parameters
    ----------
    fire_date
        The day the fire started (or was mapped).
    stac
        A STAC API URL or a static catalog.
    area
        :class:`habitatmap.area.Area` to map.
    out
        The burn severity folder.
    scenes_dir
        Where the pulled scenes and the two composites go (default ``<out>_scenes`` beside
        ``out``); kept, so that a second run resumes the pull and reuses the composites.
    months, assessment
        The snow-free months and which post-fire season (module docstring).
    burn
        Passed to :func:`habitatmap.change.burn.run_burn` (thresholds, reference, zones, mmu_ha, lang).

    Returns
    -------
    tuple
        The :class:`~habitatmap.change.burn.BurnResult` and the :class:`FireScenes` used.
    """
    from habitatmap.io.atomic import check_output_dir
    from habitatmap.scenes.defaults import DEFAULT_COLLECTION
    from habitatmap.scenes.items import unique_items
    from habitatmap.scenes.pull import PullSettings, pull_scenes
    from habitatmap.scenes.search import SceneQuery, search_scenes

    if not months:
        raise ConfigError("--months is empty; give the snow-free months, e.g. 6-8.")
    fire_seasons(fire_date, months, assessment)  # checks the assessment before any request
    out = Path(out)
    work = Path(scenes_dir) if scenes_dir is not None else out.with_name(f"{out.name}_scenes")
    for folder in (out, work):  # before the search, the pull and the composites
        check_output_dir(folder)
    span = dt.timedelta(days=SEARCH_DAYS)
    items: list[Any] = []
    for start, end in ((fire_date - span, fire_date - dt.timedelta(days=1)),
                       (fire_date + dt.timedelta(days=1), fire_date + span)):
        query = SceneQuery(area=area, start=start, end=end, max_cloud=max_cloud,
                           collection=collection or DEFAULT_COLLECTION)
        items += search_scenes(stac, query, retry=retry)
    chosen = select_fire_scenes(unique_items(items, stac), fire_date, months, assessment=assessment)
    settings = PullSettings(crs=crs, resolution=resolution, allow_ballpark=allow_ballpark,
                            **({"retry": retry} if retry is not None else {}))
    pulled = pull_scenes([*chosen.pre, *chosen.post], area, work / "scenes", settings, source=stac,
                         progress=progress, prune=True)
    pulled.raise_for_failures()
    result = burn_from_scenes(work / "scenes", chosen, months,
                              (work / "composite_pre.tif", work / "composite_post.tif"), out, stac=stac,
                              allow_ballpark=allow_ballpark, **burn)
    return result, chosen
