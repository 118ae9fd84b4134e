"""Issue 6 least-cost target: cost-weighted distance on 8000 x 8000 in no more time than
xarray-spatial's ``cost_distance`` on the same grid in the same run, with peak memory under 1.5 GB.

Grid: float32 log-normal resistance (1 to ~90) from smoothed Gaussian noise (seeded), 30 m cells,
a band of nodata (a lake), and three source cores (discs of radius 10 cells). Both tools use the
same cost model (mean resistance of two cells x centre distance, 8 neighbours); the results are
compared. Each tool runs in a fresh process that reads the GeoTIFF (untimed) and reports its own
peak memory (VmHWM). xarray-spatial is installed by ``pip install -e .[bench]``.

Usage: python benchmarks/bench_leastcost.py [--size 8000]
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
n = int(sys.argv[1])
rng = np.random.default_rng(11)
field = gaussian_filter(rng.normal(size=(n, n)).astype(np.float32), 8)
lo, hi = field.min(), field.max()
res = np.exp(4.5 * (field - lo) / (hi - lo)).astype(np.float32)
del field
res[n // 3: n // 3 + n // 50, n // 5: 4 * n // 5] = np.nan
with rasterio.open(sys.argv[2], "w", driver="GTiff", width=n, height=n, count=1, dtype="float32",
                   crs="EPSG:32652", transform=Affine(30, 0, 400000, 0, -30, 4900000), nodata=float("nan"),
                   tiled=True, compress="deflate", bigtiff="YES") as ds:
    ds.write(res, 1)
"""

CORES = """
def cores(n):
    import numpy as np
    rr, cc = np.mgrid[-10:11, -10:11]
    disc = rr ** 2 + cc ** 2 <= 100
    cells = []
    for r0, c0 in ((n // 10, n // 10), (n // 2, 9 * n // 10), (9 * n // 10, n // 4)):
        cells.append(np.column_stack([rr[disc] + r0, cc[disc] + c0]))
    return np.concatenate(cells)
"""

OURS = PEAK + CORES + """
import json, sys, time, numpy as np, rasterio
with rasterio.open(sys.argv[1]) as ds:
    res = ds.read(1)
from habitatmap.corridors.costdist import cost_distance
cost_distance(res[:50, :50], np.array([[1, 1]]))  # compile (cached) outside the timing
src = cores(res.shape[0])
t = time.perf_counter()
d = cost_distance(res, src, cellsize=30.0)
seconds = time.perf_counter() - t
sample = d[::997, ::991].astype(float)
sample = np.where(np.isfinite(sample), sample, -1).tolist()
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "sample": sample}))
"""

XRS = PEAK + CORES + """
import json, sys, time, numpy as np, rasterio, xarray as xr
with rasterio.open(sys.argv[1]) as ds:
    res = ds.read(1)
    t = ds.transform
n = res.shape[0]
src = np.zeros(res.shape, dtype=np.float32)
c = cores(n)
src[c[:, 0], c[:, 1]] = 1
x = t.c + (np.arange(n) + 0.5) * t.a
y = t.f + (np.arange(n) + 0.5) * t.e
da_src = xr.DataArray(src, coords={"y": y, "x": x}, dims=("y", "x"))
da_res = xr.DataArray(res, coords={"y": y, "x": x}, dims=("y", "x"))
from xrspatial import cost_distance
cost_distance(da_src[:50, :50], da_res[:50, :50])  # compile outside the timing
t0 = time.perf_counter()
d = cost_distance(da_src, da_res).values
seconds = time.perf_counter() - t0
sample = d[::997, ::991].astype(float)
sample = np.where(np.isfinite(sample), sample, -1).tolist()
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "sample": sample}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=8000)
    args = parser.parse_args()
    n = args.size
    tif = DATA / f"leastcost_resistance_{n}.tif"
    build_once([tif], lambda tmp: subprocess.run([sys.executable, "-c", MAKE, str(n), str(tmp[0])],
                                                 check=True))
    ours = child(OURS, tif)
    print(f"ours: cost distance on {n} x {n} in {ours['seconds']:.1f} s, peak {ours['peak_mb']:.0f} MB")
    theirs = child(XRS, tif)
    print(f"xarray-spatial cost_distance: {theirs['seconds']:.1f} s, peak {theirs['peak_mb']:.0f} MB")
    import numpy as np

    a, b = np.array(ours["sample"]), np.array(theirs["sample"])
    both = (a >= 0) & (b >= 0)
    rel = float(np.max(np.abs(a[both] - b[both]) / np.maximum(b[both], 1e-9))) if both.any() else np.nan
    print(f"sampled cells agreeing on reachability: {(both == ((a >= 0) | (b >= 0))).all()}, "
          f"largest relative difference {rel:.2e} (xarray-spatial returns float32)")
    ok = ours["seconds"] <= theirs["seconds"] and ours["peak_mb"] < 1536
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
