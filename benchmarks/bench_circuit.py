"""Issue 6 circuit targets, measured on this machine.

A. Many pairs: pairwise mode with 10 focal points (45 pairs) on a 1000 x 1000 grid at least 10x
   faster than solving each pair with ``scipy.sparse.linalg.spsolve``, with the same effective
   resistances to 1e-6 relative. Ours: ``modes.pairwise`` (one AMG hierarchy, one CG solve per focal
   node), resistances only, and ``corridors circuit`` end to end (reading the GeoTIFF, the
   resistances, cumulative and maximum current COGs). Baseline: for each pair, the Laplacian
   grounded at the pair's second node and ``spsolve`` for 1 A at the first.
B. Large grid: one pair on 3000 x 3000 (9 M cells), peak memory under 4 GB; the time is reported.
C. Whole landscape (issue 18): ``corridors circuit`` with 10 focal points on 5000 x 5000 (25 M
   cells, about Land of the Leopard and the Tiger and Leopard park together at 30 m) end to end,
   under 12 GB peak; the time is reported.

Grids: log-normal resistance (1 to ~90) from smoothed Gaussian noise (seeded), 8 neighbours,
average-resistance links, as Circuitscape's defaults. Each measurement runs in a fresh process and
reports its peak memory (VmHWM).

Usage: python benchmarks/bench_circuit.py [--baseline-pairs 45] [--only A|B|C]
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
n = int(sys.argv[1]); path = sys.argv[2]
rng = np.random.default_rng(6)
field = gaussian_filter(rng.normal(size=(n, n)).astype(np.float32), 8)
res = np.exp(4.5 * (field - field.min()) / (field.max() - field.min())).astype(np.float32)
with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32",
                   crs="EPSG:32652", transform=Affine(30, 0, 500000, 0, -30, 4800000), nodata=float("nan"),
                   tiled=True, compress="deflate") as ds:
    ds.write(res, 1)
import geopandas as gpd, shapely
pts = [(0.05 + 0.9 * rng.random(), 0.05 + 0.9 * rng.random()) for _ in range(int(sys.argv[3]))]
geoms = [shapely.Point(500000 + x * n * 30, 4800000 - y * n * 30) for x, y in pts]
points = gpd.GeoDataFrame({"id": range(1, len(geoms) + 1)}, geometry=geoms, crs="EPSG:32652")
points.to_file(sys.argv[4], layer="points")
"""

OURS = PEAK + """
import json, sys, time, numpy as np
from habitatmap.corridors.focal import read_resistance, read_focal
from habitatmap.corridors.modes import pairwise, CircuitOptions
r, g = read_resistance(sys.argv[1])
f = read_focal(sys.argv[2], g, r, id_field="id")
t = time.perf_counter()
cond = np.where(np.isfinite(r), 1 / np.where(np.isfinite(r), r, 1), 0)
del r
ids, res, _ = pairwise(cond, f.points, options=CircuitOptions(voltage_maps=False, current_maps=False))
print(json.dumps({"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "ids": ids.tolist(),
                  "res": res.tolist()}))
"""

CLI = PEAK + """
import json, sys, time
from habitatmap.corridors.currents import run_circuit
t = time.perf_counter()
run = run_circuit(sys.argv[1], sys.argv[3], focal=sys.argv[2], id_field="id")
print(json.dumps({"seconds": time.perf_counter() - t, "peak_mb": peak_mb()}))
"""

BASELINE = PEAK + """
import json, sys, time, numpy as np, scipy.sparse.linalg as sla
from habitatmap.corridors.focal import read_resistance, read_focal
from habitatmap.corridors.circuit import build_graph
r, g = read_resistance(sys.argv[1])
f = read_focal(sys.argv[2], g, r, id_field="id")
cond = np.where(np.isfinite(r), 1 / np.where(np.isfinite(r), r, 1), 0)
graph = build_graph(cond)
lap = graph.laplacian.tocsc()
nodes = [graph.node_at(rr, cc) for rr, cc in zip(f.points.rows, f.points.cols)]
pairs = [(a, b) for a in range(len(nodes)) for b in range(a + 1, len(nodes))][: int(sys.argv[3])]
out, spent = {}, 0.0
for a, b in pairs:
    keep = np.ones(lap.shape[0], bool); keep[nodes[b]] = False  # ground at b
    t = time.perf_counter()
    sub = lap[keep][:, keep]
    rhs = np.zeros(sub.shape[0]); idx = nodes[a] - (nodes[a] > nodes[b]); rhs[idx] = 1.0
    v = sla.spsolve(sub, rhs)
    spent += time.perf_counter() - t
    out[f"{a},{b}"] = float(v[idx])
print(json.dumps({"seconds": spent, "pairs": len(pairs), "peak_mb": peak_mb(), "res": out}))
"""


def _data(n: int, points: int) -> tuple[Path, Path]:
    tif, gpkg = DATA / f"circuit_resistance_{n}.tif", DATA / f"circuit_points_{n}_{points}.gpkg"
    build_once([tif, gpkg], lambda tmp: subprocess.run(
        [sys.executable, "-c", MAKE, str(n), str(tmp[0]), str(points), str(tmp[1])], check=True))
    return tif, gpkg


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline-pairs", type=int, default=45,
                        help="pairs solved with spsolve (all 45 take about 9 minutes)")
    parser.add_argument("--only", choices=["A", "B", "C"])
    args = parser.parse_args()
    ok = True
    if args.only in (None, "A"):
        tif, pts = _data(1000, 10)
        ours = child(OURS, tif, pts)
        cli = child(CLI, tif, pts, DATA / "circuit_out_1000")
        base = child(BASELINE, tif, pts, args.baseline_pairs)
        res = ours["res"]
        worst = 0.0
        for key, r_base in base["res"].items():
            a, b = map(int, key.split(","))
            worst = max(worst, abs(res[a][b] - r_base) / r_base)
        per_pair = base["seconds"] / base["pairs"]
        full = per_pair * 45
        print(f"A ours, resistances of 45 pairs: {ours['seconds']:.1f} s, peak {ours['peak_mb']:.0f} MB")
        print("A ours, corridors circuit end to end (+ cumulative/max current COGs): "
              f"{cli['seconds']:.1f} s, peak {cli['peak_mb']:.0f} MB")
        extra = "" if base["pairs"] == 45 else f", {full:.0f} s for 45 by extrapolation"
        print(f"A spsolve per pair: {base['pairs']} pairs in {base['seconds']:.1f} s "
              f"({per_pair:.1f} s a pair{extra}), peak {base['peak_mb']:.0f} MB")
        print(f"A largest relative difference of effective resistances: {worst:.2e} (target <= 1e-6)")
        print(f"A speed-up: resistances {full / ours['seconds']:.1f}x, "
              f"end to end {full / cli['seconds']:.1f}x (target >= 10x)")
        ok &= worst <= 1e-6 and full / cli["seconds"] >= 10
    if args.only in (None, "B"):
        tif, pts = _data(3000, 2)
        big = child(OURS, tif, pts)
        print(f"B one pair on 3000 x 3000: {big['seconds']:.1f} s, peak {big['peak_mb']:.0f} MB "
              "(target < 4096 MB)")
        ok &= big["peak_mb"] < 4096
    if args.only in (None, "C"):
        tif, pts = _data(5000, 10)
        whole = child(CLI, tif, pts, DATA / "circuit_out_5000")
        print(f"C corridors circuit, 10 focal points (45 pairs) on 5000 x 5000 (25 M cells) end to end: "
              f"{whole['seconds']:.1f} s, peak {whole['peak_mb']:.0f} MB (target < 12288 MB)")
        ok &= whole["peak_mb"] < 12288
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
