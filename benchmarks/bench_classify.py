"""Issue 4 target: end-to-end ``classify`` of a Landsat-size composite (7681 x 7821 px, 10 features)
at least 3x faster than scikit-learn's bare ``predict`` on the same pixels, measured in one run, with
identical labels; peak memory under 2 GB.

Data: the demo's summer composite (10 features: six bands and four indices) is mirror-tiled to the
full Landsat size, with a little per-pixel noise so that no two tiles are identical, and written as
the ZSTD float32 COG ``composite`` writes. The model is the default random forest trained by
``classify`` on the sample's training points over the demo composite, saved with ``--model-out``.
Everything is made once into ``$HABITATMAP_BENCH_DATA`` (default ``benchmarks/.data``) and reused.

Measured, each in a fresh process (so peak RSS is its own):
  A. ``classify`` end to end with the default minimum mapping unit: read, features, predict, sieve,
     write the COG;
  B. bare ``RandomForestClassifier.predict`` (the model's own n_jobs=-1, all cores) on every valid
     pixel, reading untimed: only the predict calls are timed;
  C. ``classify`` with ``--mmu-ha 0``, whose labels must equal B's pixel for pixel.

Usage: python benchmarks/bench_classify.py [--size 7681x7821] [--memory-only]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from _common import PEAK, child

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = Path(os.environ.get("HABITATMAP_BENCH_DATA", HERE / ".data"))
FEATURES = ["blue", "green", "red", "nir08", "swir16", "swir22", "ndvi", "ndwi", "nbr", "ndmi"]


def _demo() -> Path:
    out = DATA / "demo"
    if not (out / "composite_summer.tif").exists():
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "demo", "--out", str(out)], check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL)
    return out


def _model(demo: Path) -> Path:
    path = DATA / "classify_model.skops"
    if not path.exists():
        from habitatmap.habitat.classify import ClassifySettings, classify_composites
        from habitatmap.legend import load_legend

        classify_composites([demo / "composite_summer.tif"], DATA / "classify_demo.tif", load_legend(),
                            training=str(ROOT / "sample_data/tumen/samples/training_points.gpkg"),
                            model_out=path, settings=ClassifySettings())
    return path


def _big_composite(demo: Path, width: int, height: int) -> Path:
    """Mirror-tile the demo's 10 feature bands to width x height, block by block."""
    import rasterio
    from affine import Affine

    from habitatmap.grid import Grid
    from habitatmap.io.raster import cog_writer

    path = DATA / f"composite_{width}x{height}.tif"
    if path.exists():
        return path
    with rasterio.open(demo / "composite_summer.tif") as ds:
        src = ds.read(list(range(1, len(FEATURES) + 1)))
    h0, w0 = src.shape[1:]
    grid = Grid("EPSG:32652", Affine(30.0, 0, 400_000.0, 0, -30.0, 4_900_000.0), width, height)
    rng = np.random.default_rng(4)
    with cog_writer(path, grid=grid, count=len(FEATURES), dtype="float32", nodata=float("nan"),
                    band_descriptions=FEATURES, resampling="average",
                    tags={"SYNTHETIC": "benchmark composite, mirror-tiled from the demo"},
                    profile={"num_threads": "ALL_CPUS", "compress": "ZSTD", "level": 9}) as dst:
        for win in grid.blocks(1024):
            rows = np.arange(win.row_off, win.row_off + win.height)
            cols = np.arange(win.col_off, win.col_off + win.width)
            # Mirror tiling: row r maps to r mod 2h, reflected in the second half.
            r = rows % (2 * h0)
            r = np.where(r < h0, r, 2 * h0 - 1 - r)
            c = cols % (2 * w0)
            c = np.where(c < w0, c, 2 * w0 - 1 - c)
            block = src[:, r][:, :, c]
            block = block + rng.normal(0, 0.002, block.shape).astype(np.float32)
            dst.write(block.astype(np.float32), window=win)
    return path


RUN_CLASSIFY = PEAK + """
import json, sys, time
from habitatmap.habitat.classify import ClassifySettings, classify_composites
from habitatmap.legend import load_legend
t = time.perf_counter()
res = classify_composites([sys.argv[1]], sys.argv[2], load_legend(), model=sys.argv[3],
                          settings=ClassifySettings(mmu_ha=float(sys.argv[4])))
print(json.dumps({"seconds": time.perf_counter() - t, "peak_mb": peak_mb(),
                  "mmu_pixels": res.map.mmu_pixels}))
"""

RUN_SKLEARN = PEAK + """
import json, sys, time
import numpy as np, rasterio
from habitatmap.habitat.models import load_model
model = load_model(sys.argv[2]).estimator
spent = 0.0
with rasterio.open(sys.argv[1]) as ds:
    labels = np.zeros((ds.height, ds.width), dtype=np.uint8)
    from habitatmap.grid import Grid
    for win in Grid.from_dataset(ds).blocks(1024):
        x = ds.read(window=win)
        valid = np.isfinite(x).all(axis=0)
        if not valid.any():
            continue
        rows = np.ascontiguousarray(x[:, valid].T)
        t = time.perf_counter()
        pred = model.predict(rows)
        spent += time.perf_counter() - t
        block = np.zeros(valid.shape, dtype=np.uint8)
        block[valid] = pred
        labels[win.row_off:win.row_off + win.height, win.col_off:win.col_off + win.width] = block
np.save(sys.argv[3], labels)
print(json.dumps({"seconds": spent, "pixels": int((labels > 0).sum()), "peak_mb": peak_mb()}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="7681x7821", help="composite size WIDTHxHEIGHT")
    parser.add_argument("--memory-only", action="store_true",
                        help="run only A (end to end) to see how peak memory scales with the size")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    DATA.mkdir(parents=True, exist_ok=True)
    demo = _demo()
    model = _model(demo)
    big = _big_composite(demo, width, height)
    print(f"composite {big} ({width} x {height} px, {len(FEATURES)} features); model {model}")

    a = child(RUN_CLASSIFY, big, DATA / "bench_habitat.tif", model, "4")
    print(f"A classify end to end (MMU 4 ha = {a['mmu_pixels']} px): {a['seconds']:.1f} s, "
          f"peak RSS {a['peak_mb']:.0f} MB")
    if args.memory_only:
        return 0 if a["peak_mb"] < 2048 else 1
    b = child(RUN_SKLEARN, big, model, DATA / "bench_sklearn_labels.npy")
    print(f"B sklearn predict on {b['pixels']} px: {b['seconds']:.1f} s "
          f"({b['pixels'] / b['seconds']:.0f} px/s), peak RSS {b['peak_mb']:.0f} MB")
    c = child(RUN_CLASSIFY, big, DATA / "bench_habitat_nommu.tif", model, "0")
    print(f"C classify without MMU: {c['seconds']:.1f} s, peak RSS {c['peak_mb']:.0f} MB")

    import rasterio

    with rasterio.open(DATA / "bench_habitat_nommu.tif") as ds:
        ours = ds.read(1)
    theirs = np.load(DATA / "bench_sklearn_labels.npy")
    differ = int((ours != theirs).sum())
    speedup = b["seconds"] / a["seconds"]
    print(f"labels differing from sklearn: {differ} of {ours.size}")
    print(f"speed-up end to end vs bare predict: {speedup:.2f}x (target >= 3x)")
    ok = speedup >= 3 and differ == 0 and max(a["peak_mb"], c["peak_mb"]) < 2048
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
