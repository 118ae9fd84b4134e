"""``habitatmap demo``: run the bundled Tumen sample workflow."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli.scenes import scenes_table
from habitatmap.resources import data_path
from habitatmap.workflow.demo import demo_workflow, run_demo
from habitatmap.workflow.site import load_site

__all__ = ["demo"]


DEFAULT_WORKFLOW = data_path("workflows", "tumen.yaml")


@app.command("demo")
def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path("out"), "--out", "-o", file_okay=False, help="Output folder."),
    workflow: Path = typer.Option(
        DEFAULT_WORKFLOW, "--workflow", "-w", dir_okay=False, help="Site workflow YAML.",
    ),
) -> None:
    """Run the sample workflow on the bundled synthetic Tumen data and list what it wrote.

    Example: habitatmap demo --out out
    """
    site = load_site(demo_workflow(workflow))
    legend = state(ctx).legend
    console.print(f"[bold]{site.name.en}[/bold] — sample data: {site.resolve(site.inputs.sample_data)}")
    console.print(f"Legend {legend.id} {legend.version}: {len(legend.classes)} classes, valid.")
    result = run_demo(site, legend, out)
    meta = result.sample_meta
    console.print(f"Sample data verified against metadata.json "
                  f"({len(meta['files'])} files, synthetic, seed {meta['seed']}).")
    console.print(scenes_table(result.scenes, f"{len(result.scenes)} sample Landsat scenes over "
                                              f"{site.inputs.aoi}"))
    grid = result.pull.grid
    console.print(f"Pulled {len(result.pull.outcomes)} scenes onto {grid.crs}, {grid.width} x "
                  f"{grid.height} px at {grid.resolution:g} m, cloud-masked.")
    for name, comp in result.composites.items():
        console.print(f"Composite '{name}': median of {len(comp.scenes)} scenes, "
                      f"{len(comp.bands)} bands ({', '.join(comp.bands)}).")
    cls = result.classification
    if cls is not None:
        console.print(f"Habitat map: {len(cls.model.feature_names)} features, random forest trained on "
                      f"{len(cls.training) if cls.training is not None else 0} samples; minimum mapping "
                      f"unit {cls.map.mmu_pixels} pixels.")
        if cls.assessment is not None:
            acc = cls.assessment.accuracy
            console.print(f"Accuracy against the reference sample ({cls.assessment.reference}): overall "
                          f"{acc.overall_accuracy:.3f} ± {1.96 * acc.overall_accuracy_se:.3f} (95 %, "
                          f"area-weighted, {acc.n} points).")
    if result.polygons is not None:
        console.print(f"Habitat polygons: {result.polygons.polygons}, simplified with "
                      f"{result.polygons.tolerance_m:g} m for 1:100000.")
    if result.basemap is not None:
        console.print(f"Base map in {result.basemap.crs}: " + ", ".join(
            f"{k} ({v})" for k, v in result.basemap.layers.items()) + ".", highlight=False)
        for info in result.basemap.inputs:
            if info.operation is not None:
                console.print(f"  {Path(info.source).name}: {info.operation.description}", highlight=False)
    if result.sheets:
        console.print("1:100000 sheet of the area's centre: " + " / ".join(result.sheets.values()),
                      highlight=False)
    corr = result.corridors
    if corr:
        console.print(f"Corridors of {corr['species']} between the core zones:", highlight=False)
        for row in corr["leastcost"]:
            if row["linked"]:
                console.print(f"  {row['name_a']} - {row['name_b']}: least-cost path "
                              f"{row['path_length_m'] / 1000:.1f} km, cost/Euclidean "
                              f"{row['cost_to_euclidean']}, crosses the border {row['border_crossings']}x",
                              highlight=False)
        for pair, r in corr["effective_resistance"].items():
            console.print(f"  effective resistance {pair}: {r:.4g}", highlight=False)
        for seg in corr.get("border_top_segments", []):
            console.print(f"  border km {seg['from_km']:g}-{seg['to_km']:g}: {seg['share_pct']}% of the "
                          "current crossing the border", highlight=False)
    console.print(f"Wrote {len(result.written)} files into {out.resolve()}:")
    for label, path in result.written:
        echo_path(label, path)
    if result.webmap is not None:
        console.print(f"Open {result.webmap.resolve()} in any web browser to explore the results; it "
                      "works offline (everything is inside the one file).", highlight=False)
