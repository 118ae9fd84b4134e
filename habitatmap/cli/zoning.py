"""``habitatmap zoning``: the law table with its protection levels, and both sides' zoning compared."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli.options import AllowBallpark, number

__all__ = ["compare", "table"]

zoning_app = typer.Typer(
    help="Protection regimes across the border: zone types of the laws, shared levels, comparison.\n\n"
         "Example: habitatmap zoning compare --zones basemap.gpkg:zones --border basemap.gpkg:border "
         "--out zoning/",
    no_args_is_help=True,
)
app.add_typer(zoning_app, name="zoning")


@zoning_app.command("table")
def table(
    lang: str = typer.Option("en", "--lang", "-l", help="Language of the names: en, ru, zh, mn, kk."),
    country: str = typer.Option(None, "--country", help="Only this country's zone types (RUS, CHN, MNG)."),
    zoning: Path = typer.Option(None, "--table", dir_okay=False, help="Another zoning table (YAML)."),
) -> None:
    """The zone types of the laws with their legal source, activity matrix and protection level.

    Example: habitatmap zoning table --lang ru --country RUS
    """
    from habitatmap.legend.model import check_language
    from habitatmap.zoning.levels import ACTIVITIES
    from habitatmap.zoning.table import load_zoning

    check_language(lang)
    law = load_zoning(zoning)
    short = {"allowed": "+", "restricted": "~", "prohibited": "-"}
    console.print(f"Zone types of {law.source}: level, then {', '.join(ACTIVITIES)} as + allowed, "
                  "~ restricted, - prohibited; the level follows from them (docs/zoning.md).",
                  highlight=False)
    width = max(len(z.id) for z in law.zones.values())
    for z in law.zones.values():
        if country and z.country != country.upper():
            continue
        marks = "".join(short[z.activities[a]] for a in ACTIVITIES)
        console.print(f"{z.id:<{width}}  {z.level}  {marks}  {z.name(lang)} ({z.law}"
                      f"{', former edition' if z.edition == 'former' else ''})", highlight=False,
                      soft_wrap=True)


@zoning_app.command("compare")
def compare(
    ctx: typer.Context,
    zones: list[str] = typer.Option(..., "--zones", help="Zone layer FILE[:LAYER] of either side; repeat."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
    mapping: Path = typer.Option(None, "--mapping", dir_okay=False,
                                 help="Zoning mapping: zone/park fields, countries, values -> zone types."),
    habitat: Path = typer.Option(None, "--habitat", dir_okay=False, help="Habitat map (composition, gaps)."),
    current: Path = typer.Option(None, "--current", dir_okay=False,
                                 help="Cumulative current on the habitat map's grid (cum_current.tif)."),
    exclude: str = typer.Option(None, "--exclude",
                                help="FILE[:LAYER] left out of the current (the circuit's focal regions)."),
    exclude_select: str = typer.Option(None, "--exclude-select", help="COLUMN=VALUE of --exclude."),
    border: str = typer.Option(None, "--border", help="The border, FILE[:LAYER]."),
    species: str = typer.Option(None, "--species", help="Gaps: this species' high-value habitat."),
    max_resistance: float = typer.Option(10.0, "--max-resistance", parser=number(minimum=1, maximum=1000),
                                         help="High-value habitat: resistance at most this."),
    mismatch_km: float = typer.Option(2.0, "--mismatch-km", parser=number(minimum=0, min_open=True,
                                                                          maximum=1000),
                                      help="Zones facing a border segment: those within this distance."),
    segment_km: float = typer.Option(1.0, "--segment-km",
                                     parser=number(minimum=0, min_open=True, maximum=1000),
                                     help="Length of the border segments."),
    before: str = typer.Option(None, "--before", help="An earlier zoning of one side, FILE[:LAYER]."),
    after: str = typer.Option(None, "--after", help="A later zoning of the same side, FILE[:LAYER]."),
    lang: str = typer.Option("en", "--lang", "-l", help="Language of the report."),
    crs: str = typer.Option(None, "--crs", help="Equal-area CRS for areas (default: LAEA on the zones)."),
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Compare both sides' zoning on one scale of protection levels derived from the law.

    Example: habitatmap zoning compare --zones basemap.gpkg:zones --border basemap.gpkg:border
    --habitat habitat.tif --current circuit/cum_current.tif --species amur_leopard --out zoning/
    """
    from habitatmap.zoning.run import run_compare

    run = run_compare(list(zones), out, state(ctx).legend, mapping=str(mapping) if mapping else None,
                      habitat=habitat, current=current, border=border, species=species,
                      max_resistance=max_resistance, exclude=exclude, exclude_select=exclude_select,
                      mismatch_km=mismatch_km, segment_km=segment_km, before=before, after=after, lang=lang,
                      crs=crs, allow_ballpark=allow_ballpark)
    totals = run.areas[run.areas["park"] == "(all)"]
    console.print(f"Areas in {run.crs}:", highlight=False)
    for _, row in totals.iterrows():
        console.print(f"  {row['country']} level {row['level']}: {row['area_ha']:.1f} ha "
                      f"({row['share_pct']} %)", highlight=False)
    if run.segments is not None:
        mism = run.segments[run.segments["mismatch"]]
        conf = run.segments[run.segments["conflicts"] != ""]
        console.print(f"Border: {len(run.segments)} segments, {len(mism)} mismatched "
                      f"({float(mism['length_km'].sum()):.1f} km), {len(conf)} with activity conflicts.",
                      highlight=False)
    for f in run.files:
        echo_path(f, run.out / f)
