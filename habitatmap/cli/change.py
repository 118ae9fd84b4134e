"""``habitatmap change``: burn severity between two composites, habitat change between two maps."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path
from habitatmap.cli.options import AllowBallpark, Lang, number

__all__ = ["burn", "habitat"]

change_app = typer.Typer(
    help="Change monitoring: burn severity from Landsat composites before and after a fire.\n\n"
    "Example: habitatmap change burn --pre composite_2021.tif --post composite_2022.tif --out burn/",
    no_args_is_help=True,
)
app.add_typer(change_app, name="change")


@change_app.command("burn")
def burn(
    pre: Path = typer.Option(..., "--pre", dir_okay=False, help="Pre-fire composite (nir08, swir22 bands)."),
    post: Path = typer.Option(..., "--post", dir_okay=False, help="Post-fire composite on the same grid."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
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
) -> None:
    """NBR, dNBR, RdNBR and RBR, severity classes, burned-area polygons and areas by zone.

    Example: habitatmap change burn --pre pre.tif --post post.tif --zones basemap.gpkg:zones --out burn/
    """
    from habitatmap.change.burn import run_burn

    res = run_burn(
        pre,
        post,
        out,
        thresholds=str(thresholds) if thresholds else None,
        reference=reference,
        zones=zones,
        mmu_ha=mmu_ha,
        lang=lang,
        allow_ballpark=allow_ballpark,
    )
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
