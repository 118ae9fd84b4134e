"""``habitatmap classify`` and ``habitatmap accuracy``: the habitat map and its honest accuracy."""

from __future__ import annotations

from pathlib import Path

import typer
import typer.core

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli._progress import block_progress
from habitatmap.cli.options import AllowBallpark, Lang, Scheduler, Threads, number
from habitatmap.habitat.models import MODELS
from habitatmap.legend.model import Legend
from habitatmap.scale import DEFAULT_MMU_HA

# The classification stack (numba, scikit-learn, GDAL readers) is imported inside the commands so
# that starting any other command does not pay for it.

__all__ = ["accuracy", "accuracy_app", "accuracy_design", "classify"]


LABEL_HELP = "Field holding the class label (default: habitat, class, label, code or key)."
CROSSWALK_HELP = "Map national class names to the legend (styles/crosswalks/*.yaml)."


def _summary(assessment: object, legend: Legend) -> None:
    a = assessment.accuracy
    console.print(f"overall accuracy {a.overall_accuracy:.3f} ± {1.96 * a.overall_accuracy_se:.3f} "
                  f"(95 %, area-weighted) from {a.n} reference samples; {assessment.design}.")
    weak = [f"{legend.by_code(c).key} ({ua:.2f})" for c, ua in zip(a.classes, a.users_accuracy, strict=True)
            if ua == ua and ua < 0.7]
    if weak:
        console.print(f"user's accuracy below 0.70: {', '.join(weak)}")


@app.command("classify")
def classify(
    ctx: typer.Context,
    composites: list[Path] = typer.Argument(..., dir_okay=False,
                                            help="Composite(s) on one grid, e.g. summer.tif autumn.tif."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="Habitat map COG to write."),
    training: str | None = typer.Option(None, "--training", "-t",
                                        help="Labelled points or polygons, any format and CRS "
                                             "(FILE[:LAYER])."),
    label_field: str | None = typer.Option(None, "--label-field", help=LABEL_HELP),
    crosswalk: Path | None = typer.Option(None, "--crosswalk", dir_okay=False, help=CROSSWALK_HELP),
    model: str = typer.Option("rf", "--model",
                              help=f"{', '.join(f'{k}: {v}' for k, v in MODELS.items())}; or a saved "
                                   ".skops model."),
    seed: int = typer.Option(0, "--seed",
                             parser=number(minimum=0, maximum=2**32 - 1, integer=True),
                             help="Random seed (model and polygon sampling)."),
    mmu_ha: float = typer.Option(DEFAULT_MMU_HA, "--mmu-ha", parser=number(minimum=0, maximum=1e6),
                                 help="Minimum mapping unit in hectares (default: 2 mm x 2 mm at 1:100000; "
                                      "0 = off)."),
    majority: int = typer.Option(0, "--majority",
                                 parser=number(minimum=0, maximum=7, integer=True),
                                 help="Majority filter window before the MMU: 3, 5 or 7."),
    max_per_polygon: int = typer.Option(50, "--max-per-polygon",
                                        parser=number(minimum=1, maximum=1e6, integer=True),
                                        help="Most pixels sampled from one training polygon."),
    validation: str | None = typer.Option(None, "--validation",
                                          help="Independent reference sample for the accuracy report."),
    report: Path | None = typer.Option(None, "--report", file_okay=False,
                                       help="Write report.json, report.md and a confusion-matrix PNG here."),
    model_out: Path | None = typer.Option(None, "--model-out", dir_okay=False,
                                          help="Save the fitted model (skops format)."),
    cv_block_km: float = typer.Option(5.0, "--cv-block-km", parser=number(minimum=0.1, maximum=1e4),
                                      help="Block width of the spatial cross-validation "
                                           "(without --validation)."),
    allow_ballpark: AllowBallpark = False,
    scheduler: Scheduler = None,
    threads: Threads = None,
    gap_fill: bool = typer.Option(
        True, "--gap-fill/--no-gap-fill",
        help="With several composites, classify a pixel without a clear view in one of them from the "
             "others (a model per composite) and record the method per pixel in <map>_method.tif; "
             "nodata then remains only where no composite has a clear view."),
) -> None:
    """Map habitats with the shared legend from composites and training samples, and assess the map.

    Example: habitatmap classify summer.tif autumn.tif --training points.gpkg --out habitat.tif
    --validation validation.gpkg --report report/
    """
    from habitatmap.habitat.classify import ClassifySettings, classify_composites
    from habitatmap.legend.crosswalk import load_crosswalk

    legend = state(ctx).legend
    xwalk = load_crosswalk(crosswalk, legend) if crosswalk else None
    settings = ClassifySettings(mmu_ha=mmu_ha, majority=majority, scheduler=scheduler, threads=threads)
    with block_progress("classify") as progress:
        result = classify_composites(
            [str(c) for c in composites], out, legend, training=training, model=model,
            label_field=label_field, crosswalk=xwalk, seed=seed, max_per_polygon=max_per_polygon,
            validation=validation, report_dir=report, model_out=model_out, cv_block_km=cv_block_km,
            allow_ballpark=allow_ballpark, settings=settings, progress=progress, gap_fill=gap_fill)
    if result.training is not None:
        op = result.training.operation
        console.print(f"trained {result.model.metadata.get('model')} on {len(result.training)} samples "
                      f"({result.dropped_nodata} on nodata dropped), {len(result.model.feature_names)} "
                      f"features" + (f"; samples moved with {op.description}" if op else ""))
    console.print(f"minimum mapping unit {mmu_ha:g} ha = {result.map.mmu_pixels} pixels; smoothing "
                  f"changed {result.map.changed_by_smoothing} pixels")
    if result.assessment is not None:
        _summary(result.assessment, legend)
    echo_path("habitat map", result.map.path)
    if result.map.method_path is not None:
        ways = ", ".join(f"{k} {v}" for k, v in result.map.method_pixels.items())
        console.print(f"pixels by method: {ways}", highlight=False)
        echo_path("method per pixel", result.map.method_path)
    if result.model_path:
        echo_path("model", result.model_path)
    for p in result.report_paths:
        echo_path("accuracy report", p)


class _AssessByDefault(typer.core.TyperGroup):
    """``habitatmap accuracy MAP ...`` assesses (the command it always was); ``accuracy design
    MAP ...`` draws a reference sample."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["assess", *args]
        return super().parse_args(ctx, args)


accuracy_app = typer.Typer(cls=_AssessByDefault, no_args_is_help=True,
                           help="Assess a class map against a reference sample (habitatmap accuracy MAP "
                                "--reference FILE --out DIR), or design that sample (habitatmap accuracy "
                                "design MAP --out sample.gpkg). Example: habitatmap accuracy design "
                                "habitat.tif --out sample.gpkg")
app.add_typer(accuracy_app, name="accuracy")


@accuracy_app.command("design")
def accuracy_design(
    ctx: typer.Context,
    map_path: Path = typer.Argument(..., dir_okay=False, help="Class map (legend codes), e.g. habitat.tif."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False,
                             help="GeoPackage of sample points to write."),
    target_se: float = typer.Option(0.01, "--target-se", parser=number(minimum=0, maximum=1, min_open=True,
                                                                       max_open=True),
                                    help="Wanted standard error of overall accuracy (sets n)."),
    n: int | None = typer.Option(None, "--n", parser=number(minimum=1, maximum=10**6, integer=True),
                                 help="Sample size (instead of --target-se)."),
    min_per_class: int = typer.Option(50, "--min-per-class",
                                      parser=number(minimum=0, maximum=10**5, integer=True),
                                      help="Least points in a class; the rest in proportion to area."),
    users_accuracy: list[str] = typer.Option(
        [], "--users-accuracy",
        help="Anticipated user's accuracy: one number for all classes, or KEY=U per class (repeat); "
             "default 0.85."),
    seed: int = typer.Option(0, "--seed", parser=number(minimum=0, maximum=2**32 - 1, integer=True),
                             help="Seed of the random draw."),
) -> None:
    """Design a stratified random reference sample of a map (Olofsson et al. 2014): the sample
    size for a target standard error, a minimum per class and the rest by area, random points
    carrying 'stratum', 'stratum_pixels' and an empty 'habitat' field for the interpreters. On a
    change map ('change habitat''s change.tif) the strata are its from-to pairs and the empty field
    is 'reference' (the change each point shows), for 'change habitat --reference'.

    Example: habitatmap accuracy design habitat.tif --target-se 0.01 --min-per-class 50 --out sample.gpkg
    """
    from habitatmap.errors import ConfigError
    from habitatmap.habitat.accuracy.design import design_sample, write_design
    from habitatmap.io.atomic import check_output_folder
    from habitatmap.values import number as check_number

    check_output_folder(out)
    ua: dict[str, float] | float = 0.85
    for item in users_accuracy:
        key, sep, value = item.partition("=")
        if not sep and len(users_accuracy) == 1:
            ua = float(check_number(key, what="--users-accuracy", minimum=0, maximum=1, min_open=True,
                                    max_open=True, error=ConfigError))
            break
        if not sep:
            raise ConfigError(f"--users-accuracy {item!r}: give one number, or KEY=U for each class.")
        ua = ua if isinstance(ua, dict) else {}
        ua[key.strip()] = float(check_number(value, what=f"--users-accuracy {key}", minimum=0, maximum=1,
                                             min_open=True, max_open=True, error=ConfigError))
    design = design_sample(map_path, state(ctx).legend, target_se=target_se, n=n, min_per_class=min_per_class,
                           users_accuracy=ua, seed=seed)
    path = write_design(design, out, map_path=str(map_path))
    for note in design.notes:
        console.print(note, highlight=False)
    for row in design.table:
        console.print(f"  {row['key']}: {row['pixels']} px (W {row['weight']:.3f}), "
                      f"U {row['users_accuracy']:.2f} -> {row['n']} points", highlight=False)
    if design.label_field == "reference":
        then = f"habitatmap change habitat --before ... --after ... --reference {path} --out change/"
    else:
        then = f"habitatmap accuracy {map_path} --reference {path} --out report/"
    console.print(f"{design.n} points; fill the '{design.label_field}' field of each, then: {then}",
                  highlight=False)
    echo_path("reference sample design", path)


@accuracy_app.command("assess")
def accuracy(
    ctx: typer.Context,
    map_path: Path = typer.Argument(..., dir_okay=False, help="Class map (legend codes), e.g. habitat.tif."),
    reference: str = typer.Option(..., "--reference", "-r",
                                  help="Reference sample, points (FILE[:LAYER]); with 'stratum' and "
                                       "'stratum_pixels' fields for a stratified design."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Report folder."),
    label_field: str | None = typer.Option(None, "--label-field", help=LABEL_HELP),
    crosswalk: Path | None = typer.Option(None, "--crosswalk", dir_okay=False, help=CROSSWALK_HELP),
    allow_ballpark: AllowBallpark = False,
    lang: Lang = "en",
) -> None:
    """Assess any class map against reference samples: error matrix, area-adjusted areas with CIs
    ('habitatmap accuracy MAP ...' runs this command).

    Example: habitatmap accuracy habitat.tif --reference validation.gpkg --out report/
    """
    from habitatmap.habitat.accuracy import assess_map, build_report, write_report
    from habitatmap.legend.crosswalk import load_crosswalk
    from habitatmap.legend.model import check_language

    check_language(lang)

    legend = state(ctx).legend
    xwalk = load_crosswalk(crosswalk, legend) if crosswalk else None
    assessment = assess_map(map_path, reference, legend, label_field=label_field, crosswalk=xwalk,
                            allow_ballpark=allow_ballpark)
    _summary(assessment, legend)
    for p in write_report(build_report(assessment, legend), legend, out, lang=lang):
        echo_path("accuracy report", p)
