"""``habitatmap demo``: ``habitatmap run workflows/tumen.yaml`` on the bundled sample, and what it found."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli.run import run_site
from habitatmap.cli.scenes import scenes_table
from habitatmap.resources import data_path
from habitatmap.workflow.demo import demo_workflow
from habitatmap.workflow.runner import RunResult
from habitatmap.workflow.site import Site, load_site

__all__ = ["demo", "print_findings"]


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
    console.print(f"[bold]{site.name.en}[/bold] — sample data: {site.resolve(site.sample)}")
    console.print(f"Legend {legend.id} {legend.version}: {len(legend.classes)} classes, valid.")
    result = run_site(ctx, site, out)
    assert result is not None
    print_findings(site, result)


def print_findings(site: Site, result: RunResult) -> None:
    """What the run's steps found, from their records (cached steps included)."""
    from habitatmap.scenes.items import SceneSummary

    f = result.facts
    if "search" in f:
        scenes = [SceneSummary(**s) for s in f["search"]["scenes"]]
        console.print(scenes_table(scenes, f"{len(scenes)} Landsat scenes over {site.aoi}"))
    if "pull" in f:
        g = f["pull"]["grid"]
        console.print(f"Pulled {len(f['pull']['scenes'])} scenes onto {g['crs']}, {g['width']} x "
                      f"{g['height']} px at {abs(g['transform'][0]):g} m, cloud-masked.", highlight=False)
    for name in site.composites:
        c = f.get(f"composite:{name}")
        if c:
            console.print(f"Composite '{name}': {c['method']} of {len(c['scenes'])} scenes, "
                          f"{len(c['bands'])} bands ({', '.join(c['bands'])}).", highlight=False)
    cls = f.get("classify")
    if cls:
        console.print(f"Habitat map: {cls['features']} features, {cls['model']} trained on "
                      f"{cls['training_samples']} samples; minimum mapping unit {cls['mmu_pixels']} pixels.",
                      highlight=False)
    acc = f.get("accuracy") or (cls or {}).get("accuracy")
    if acc and "overall_accuracy" in acc:
        console.print(f"Accuracy against the reference sample ({Path(acc['reference']).name}): overall "
                      f"{acc['overall_accuracy']:.3f} ± {acc['overall_accuracy_ci95']:.3f} (95 %, "
                      f"area-weighted, {acc['n']} points).", highlight=False)
    if "polygonize" in f:
        p = f["polygonize"]
        console.print(f"Habitat polygons: {p['polygons']}, simplified with {p['tolerance_m']:g} m for "
                      "1:100000.", highlight=False)
    if "basemap" in f:
        b = f["basemap"]
        console.print(f"Base map in {b['crs']}: " + ", ".join(f"{k} ({v})" for k, v in b["layers"].items())
                      + ".", highlight=False)
        for source, op in b["operations"].items():
            console.print(f"  {source}: {op}", highlight=False)
    if "sheet" in f:
        console.print("1:100000 sheet of the area's centre: " + " / ".join(f["sheet"]["sheets"].values()),
                      highlight=False)
    for spec in site.corridors:
        sp = spec.species
        lc, circ, border = (f.get(f"{k}:{sp}", {}) for k in ("leastcost", "circuit", "border"))
        if not lc:
            continue
        console.print(f"Corridors of {sp} between the core zones:", highlight=False)
        for row in lc["links"]:
            if row["linked"]:
                console.print(f"  {row['name_a']} - {row['name_b']}: least-cost path "
                              f"{row['path_length_m'] / 1000:.1f} km, cost/Euclidean "
                              f"{row['cost_to_euclidean']}, crosses the border {row['border_crossings']}x",
                              highlight=False)
        for pair, r in circ.get("effective_resistance", {}).items():
            console.print(f"  effective resistance {pair}: {r:.4g}", highlight=False)
        for seg in border.get("top_segments", []):
            console.print(f"  border km {seg['from_km']:g}-{seg['to_km']:g}: {seg['share_pct']}% of the "
                          "current crossing the border", highlight=False)
        om = f.get(f"omniscape:{sp}")
        if om:
            console.print(f"  Omniscape ({om['windows']} windows of {om['radius_cells']} cells): flow "
                          "channelled "
                          f"(normalised current > 1.5) on {om['channelled_pct']} % of the cells with flow, "
                          f"impeded (< 0.67) on {om['impeded_pct']} %", highlight=False)
    z = f.get("zoning")
    if z:
        shares = "; ".join(f"{row['country']} level {row['level']} {row['share_pct']} %"
                           for row in z["levels"])
        console.print(f"Zoning on the shared protection levels: {shares}.", highlight=False)
        if "segments" in z:
            console.print(f"  along the border: {z['mismatched']} of {z['segments']} km-segments face levels "
                          f"2 or more apart ({z['mismatched_km']:g} km), {z['conflicts']} with activity "
                          "conflicts", highlight=False)
    g, dn = f.get("grid"), f.get("density")
    if g:
        st, sm = f.get("stations", {}), f.get("summary", {})
        console.print(f"Monitoring grid: {g['cells']} cells of {g['cell_km']} km on {g['crs']}; "
                      f"{st.get('stations', 0)} camera stations; {sm.get('detections', 0)} independent "
                      "detections in the joint package.", highlight=False)
    if dn:
        truth = dn.get("true_density_per_100km2")
        held = "" if truth is None else (f" (simulated: {truth:g}; the interval "
                                         f"{'holds' if dn['lcl'] <= truth <= dn['ucl'] else 'misses'} it)")
        console.print(f"  SECR: {dn['individuals']} leopards identified, density "
                      f"{dn['density_per_100km2']:.3g} per 100 km² (95 % {dn['lcl']:.3g}–{dn['ucl']:.3g})"
                      f"{held}, sigma {dn['sigma_m']:.0f} m",
                      highlight=False)
    for burn in (v for k, v in f.items() if k.startswith("burn:")):
        shown = {k: v for k, v in burn["classes_ha"].items()
                 if k != "unburned" and not k.startswith("enhanced") and v > 0}
        console.print(f"Burn severity of the fire of {burn['date']}: {burn['burned_ha']:.1f} ha burned ("
                      + ", ".join(f"{k.replace('_', '-')} {v:.1f} ha" for k, v in shown.items())
                      + f"); {len(burn['pre_scenes'])} scene(s) before the fire, {len(burn['post_scenes'])} "
                      "after it.", highlight=False)
    ch = f.get("change")
    if ch:
        y1, y2 = ch["years"]
        console.print(f"Habitat change {y1}-{y2}: {ch['changed_ha']:.1f} ha mapped as changed class.",
                      highlight=False)
        for row in sorted(ch.get("adjusted", []), key=lambda r: -r["adjusted_ha"])[:3]:
            console.print(f"  {row['from']} -> {row['to']}: mapped {row['mapped_ha']:.1f} ha, area-adjusted "
                          f"{row['adjusted_ha']:.1f} ± {row['ci95_ha']:.1f} ha (95 %, {ch['n']} reference "
                          "points)", highlight=False)
    out = result.out
    written = sorted({rel.split("/")[0] for rec in result.records.values() for rel in rec.outputs})
    console.print(f"Outputs in {out.resolve()}:")
    for name in [*written, "catalog.json", "summary.json", "provenance.json"]:
        echo_path(name, out / name)
    if (out / "map.html").is_file():
        console.print(f"Open {(out / 'map.html').resolve()} in any web browser to explore the results; it "
                      "works offline (everything is inside the one file).", highlight=False)
