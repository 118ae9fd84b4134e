"""Issue 20 target: burn severity for a whole Landsat scene pair (7681 x 7821 px) within 3x the time
of reading the two composites' NIR and SWIR2 bands, in bounded memory.

The composites are synthetic and shaped like what ``habitatmap composite`` writes: 11 float32 bands
(blue, green, red, nir08, swir16, swir22, ndvi, ndwi, nbr, ndmi, clear_count), pixel-interleaved
DEFLATE COGs as habitatmap writes them, NaN where no scene saw the ground. Forest reflectance varies smoothly
with sensor noise; the post-fire composite has fires (discs of 1-8 km, about 8 % of the scene)
whose NIR falls and SWIR2 rises towards their centres, so every severity class occurs. They are made
once into ``$HABITATMAP_BENCH_DATA`` (default ``benchmarks/.data``) and reused.

Measured, each in a fresh process, after one untimed pass that brings the files into the page cache:
the read (every strip of the ``nir08`` and ``swir22`` bands of both files, as ``change burn`` reads
them) and ``run_burn`` end to end (indices, classes, five float32 COGs and the severity COG, burned
polygons, areas, report); the peak memory (VmHWM) of ``run_burn`` at full size and at a quarter of
the pixels shows whether memory grows with the scene.

Usage: python benchmarks/bench_change.py [--size 7681x7821]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
from _common import PEAK, build_once, child

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("HABITATMAP_BENCH_DATA", HERE / ".data"))
BANDS = ["blue", "green", "red", "nir08", "swir16", "swir22", "ndvi", "ndwi", "nbr", "ndmi", "clear_count"]

READ = PEAK + """
import json, sys, time
import rasterio
from rasterio.windows import Window
paths = sys.argv[1:3]
def read_all():
    total = 0.0
    for p in paths:
        with rasterio.open(p) as ds:
            names = list(ds.descriptions)
            bands = [names.index("nir08") + 1, names.index("swir22") + 1]
            for top in range(0, ds.height, 512):
                w = Window(0, top, ds.width, min(512, ds.height - top))
                total += float(ds.read(bands, window=w)[:, ::97, ::97].sum())
    return total
read_all()                                     # untimed: the page cache
t = time.perf_counter()
read_all()
print(json.dumps({"read_s": time.perf_counter() - t, "peak_mb": peak_mb()}))
"""

BURN = PEAK + """
import json, shutil, sys, time
from pathlib import Path
from habitatmap.change.burn import run_burn
pre, post, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
shutil.rmtree(out, ignore_errors=True)
t = time.perf_counter()
res = run_burn(pre, post, out)
took = time.perf_counter() - t
print(json.dumps({"burn_s": took, "burned_ha": res.burned_ha, "peak_mb": peak_mb()}))
"""


def _make_pair(paths: list[Path], width: int, height: int) -> None:
    """The pre- and post-fire composites, written strip by strip (memory stays flat)."""
    from affine import Affine

    from habitatmap.composite.indices import compute_index
    from habitatmap.grid import Grid
    from habitatmap.io.raster import cog_writer

    grid = Grid("EPSG:32652", Affine(30.0, 0, 400_000.0, 0, -30.0, 4_900_000.0), width, height)
    rng = np.random.default_rng(20)
    n_fires = 40
    fx, fy = rng.uniform(0, width, n_fires), rng.uniform(0, height, n_fires)
    fr = rng.uniform(17, 133, n_fires)  # 1-8 km across
    forest = np.array([0.03, 0.05, 0.03, 0.32, 0.16, 0.07], dtype=np.float32)
    burned = np.array([0.05, 0.06, 0.07, 0.12, 0.22, 0.20], dtype=np.float32)
    for path, fire in zip(paths, (False, True), strict=True):
        noise = np.random.default_rng(21 + fire)
        with cog_writer(path, grid=grid, count=len(BANDS), dtype="float32", nodata=float("nan"),
                        band_descriptions=BANDS, tags={"SYNTHETIC": "benchmark composite"},
                        profile={"level": 6, "num_threads": "ALL_CPUS"}) as dst:
            for top in range(0, height, 512):
                h = min(512, height - top)
                rows = np.arange(top, top + h, dtype=np.float32)[:, None]
                cols = np.arange(width, dtype=np.float32)[None, :]
                field = np.sin(cols / 173.0) * np.cos(rows / 211.0) * 0.5 + 0.5
                refl = forest[:, None, None] * (0.8 + 0.4 * field)[None]
                if fire:
                    sev = np.zeros((h, width), dtype=np.float32)
                    for x, y, r in zip(fx, fy, fr, strict=True):
                        if top - r <= y <= top + h + r:
                            d = np.sqrt((cols - x) ** 2 + (rows - y) ** 2) / r
                            sev = np.maximum(sev, np.clip(1.2 - d, 0, 1))
                    refl = refl * (1 - sev)[None] + burned[:, None, None] * sev[None]
                refl = refl + noise.normal(0, 0.004, refl.shape).astype(np.float32)
                named = dict(zip(BANDS[:6], refl, strict=True))
                out = np.empty((len(BANDS), h, width), dtype=np.float32)
                out[:6] = refl
                for k, name in enumerate(("ndvi", "ndwi", "nbr", "ndmi")):
                    out[6 + k] = compute_index(name, named)
                out[10] = 3.0
                out[:, :, : width // 60] = np.nan  # the scene's edge: no observation
                dst.write(out, window=((top, top + h), (0, width)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="7681x7821", help="scene size WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    sizes = [(width, height), (width // 2, height // 2)]
    runs = {}
    for w, h in sizes:
        folder = DATA / f"burn_{w}x{h}"
        pair = [folder / "composite_pre.tif", folder / "composite_post.tif"]
        build_once(pair, lambda tmps, w=w, h=h: _make_pair(tmps, w, h))
        out = folder / "burn"
        read = child(READ, *pair) if (w, h) == sizes[0] else {}
        burn = child(BURN, *pair, out)
        shutil.rmtree(out, ignore_errors=True)
        runs[f"{w}x{h}"] = {**read, **burn}
        print(json.dumps({f"{w}x{h}": runs[f"{w}x{h}"]}), flush=True)
    full, quarter = runs[f"{width}x{height}"], runs[f"{width // 2}x{height // 2}"]
    ratio = full["burn_s"] / full["read_s"]
    summary = {"size": f"{width}x{height}", "read_s": round(full["read_s"], 1),
               "burn_s": round(full["burn_s"], 1), "ratio": round(ratio, 2),
               "burned_ha": round(full["burned_ha"]), "peak_mb": round(full["peak_mb"]),
               "peak_quarter_mb": round(quarter["peak_mb"]),
               "time_target_met": ratio <= 3.0}
    print(json.dumps(summary, indent=1))
    return 0 if ratio <= 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())
