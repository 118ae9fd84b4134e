"""``habitatmap monitor``: camera-trap data of both sides: merge, summaries, SECR density."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli.options import AllowBallpark, Lang, number

__all__ = ["density", "merge", "summary"]

monitor_app = typer.Typer(
    help="Camera-trap monitoring: Camtrap DP packages merged across the border, detection summaries "
    "on the grid, and density by spatially explicit capture-recapture.\n\n"
    "Example: habitatmap monitor merge rus/ chn/ --grid grid.gpkg --out joint/",
    no_args_is_help=True,
)
app.add_typer(monitor_app, name="monitor")


@monitor_app.command("merge")
def merge(
    a: Path = typer.Argument(
        ..., file_okay=False, help="First side's package (or Wildlife Insights export)."
    ),
    b: Path = typer.Argument(..., file_okay=False, help="Second side's package."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="The merged package folder."),
    sides: str = typer.Option("A,B", "--sides", help="Names of the two sides, e.g. RUS,CHN."),
    grid: Path = typer.Option(None, "--grid", dir_okay=False, help="Grid: give each deployment its cell."),
    share: bool = typer.Option(False, "--share", help="For sharing: round sensitive species' coordinates."),
    sensitive: list[str] = typer.Option(
        None, "--sensitive", help="Sensitive species (scientific name); repeat."
    ),
    decimals: int = typer.Option(
        2,
        "--decimals",
        parser=number(minimum=0, maximum=6, integer=True),
        help="Decimal places kept with --share.",
    ),
    timezone: str = typer.Option(None, "--timezone", help="IANA zone of times without an offset."),
    wildlife_insights: bool = typer.Option(False, "--wildlife-insights", help="Both inputs are WI exports."),
) -> None:
    """Merge two sides' Camtrap DP packages into one (ids unique, times UTC, cells assigned).

    Example: habitatmap monitor merge rus/ chn/ --sides RUS,CHN --grid grid.gpkg --share --out joint/
    """
    from habitatmap.monitoring.merge import run_merge

    run = run_merge(
        a,
        b,
        out,
        sides=tuple(s.strip() for s in sides.split(",")),
        grid=grid,
        share=share,  # type: ignore[arg-type]
        sensitive=list(sensitive or []) or None,
        decimals=decimals,
        timezone_name=timezone,
        wildlife_insights=wildlife_insights,
    )
    merged = run.package
    console.print(
        f"{len(merged.deployments)} deployments, {len(merged.media)} media, "
        f"{len(merged.observations)} observations.",
        highlight=False,
    )
    for note in merged.notes:
        console.print(f"  {note}.", highlight=False)
    echo_path("merged package", out)


@monitor_app.command("summary")
def summary(
    package: Path = typer.Argument(..., file_okay=False, help="Camtrap DP package folder."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
    grid: Path = typer.Option(
        None, "--grid", dir_okay=False, help="Grid GeoPackage (per-cell figures, maps)."
    ),
    gap: float = typer.Option(
        30.0,
        "--gap",
        parser=number(minimum=0, maximum=100000),
        help="Minutes between independent detections.",
    ),
    occasion_days: float = typer.Option(
        7.0,
        "--occasion-days",
        parser=number(minimum=0, min_open=True, maximum=365),
        help="Length of a detection-history occasion, days.",
    ),
    species: list[str] = typer.Option(None, "--species", help="Only this species; repeat."),
    lang: Lang = "en",
) -> None:
    """Trap-nights, independent detections, RAI, naive occupancy and detection histories.

    Example: habitatmap monitor summary joint/ --grid grid.gpkg --out summary/
    """
    from habitatmap.monitoring.summary import run_summary

    s, path = run_summary(
        package,
        grid,
        out,
        gap_minutes=gap,
        occasion_days=occasion_days,
        species=list(species or []) or None,
        lang=lang,
    )
    console.print(
        f"{s.records} animal records, {s.detections} independent detections ({gap:g} min), "
        f"{len(s.stations['station'].unique())} stations, {s.occasions} occasions.",
        highlight=False,
    )
    echo_path("summary", path)


@monitor_app.command("density")
def density(
    ctx: typer.Context,
    package: Path = typer.Argument(..., file_okay=False, help="Camtrap DP package with individualID."),
    species: str = typer.Option(..., "--species", help="Scientific name of the identified animals."),
    habitat: Path = typer.Option(..., "--habitat-map", dir_okay=False, help="Habitat map (the mask)."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
    suitable: list[str] = typer.Option(None, "--habitat", help="Suitable class key of the mask; repeat."),
    buffer: float = typer.Option(
        5000.0,
        "--buffer",
        parser=number(minimum=0, min_open=True, maximum=1e6),
        help="Mask buffer around the detectors, m.",
    ),
    spacing: float = typer.Option(
        250.0,
        "--spacing",
        parser=number(minimum=0, min_open=True, maximum=1e5),
        help="Mask point spacing, m.",
    ),
    occasions: int = typer.Option(
        10,
        "--occasions",
        parser=number(minimum=1, maximum=1000, integer=True),
        help="Sampling occasions the survey is cut into.",
    ),
    detectfn: str = typer.Option("HN", "--detectfn", help="HN (half-normal) or HHN (hazard half-normal)."),
    detector: str = typer.Option("proximity", "--detector", help="proximity (cameras) or multi."),
    lang: Lang = "en",
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Density of individually identified animals by SECR (maximum likelihood, Poisson density).

    Example: habitatmap monitor density joint/ --species "Panthera pardus orientalis" --habitat-map
    habitat.tif --habitat korean_pine_broadleaf_forest --out density/
    """
    from habitatmap.monitoring.density import run_density

    keys = [k.strip() for item in suitable or [] for k in item.split(",") if k.strip()]
    run = run_density(
        package,
        out,
        species=species,
        habitat=habitat,
        legend=state(ctx).legend,
        suitable_keys=keys or None,
        buffer_m=buffer,
        spacing_m=spacing,
        occasions=occasions,
        detectfn=detectfn.upper(),
        detector=detector,
        lang=lang,
        allow_ballpark=allow_ballpark,
    )
    est = run.fit.estimates
    d = est.loc["D"]
    console.print(
        f"{run.fit.n} individuals: D = {d['estimate'] * 1e4:.3g} per 100 km² "
        f"(95 % {d['lcl'] * 1e4:.3g}–{d['ucl'] * 1e4:.3g}), sigma = {est.loc['sigma', 'estimate']:.0f} m; "
        f"realised N in the mask {run.fit.region.loc['R.N', 'estimate']:.1f}.",
        highlight=False,
    )
    echo_path("density", run.out)
