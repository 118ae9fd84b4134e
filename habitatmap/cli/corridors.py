"""``habitatmap corridors``: resistance, least-cost corridors, circuit theory, border crossings."""

from __future__ import annotations

from pathlib import Path

import typer

from habitatmap.cli._app import app, console, echo_path, state
from habitatmap.cli.options import AllowBallpark, Scheduler, Workers, number
from habitatmap.values import quote

__all__ = ["border", "circuit", "leastcost", "omniscape", "resistance"]


corridors_app = typer.Typer(
    help="Wildlife corridors across the border.\n\n"
         "Example: habitatmap corridors resistance habitat.tif --species amur_leopard --out resistance.tif",
    no_args_is_help=True,
)
app.add_typer(corridors_app, name="corridors")


@corridors_app.command("resistance")
def resistance(
    ctx: typer.Context,
    habitat: Path = typer.Argument(..., dir_okay=False, help="Habitat map from 'habitatmap classify'."),
    species: str = typer.Option(..., "--species",
                                help="amur_leopard, amur_tiger, snow_leopard or pallas_cat."),
    out: Path = typer.Option(..., "--out", "-o", dir_okay=False, help="Resistance COG to write."),
    barrier: list[str] = typer.Option([], "--barrier",
                                      help="FILE[:LAYER]:VALUE, burned in at that resistance; repeat."),
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Movement resistance of a species from the legend, with barrier layers burned in.

    Example: habitatmap corridors resistance habitat.tif --species amur_leopard --out r.tif
    --barrier roads.gpkg:500 --barrier fence.gpkg:1000
    """
    from habitatmap.corridors.resistance import parse_barrier, resistance_surface

    barriers = [parse_barrier(b) for b in barrier]
    result = resistance_surface(habitat, species, out, state(ctx).legend, barriers=barriers,
                                allow_ballpark=allow_ballpark)
    for spec, n in result.barrier_pixels.items():
        op = result.operations.get(spec)
        console.print(f"  {spec}: {n} pixels burned in" + (f" (moved with {op.description})" if op else ""),
                      highlight=False)
    echo_path(f"resistance ({species})", result.path)


@corridors_app.command("circuit")
def circuit(
    resistance: Path = typer.Option(None, "--resistance", "-r", dir_okay=False,
                                    help="Resistance GeoTIFF (e.g. from 'corridors resistance')."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
    mode: str = typer.Option("pairwise", "--mode", help="pairwise, one-to-all, all-to-one or advanced."),
    network: Path = typer.Option(None, "--network", dir_okay=False,
                                 help="A patch graph instead of a raster: the corridor table of 'corridors "
                                      "leastcost' (corridors.csv), a CSV of node pairs with resistance, or a "
                                      "Circuitscape graph file; pairwise or advanced."),
    focal_nodes: str = typer.Option(None, "--focal-nodes",
                                    help="With --network: focal node ids, comma-separated (default: all)."),
    focal: str = typer.Option(None, "--focal", help="Focal points or core polygons, FILE[:LAYER]."),
    id_field: str = typer.Option(None, "--id-field", help="Integer id column of the focal file."),
    select: str = typer.Option(None, "--select", help="COLUMN=VALUE: only these focal features."),
    sources: str = typer.Option(None, "--sources", help="Advanced: current sources (column 'current', A)."),
    grounds: str = typer.Option(None, "--grounds",
                                help="Advanced: grounds (column 'resistance', ohms; default direct)."),
    four_neighbors: bool = typer.Option(False, "--four-neighbors",
                                        help="Join only orthogonal neighbours (default: 8)."),
    avg_conductance: bool = typer.Option(False, "--avg-conductance",
                                         help="Link cells by average conductance (default: resistance)."),
    pair_maps: bool = typer.Option(False, "--pair-maps",
                                   help="Also write every solve's voltage and current."),
    solver: str = typer.Option("auto", "--solver", help="auto, direct or amg (CG with AMG preconditioner)."),
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Circuit theory as Circuitscape defines it: effective resistances and current maps.

    Example: habitatmap corridors circuit -r resistance.tif --focal cores.gpkg --out circuit/
    """
    from habitatmap.corridors.currents import run_circuit
    from habitatmap.corridors.modes import CircuitOptions
    from habitatmap.errors import ConfigError

    if network is not None:
        _graph_circuit(network, out, mode, focal_nodes, sources, grounds)
        return
    if resistance is None:
        raise ConfigError("no --resistance; give the resistance GeoTIFF (or --network for a patch graph).")
    if solver not in ("auto", "direct", "amg"):
        raise ConfigError(f"--solver {quote(solver)}: not a solver; choose auto, direct or amg.")
    direct = {"auto": None, "direct": True, "amg": False}[solver]
    opts = CircuitOptions(four_neighbors=four_neighbors, avg_resistance=not avg_conductance, direct=direct)
    run = run_circuit(resistance, out, mode=mode, focal=focal, sources=sources, grounds=grounds,
                      id_field=id_field, select=select, options=opts, pair_maps=pair_maps,
                      allow_ballpark=allow_ballpark)
    if run.resistances is not None and mode == "pairwise":
        ids = run.ids
        pairs = [(run.resistances[a, b], a, b)
                 for a in range(len(ids)) for b in range(a + 1, len(ids))]
        connected = sorted(p for p in pairs if p[0] >= 0)
        console.print(f"  {len(connected)} of {len(pairs)} pairs connected; lowest effective resistance:",
                      highlight=False)
        for r, a, b in connected[:5]:
            na, nb = run.names.get(int(ids[a]), ids[a]), run.names.get(int(ids[b]), ids[b])
            console.print(f"    {na} - {nb}: {r:.4g}", highlight=False)
    console.print(f"  {run.mode} in {run.seconds:.1f} s", highlight=False)
    echo_path("circuit results", run.out)


def _graph_circuit(network: Path, out: Path, mode: str, focal_nodes: str | None, sources: str | None,
                   grounds: str | None) -> None:
    import numpy as np

    from habitatmap.corridors.circuitscape.network import read_node_values
    from habitatmap.corridors.graph import run_graph_circuit
    from habitatmap.errors import ConfigError

    focal = None
    if focal_nodes:
        try:
            focal = [int(v) for v in focal_nodes.split(",") if v.strip()]
        except ValueError:
            raise ConfigError(f"--focal-nodes {quote(focal_nodes)}: give node ids as integers, e.g. "
                              "1,2,5.") from None
    src = read_node_values(Path(sources), "'node amps'") if sources else None
    gnd = read_node_values(Path(grounds), "'node conductance'") if grounds else None
    run = run_graph_circuit(network, out, mode=mode, focal=focal, sources=src, grounds=gnd)
    if run.resistances is not None:
        ids = run.ids
        pairs = sorted((run.resistances[a, b], a, b) for a in range(len(ids)) for b in range(a + 1, len(ids))
                       if run.resistances[a, b] >= 0)
        console.print(f"  {len(pairs)} connected pair(s) of {len(ids)} nodes; lowest effective resistance:",
                      highlight=False)
        for r, a, b in pairs[:5]:
            console.print(f"    {run.names.get(int(ids[a]), ids[a])} - {run.names.get(int(ids[b]), ids[b])}: "
                          f"{r:.4g}", highlight=False)
    if run.node_current is not None and len(run.ids):
        top = int(np.argmax(run.node_current))
        console.print(f"  node carrying most current: {run.names.get(int(run.ids[top]), run.ids[top])} "
                      f"({run.node_current[top]:.4g} A)", highlight=False)
    echo_path("graph circuit results", run.out)


@corridors_app.command("leastcost")
def leastcost(
    resistance: Path = typer.Option(..., "--resistance", "-r", dir_okay=False,
                                    help="Resistance GeoTIFF (e.g. from 'corridors resistance')."),
    cores: str = typer.Option(..., "--cores", help="Core areas (polygons) or points, FILE[:LAYER]."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
    max_distance: float = typer.Option(None, "--max-distance", parser=number(minimum=0, min_open=True),
                                       help="Do not link cores further apart than this cost distance."),
    width_cutoff: float = typer.Option(None, "--width-cutoff", parser=number(minimum=0),
                                       help="Corridor polygons: normalised corridor below this "
                                            "(default 5% of each pair's least-cost distance)."),
    border: str = typer.Option(None, "--border", help="State border, FILE[:LAYER]: where paths cross it."),
    id_field: str = typer.Option(None, "--id-field", help="Integer id column of the cores file."),
    select: str = typer.Option(None, "--select", help="COLUMN=VALUE: only these core features."),
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Least-cost corridors between core areas, as Linkage Mapper defines them.

    Example: habitatmap corridors leastcost -r resistance.tif --cores basemap.gpkg:zones
    --select zone_class=core --border basemap.gpkg:border --out leastcost/
    """
    from habitatmap.corridors.leastcost import run_leastcost

    run = run_leastcost(resistance, cores, out, max_distance=max_distance, width_cutoff=width_cutoff,
                        border=border, id_field=id_field, select=select, allow_ballpark=allow_ballpark)
    for row in run.table:
        link = (f"least-cost distance {row['lcd']:.4g}, path {row['path_length_m'] / 1000:.1f} km"
                if row["linked"] else "not linked")
        cross = f", crosses the border {row['border_crossings']}x" if row.get("border_crossings") else ""
        console.print(f"  {row['name_a']} - {row['name_b']}: {link}{cross}", highlight=False)
    console.print(f"  {len(run.table)} pair(s) in {run.seconds:.1f} s", highlight=False)
    echo_path("least-cost corridors", run.out)


@corridors_app.command("border")
def border(
    current: Path = typer.Option(..., "--current", dir_okay=False,
                                 help="Current map, e.g. cum_current.tif from 'corridors circuit'."),
    border_file: str = typer.Option(..., "--border",
                                    help="The state border, FILE[:LAYER] (lines or polygons)."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
    segment_km: float = typer.Option(1.0, "--segment-km",
                                     parser=number(minimum=0, min_open=True, maximum=1e5),
                                     help="Length of the border segments (km)."),
    pinch_share: float = typer.Option(0.05, "--pinch-share",
                                      parser=number(minimum=0, min_open=True, maximum=1),
                                      help="Pinch points: local maxima among this top share of samples."),
    exclude: str = typer.Option(None, "--exclude",
                                help="Leave out the border inside these areas (e.g. the focal cores), "
                                     "FILE[:LAYER]."),
    exclude_select: str = typer.Option(None, "--exclude-select", help="COLUMN=VALUE for --exclude."),
    allow_ballpark: AllowBallpark = False,
) -> None:
    """Current crossing each border segment, ranked, and the pinch points along the border.

    Example: habitatmap corridors border --current circuit/cum_current.tif --border basemap.gpkg:border
    --out border/
    """
    from habitatmap.corridors.border import run_border

    run = run_border(current, border_file, out, segment_km=segment_km, pinch_share=pinch_share,
                     exclude=exclude, exclude_select=exclude_select, allow_ballpark=allow_ballpark)
    ranked = sorted((s for s in run.segments if s["rank"]), key=lambda s: s["rank"])
    for s in ranked[:5]:
        console.print(f"  #{s['rank']}: km {s['from_km']:g}-{s['to_km']:g}, {s['share_pct']}% of the "
                      f"crossing current", highlight=False)
    console.print(f"  {len(run.segments)} segments, {len(run.pinch_points)} pinch points", highlight=False)
    echo_path("border crossings", run.out)


@corridors_app.command("omniscape")
def omniscape(
    resistance: Path = typer.Option(..., "--resistance", "-r", dir_okay=False,
                                    help="Resistance GeoTIFF (e.g. from 'corridors resistance')."),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
    radius: int = typer.Option(..., "--radius", parser=number(minimum=1, integer=True),
                               help="Moving window radius in cells."),
    sources: Path = typer.Option(None, "--sources", dir_okay=False,
                                 help="Source strength raster on the resistance's grid."),
    from_resistance: bool = typer.Option(False, "--sources-from-resistance",
                                         help="Sources = 1 / resistance where resistance <= --r-cutoff."),
    r_cutoff: float = typer.Option(None, "--r-cutoff", parser=number(min_open=True, minimum=0.0),
                                   help="Largest resistance of a source cell (with "
                                        "--sources-from-resistance; default: every cell)."),
    block_size: int = typer.Option(1, "--block-size", parser=number(minimum=1, integer=True),
                                   help="Odd side of the target blocks (an even size becomes the next odd)."),
    buffer: int = typer.Option(0, "--buffer", parser=number(minimum=0, integer=True),
                               help="Cells solved beyond the radius (without sources)."),
    source_threshold: float = typer.Option(0.0, "--source-threshold", parser=number(),
                                           help="Source strengths below this count as 0."),
    conductance: bool = typer.Option(False, "--conductance", help="The raster holds conductances."),
    four_neighbors: bool = typer.Option(False, "--four-neighbors", help="Join only orthogonal neighbours."),
    no_correction: bool = typer.Option(False, "--no-correct-artifacts",
                                       help="Skip the block-artifact correction."),
    no_flow_potential: bool = typer.Option(False, "--no-flow-potential",
                                           help="Write only the cumulative current (no flow potential and "
                                                "no normalised current)."),
    keep_nodata: bool = typer.Option(False, "--no-mask-nodata",
                                     help="Keep currents in the resistance's nodata cells."),
    reclass: Path = typer.Option(None, "--reclass", dir_okay=False,
                                 help="Two-column table (old new) applied to the resistance first."),
    condition: list[str] = typer.Option([], "--condition",
                                        help="Conditional connectivity: PRESENT[,FUTURE]:within:LOW:HIGH or "
                                             "PRESENT[,FUTURE]:equal; once or twice."),
    precision: str = typer.Option("double", "--precision", help="double or single (float32 outputs)."),
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Omnidirectional connectivity (Omniscape): cumulative current, flow potential and normalised current.

    Example: habitatmap corridors omniscape -r resistance.tif --sources-from-resistance --r-cutoff 50
    --radius 100 --block-size 5 --out omniscape/
    """
    from habitatmap.cli._progress import block_progress
    from habitatmap.corridors.omniscape.options import OmniscapeOptions, parse_conditions
    from habitatmap.corridors.omniscape.product import run_omniscape
    from habitatmap.errors import ConfigError

    if sources is None and not from_resistance:
        raise ConfigError("no sources; give --sources FILE or --sources-from-resistance (with --r-cutoff).")
    if sources is not None and from_resistance:
        raise ConfigError("--sources and --sources-from-resistance both given; choose one.")
    if precision not in ("double", "single"):
        raise ConfigError(f"--precision {quote(precision)}: choose double or single.")
    if block_size % 2 == 0:
        console.print(f"  block size {block_size} is even; using {block_size + 1}", highlight=False)
        block_size += 1
    flow = not no_flow_potential
    opts = OmniscapeOptions(
        radius=radius, block_size=block_size, buffer=buffer, source_threshold=source_threshold,
        source_from_resistance=from_resistance, r_cutoff=r_cutoff if r_cutoff is not None else float("inf"),
        resistance_is_conductance=conductance,
        connect_four_neighbors_only=four_neighbors, calc_flow_potential=flow, calc_normalized_current=flow,
        correct_artifacts=not no_correction, mask_nodata=not keep_nodata,
        reclassify_resistance=reclass is not None, reclass_table=reclass, precision=precision,
        **parse_conditions(condition))
    with block_progress("windows (tiles)") as update:
        run = run_omniscape(resistance, out, opts, sources=sources, scheduler=scheduler, workers=workers,
                            on_task=update)
    console.print(f"  {run.targets} targets, {run.solved} windows solved in {run.seconds:.1f} s",
                  highlight=False)
    echo_path("omniscape maps", run.out)
