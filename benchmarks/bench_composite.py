"""Issue 3 target: a median composite of 6 Landsat-size scenes takes at most 3x the time of merely
reading those scenes' pixels in the same run; peak memory stays under 3 GB and within +-20% whether
2, 6 or 12 scenes are composited.

The scenes are synthetic and shaped like what ``habitatmap scenes pull`` writes for a whole Landsat
scene: 7681 x 7821 px, 7 float32 surface-reflectance bands with the QA mask already applied (NaN
for cloud, shadow and the fill outside the tilted scene footprint), DEFLATE COGs with 256 px tiles.
They are made once into ``$HABITATMAP_BENCH_DATA`` (default ``benchmarks/.data``, about 1 GB per
scene) and reused. Six distinct scenes are made; the 12-scene run lists each of them twice under
another file name (the same reading and compositing work per scene, without another 6 GB on disk).
Each measurement runs in a fresh process so that its peak RSS is its own.

Usage: python benchmarks/bench_composite.py [--scenes 12] [--size 7681x7821]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BANDS = ["coastal", "blue", "green", "red", "nir08", "swir16", "swir22"]
DATA = Path(os.environ.get("HABITATMAP_BENCH_DATA", HERE / ".data"))


def _make_scene(folder: Path, index: int, width: int, height: int) -> Path:
    """One pulled-scene COG, written block by block (memory stays flat)."""
    from affine import Affine

    from habitatmap.grid import Grid
    from habitatmap.io.raster import cog_writer

    path = folder / f"SYN_{index:02d}.tif"
    if path.exists():
        return path
    rng = np.random.default_rng(index)
    grid = Grid("EPSG:32652", Affine(30.0, 0, 400_000.0, 0, -30.0, 4_900_000.0), width, height)
    base = np.array([0.05, 0.06, 0.08, 0.07, 0.30, 0.18, 0.10], dtype=np.float32)
    # Clouds: discs of 1-10 km at random places, about a quarter of the scene.
    n_clouds = 60
    cx, cy = rng.uniform(0, width, n_clouds), rng.uniform(0, height, n_clouds)
    cr = rng.uniform(30, 330, n_clouds)
    angle = np.deg2rad(12.0)  # the footprint of a Landsat scene is a tilted rectangle
    with cog_writer(path, grid=grid, count=len(BANDS), dtype="float32", nodata=float("nan"),
                    band_descriptions=BANDS,
                    resampling="average", tags={"SYNTHETIC": "benchmark scene"},
                    profile={"level": 6, "num_threads": "ALL_CPUS"}) as dst:
        for win in grid.blocks(1024):
            rows = np.arange(win.row_off, win.row_off + win.height)[:, None].astype(np.float32)
            cols = np.arange(win.col_off, win.col_off + win.width)[None, :].astype(np.float32)
            field = (np.sin(cols / 173.0 + index) * np.cos(rows / 211.0) * 0.5 + 0.5).astype(np.float32)
            block = base[:, None, None] * (0.6 + 0.8 * field)[None]
            block += rng.normal(0, 0.004, block.shape).astype(np.float32)
            u = (cols - width / 2) * np.cos(angle) + (rows - height / 2) * np.sin(angle)
            v = -(cols - width / 2) * np.sin(angle) + (rows - height / 2) * np.cos(angle)
            bad = (np.abs(u) > width * 0.42) | (np.abs(v) > height * 0.42)
            for x, y, r in zip(cx, cy, cr, strict=True):
                if abs(x - cols.mean()) < r + win.width and abs(y - rows.mean()) < r + win.height:
                    bad |= (cols - x) ** 2 + (rows - y) ** 2 < r * r
            block[:, bad] = np.nan
            dst.write(block, window=win)
    return path


def _make_pull_folder(folder: Path, scenes: list[Path], width: int, height: int) -> Path:
    """A pull folder (manifest + hard links to the scenes) as ``composite`` expects: its entries must
    lie inside the folder, so symbolic links out of it are refused."""
    from affine import Affine

    from habitatmap.grid import Grid

    folder.mkdir(parents=True, exist_ok=True)
    grid = Grid("EPSG:32652", Affine(30.0, 0, 400_000.0, 0, -30.0, 4_900_000.0), width, height)
    entries = []
    for i, src in enumerate(scenes):
        link = folder / src.name
        if link.is_symlink():  # made by an earlier version of this script
            link.unlink()
        if not link.exists():
            os.link(src, link)
        entries.append({"id": src.stem, "datetime": f"2021-{6 + i % 4:02d}-{1 + i:02d}T02:00:00",
                        "file": src.name, "sha256": "", "clear_fraction": None})
    manifest = {"kind": "habitatmap.scenes.pull", "habitatmap": "bench", "items": "synthetic",
                "settings": {"grid": grid.to_dict(), "bands": BANDS, "mask": {}, "area": {}},
                "scenes": entries, "failed": []}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _read_block(paths, window, n_bands):
    from habitatmap.composite import read_stack

    stack = read_stack(paths, window, n_bands)
    return window, float(np.nansum(stack[:, :, ::64, ::64]))


def measure(folder: Path, read_first: bool) -> dict:
    """Run in a child process: optionally time a read-only pass, then time the composite."""
    os.environ.setdefault("GDAL_CACHEMAX", "256MB")
    from habitatmap.composite import CompositeSettings, block_size_for, composite_scenes
    from habitatmap.grid import Grid
    from habitatmap.parallel import dask_client, map_unordered

    manifest = json.loads((folder / "manifest.json").read_text())
    grid = Grid.from_dict(manifest["settings"]["grid"])
    paths = [str(folder / e["file"]) for e in manifest["scenes"]]
    result = {"scenes": len(paths)}
    if read_first:
        side = block_size_for(len(paths), len(BANDS))
        t0 = time.perf_counter()
        with dask_client(None) as client:
            for _ in map_unordered(client, _read_block,
                                   ((paths, w, len(BANDS)) for w in grid.blocks(side)), max_in_flight=4):
                pass
        result["read_s"] = time.perf_counter() - t0
    out = folder / "composite.tif"
    t0 = time.perf_counter()
    composite_scenes(folder, out, CompositeSettings(method="median"))
    result["composite_s"] = time.perf_counter() - t0
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.unlink()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="7681x7821", help="scene size WIDTHxHEIGHT")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--read-first", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child), args.read_first)))
        return 0
    width, height = (int(v) for v in args.size.split("x"))
    scenes_dir = DATA / f"scenes_{width}x{height}"
    scenes_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    scenes = [_make_scene(scenes_dir, i, width, height) for i in range(6)]
    print(f"synthetic scenes ready in {time.perf_counter() - t0:.0f} s: {scenes_dir}", flush=True)
    twins = []
    for src in scenes:  # the 12-scene run: each scene a second time under another name
        twin = scenes_dir / f"{src.stem}_twin.tif"
        if not twin.exists():
            twin.symlink_to(src.name)
        twins.append(twin)
    scenes = scenes + twins

    runs = {}
    for n in (6, 2, 12):
        folder = _make_pull_folder(DATA / f"pull_{width}x{height}_{n}", scenes[:n], width, height)
        cmd = [sys.executable, __file__, "--child", str(folder)] + (["--read-first"] if n == 6 else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        runs[n] = json.loads(out.strip().splitlines()[-1])
        print(json.dumps(runs[n]), flush=True)

    ratio = runs[6]["composite_s"] / runs[6]["read_s"]
    peaks = [runs[n]["peak_rss_mb"] for n in (2, 6, 12)]
    spread = (max(peaks) - min(peaks)) / runs[6]["peak_rss_mb"]
    ok_time = ratio <= 3.0
    ok_mem = max(peaks) < 3 * 1024 and all(abs(p - runs[6]["peak_rss_mb"]) <= 0.2 * runs[6]["peak_rss_mb"]
                                           for p in peaks)
    summary = {
        "size": f"{width}x{height}", "bands": len(BANDS),
        "read_6_s": round(runs[6]["read_s"], 1), "median_6_s": round(runs[6]["composite_s"], 1),
        "ratio": round(ratio, 2), "peak_rss_mb": {n: round(runs[n]["peak_rss_mb"]) for n in (2, 6, 12)},
        "max_deviation_from_6": round(max(abs(p - runs[6]["peak_rss_mb"]) for p in peaks)
                                      / runs[6]["peak_rss_mb"], 3),
        "spread": round(spread, 3), "time_target_met": ok_time, "memory_target_met": ok_mem,
    }
    print(json.dumps(summary, indent=1))
    return 0 if ok_time and ok_mem else 1


if __name__ == "__main__":
    sys.exit(main())
