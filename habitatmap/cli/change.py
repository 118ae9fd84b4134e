"""``habitatmap change``: burn severity between two composites, habitat change between two maps."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path
from habitatmap.cli.options import AllowBallpark, AoiOption, BboxOption, Lang, Retries, number, parse_date

__all__ = ["burn", "habitat"]

change_app = typer.Typer(
    help="Change monitoring: burn severity before and after a fire, habitat change between two maps.\n\n"
    "Example: habitatmap change burn --pre composite_2021.tif --post composite_2022.tif --out burn/",
    no_args_is_help=True,
)
app.add_typer(change_app, name="change")


@change_app.command("burn")
def burn(
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
    pre: Path = typer.Option(None, "--pre", dir_okay=False, help="Pre-fire composite (nir08, swir22 bands)."),
    post: Path = typer.Option(None, "--post", dir_okay=False, help="Post-fire composite on the same grid."),
    fire_date: str = typer.Option(
        None, "--fire-date", help="Instead of --pre/--post: the fire's date, YYYY-MM-DD (with --stac, --aoi)."
    ),
    stac: str = typer.Option(None, "--stac", help="STAC API URL or static catalog (with --fire-date)."),
    aoi: AoiOption = None,
    bbox: BboxOption = None,
    months: str = typer.Option("6-8", "--months", help="Snow-free months to take scenes from (--fire-date)."),
    assessment: str = typer.Option(
        "extended", "--assessment", help="extended (the growing season after the fire) or initial."
    ),
    max_cloud: float = typer.Option(
        None, "--max-cloud", parser=number(minimum=0, maximum=100), help="Largest scene cloud cover, %."
    ),
    collection: str = typer.Option(None, "--collection", help="STAC collection id (--fire-date)."),
    crs: str = typer.Option("auto", "--crs", help="Grid CRS of the pull (--fire-date)."),
    scenes_dir: Path = typer.Option(
        None, "--scenes", file_okay=False, help="The fire's scenes and composites (default OUT_scenes)."
    ),
    thresholds: Path = typer.Option(
        None, "--thresholds", dir_okay=False, help="Severity classes (YAML; default Key & Benson 2006)."
    ),
    reference: str = typer.Option(
        None, "--reference", help="Unburned reference polygons, FILE[:LAYER] (offset)."
    ),
    zones: str = typer.Option(None, "--zones", help="Zones for the area table, FILE[:LAYER]."),
    mmu_ha: float = typer.Option(
        4.0, "--mmu-ha", parser=number(minimum=0, maximum=1e6), help="Least burned polygon, ha."
    ),
    lang: Lang = "en",
    allow_ballpark: AllowBallpark = False,
    retries: Retries = 5,
) -> None:
    """NBR, dNBR, RdNBR and RBR, severity classes, burned-area polygons and areas by zone, from two
    composites, or from a fire date: the snow-free scenes of the season before and after it are
    searched, pulled and composited first.

    Example: habitatmap change burn --pre pre.tif --post post.tif --zones basemap.gpkg:zones --out burn/
    or: habitatmap change burn --fire-date 2022-04-20 --stac sample_data/tumen/stac/catalog.json
    --aoi workflows/tumen_aoi.geojson --out burn/
    """
    from habitatmap.change.burn import run_burn
    from habitatmap.errors import ConfigError

    options = {"thresholds": str(thresholds) if thresholds else None, "reference": reference, "zones": zones,
               "mmu_ha": mmu_ha, "lang": lang, "allow_ballpark": allow_ballpark}
    if fire_date is None:
        if pre is None or post is None:
            raise ConfigError("give --pre and --post composites, or --fire-date with --stac and --aoi.")
        res = run_burn(pre, post, out, **options)
    else:
        from habitatmap.change.fire import run_fire_burn
        from habitatmap.cli.scenes import area_option
        from habitatmap.composite.spec import parse_months
        from habitatmap.scenes.access import RetryPolicy

        if pre is not None or post is not None:
            raise ConfigError("give either --pre and --post or --fire-date, not both.")
        if stac is None:
            raise ConfigError("--fire-date needs --stac, the STAC API or catalog to find the scenes in.")
        when = parse_date(fire_date, "--fire-date")
        area = area_option(aoi, bbox)
        res, chosen = run_fire_burn(
            when, stac, area, out, scenes_dir=scenes_dir, months=parse_months(months) or frozenset(),
            assessment=assessment, collection=collection, max_cloud=max_cloud, crs=crs,
            retry=RetryPolicy(retries=retries), **options)
        (a, b), (c, d) = chosen.ranges()
        console.print(f"Fire of {when}: {len(chosen.pre)} scene(s) before it ({a} to {b}), "
                      f"{len(chosen.post)} after it ({c} to {d}, {assessment} assessment).", highlight=False)
    console.print(
        f"Burned (low severity and above): {res.burned_ha:.1f} ha; dNBR offset {res.offset:.1f}.",
        highlight=False,
    )
    echo_path("burn severity", res.out)


@change_app.command("habitat")
def habitat(
    ctx: typer.Context,
    before: Path = typer.Option(..., "--before", dir_okay=False, help="The earlier habitat map."),
    after: Path = typer.Option(..., "--after", dir_okay=False, help="The later habitat map, same grid."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
    reference: str = typer.Option(
        None, "--reference", help="Reference sample of the change map, FILE[:LAYER]."
    ),
    reference_field: str = typer.Option(
        "reference", "--reference-field", help="Column with each point's change."
    ),
    zones: str = typer.Option(None, "--zones", help="Zones for losses and gains, FILE[:LAYER]."),
    crosswalk: Path = typer.Option(
        None,
        "--crosswalk",
        dir_okay=False,
        help="Codes of the earlier map's legend -> shared legend keys (YAML).",
    ),
    lang: Lang = "en",
    allow_ballpark: AllowBallpark = False,
) -> None:
    """The from-to change matrix in hectares, a change map, losses and gains, area-adjusted changes.

    Example: habitatmap change habitat --before habitat_2015.tif --after habitat_2022.tif --zones
    basemap.gpkg:zones --out change/
    """
    from habitatmap.change.habitat import run_habitat_change
    from habitatmap.cli._app import state

    res = run_habitat_change(
        before,
        after,
        out,
        state(ctx).legend,
        reference=reference,
        reference_field=reference_field,
        zones=zones,
        crosswalk=crosswalk,
        lang=lang,
        allow_ballpark=allow_ballpark,
    )
    console.print(f"{res.changed_ha:.1f} ha changed class.", highlight=False)
    echo_path("habitat change", res.out)
