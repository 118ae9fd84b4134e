"""Issue 18 Omniscape targets, measured on this machine.

A. Speed: Omniscape on 1000 x 1000 cells, radius 50, block size 5 (about 40 000 windows of about
   7 850 cells) at least 10x faster than a plain per-window loop, with the same current to 1e-6
   relative. Ours: ``corridors omniscape`` end to end (reading, every window, the three COGs) on
   the default local cluster (2 threads). Baseline: every window clipped from the raster, its graph
   built (``corridors.circuit.build_graph``), grounded and solved with
   ``scipy.sparse.linalg.spsolve``, node currents summed (Omniscape's steps, via
   ``omniscape.reference``), on a sample of the same windows (every k-th target) and extrapolated
   per window; the sampled windows' summed current is compared with ours for the same windows.
B. Memory: peak within 20 % between 1 M and 16 M cells at the same radius and block size, with
   flow potential and normalised current; sources in the same share (a twentieth) of the blocks
   of both rasters, so both runs stream their whole raster while the larger solves 16x the windows.

Landscape: log-normal resistance (1 to ~90) from smoothed noise (seeded), sources from
resistance (r_cutoff); each measurement runs in a fresh process and reports its peak (VmHWM).

Usage: python benchmarks/bench_omniscape.py [--only A|B] [--sample 400]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from _common import PEAK, build_once, child

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("HABITATMAP_BENCH_DATA", HERE / ".data"))

MAKE = """
import sys, numpy as np, rasterio
from affine import Affine
from scipy.ndimage import gaussian_filter
n = int(sys.argv[1]); path = sys.argv[2]; patchy = sys.argv[3] == "patchy"
rng = np.random.default_rng(18)
with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32", crs="EPSG:32652",
                   transform=Affine(30, 0, 500000, 0, -30, 4800000), nodata=float("nan"), tiled=True,
                   compress="deflate") as ds:
    for row in range(0, n, 1000):
        h = min(1000, n - row)
        field = gaussian_filter(rng.normal(size=(h + 64, n)).astype(np.float32), 8)[32:32 + h]
        z = field / 0.035  # about unit variance after smoothing
        res = np.exp(np.clip(1.5 * z + 2.0, 0.0, 4.5)).astype(np.float32)
        if patchy:  # sources (resistance <= 5) only in a twentieth of the 5 x 5 blocks, spread evenly
            blocks = np.random.default_rng(row).random((-(-h // 5), -(-n // 5))) < 0.05
            cells = np.kron(blocks, np.ones((5, 5), bool))[:h, :n]
            res = np.where(cells, np.minimum(res, 4.0), np.maximum(res, 6.0)).astype(np.float32)
        ds.write(res, 1, window=((row, row + h), (0, n)))
"""

OURS = PEAK + """
import json, sys, time
from habitatmap.corridors.omniscape.options import OmniscapeOptions
from habitatmap.corridors.omniscape.product import run_omniscape
opts = OmniscapeOptions(radius=int(sys.argv[3]), block_size=5, source_from_resistance=True,
                        r_cutoff=float(sys.argv[4]), calc_flow_potential=sys.argv[5] == "fp",
                        calc_normalized_current=sys.argv[5] == "fp")
t = time.perf_counter()
run = run_omniscape(sys.argv[1], sys.argv[2], opts)
print(json.dumps({"seconds": time.perf_counter() - t, "solve_seconds": run.seconds, "targets": run.targets,
                  "windows": run.solved, "peak_mb": peak_mb()}))
"""

SAMPLE = PEAK + """
import json, sys, time, numpy as np, scipy.sparse.linalg as sla
from habitatmap.corridors.circuit import build_graph, node_currents
from habitatmap.corridors.omniscape.options import OmniscapeOptions
from habitatmap.corridors.omniscape.reference import reference_omniscape
from habitatmap.corridors.omniscape.run import check_inputs
from habitatmap.corridors.omniscape.targets import Geometry
from habitatmap.corridors.omniscape.run import block_correction
from habitatmap.corridors.omniscape.tile import read_layers, single_threaded_blas, solve_targets

def plain(conductance, sources, ground, *, four):
    # Graph built per window, grounded at the target, spsolve, Circuitscape's node currents.
    g = np.where(np.isfinite(conductance) & (conductance > 0), conductance, 0.0)
    graph = build_graph(g, four_neighbors=four, avg_resistance=False)
    out = np.zeros(g.shape)
    t = graph.node_at(*ground)
    if t < 0:
        return out
    comp = graph.component == graph.component[t]
    s = np.bincount(graph.nodemap[graph.nodemap > 0] - 1, sources[graph.nodemap > 0], graph.n_nodes)
    keep = comp.copy(); keep[t] = False
    if not np.any(s[keep] != 0):
        return out
    lap = graph.laplacian.tocsc()[keep][:, keep]
    v = np.zeros(graph.n_nodes)
    v[keep] = sla.spsolve(lap, s[keep])
    return graph.to_grid(node_currents(graph, v))

tif, k = sys.argv[1], int(sys.argv[2])
opts = OmniscapeOptions(radius=int(sys.argv[3]), block_size=5, source_from_resistance=True,
                        r_cutoff=float(sys.argv[4]), resistance_file=__import__("pathlib").Path(tif))
files, grid = check_inputs(opts)
res, _, src, _ = read_layers(files, opts, 0, grid.height, 0, grid.width)
geo = Geometry(opts.radius, 0, 5, grid.height, grid.width)
rows, cols = geo.centres(0), geo.centres(1)
br = geo.block_radius
targets = [(y, x, float(src[y - br:y + br + 1, x - br:x + br + 1].sum())) for y in rows.tolist()
           for x in cols.tolist()]
targets = [t for t in targets if t[2] > 0]
pick = list(range(0, len(targets), k))
t = time.perf_counter()
base, _ = reference_omniscape(res, src, opts, windows=pick, solve=plain)
base_s = time.perf_counter() - t
# Ours on the same windows, one thread, the layers read once (a task reads its tile once too).
r = geo.reach
_, g, src_p, conds = read_layers(files, opts, -r, grid.height + r, -r, grid.width + r)
corr = block_correction(geo, opts)
ty, tx, amps = (np.array([targets[i][j] for i in pick]) for j in range(3))
ty, tx = ty.astype(np.int64), tx.astype(np.int64)
solve_targets(g, src_p, conds, (-r, -r), ty[:1], tx[:1], amps[:1], opts, geo, corr)  # compile first
t = time.perf_counter()
with single_threaded_blas():
    cum, _, _ = solve_targets(g, src_p, conds, (-r, -r), ty, tx, amps, opts, geo, corr)
ours_s = time.perf_counter() - t
ours = cum[r:r + grid.height, r:r + grid.width]
rel = float(np.abs(ours - base).max() / np.abs(base).max())
print(json.dumps({"targets": len(targets), "sampled": len(pick), "baseline_seconds": base_s,
                  "ours_seconds": ours_s, "max_rel_diff": rel, "peak_mb": peak_mb()}))
"""


def _data(n: int, kind: str) -> Path:
    tif = DATA / f"omniscape_resistance_{n}_{kind}.tif"
    build_once([tif], lambda tmp: subprocess.run([sys.executable, "-c", MAKE, str(n), str(tmp[0]), kind],
                                                 check=True))
    return tif


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["A", "B"])
    parser.add_argument("--sample", type=int, default=400, help="windows the baseline solves (every k-th)")
    args = parser.parse_args()
    ok = True
    if args.only in (None, "A"):
        tif = _data(1000, "smooth")
        ours = child(OURS, tif, DATA / "omniscape_out_1000", 50, 50, "raw")
        k = max(1, ours["targets"] // args.sample)
        sample = child(SAMPLE, tif, k, 50, 50)
        per_base = sample["baseline_seconds"] / sample["sampled"]
        per_ours = sample["ours_seconds"] / sample["sampled"]
        full_base = per_base * sample["targets"]
        print(f"A targets {ours['targets']} (windows with current {ours['windows']}); ours, corridors "
              f"omniscape end to end on the local cluster: {ours['seconds']:.1f} s "
              f"(solves {ours['solve_seconds']:.1f} s), peak {ours['peak_mb']:.0f} MB")
        print(f"A plain loop (graph + spsolve per window) on {sample['sampled']} of the same windows: "
              f"{per_base * 1000:.1f} ms a window, {full_base:.0f} s for all by extrapolation; ours on "
              f"those windows one at a time on one thread: {per_ours * 1000:.1f} ms a window")
        print(f"A largest relative difference of the sampled windows' summed current: "
              f"{sample['max_rel_diff']:.2e} (target <= 1e-6)")
        speed = full_base / ours["seconds"]
        print(f"A speed-up: end to end {speed:.1f}x, per window on one thread {per_base / per_ours:.1f}x "
              "(target >= 10x)")
        ok &= speed >= 10 and sample["max_rel_diff"] <= 1e-6
    if args.only in (None, "B"):
        small = child(OURS, _data(1000, "patchy"), DATA / "omniscape_out_1m", 50, 5, "fp")
        large = child(OURS, _data(4000, "patchy"), DATA / "omniscape_out_16m", 50, 5, "fp")
        change = 100 * (large["peak_mb"] - small["peak_mb"]) / small["peak_mb"]
        for label, r in (("1 M", small), ("16 M", large)):
            print(f"B {label} cells: {r['targets']} targets, {r['seconds']:.1f} s, "
                  f"peak {r['peak_mb']:.0f} MB")
        print(f"B peak change 1 M -> 16 M cells: {change:+.1f} % (target within 20 %)")
        ok &= abs(change) <= 20
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
