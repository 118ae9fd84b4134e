"""Issue 19 monitoring targets, measured on this machine.

A. SECR density for 100 detectors, 60 individuals, 10 occasions and a 10 000-point mask in under
   30 s on 2 cores: a 10 x 10 camera grid 1.5 km apart, 10 occasions, a 100 x 100 mask (buffer
   6 km), animals simulated (half-normal, sigma 1 km, g0 0.15) until exactly 60 are detected; the
   time is ``fit_secr`` alone (likelihood maximisation, Hessian, realised N), in a fresh process,
   after one warm-up fit that compiles the kernel (numba caches it on disk for later runs too).
B. Summaries of a million observations in bounded memory: ``monitor summary`` (``run_summary``)
   on packages of 250 000 and 1 000 000 animal records (200 stations, 3 species, 90 days); the
   peak (VmHWM) of each run, each in a fresh process; the target: a million records within 1 GB
   and within twice the peak of a quarter of them.

Usage: python benchmarks/bench_monitoring.py [--only A|B]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from _common import PEAK, build_once, child

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("HABITATMAP_BENCH_DATA", HERE / ".data"))

FIT = PEAK + """
import json, time, numpy as np
from habitatmap.monitoring.mask import Mask
from habitatmap.monitoring.secr import fit_secr
from habitatmap.monitoring.simulate import simulate_capture_history, simulate_population
g = np.arange(10) * 1500.0
det = np.array([(x, y) for x in g for y in g])
xs = np.linspace(-6000, 13500 + 6000, 100)
mask = Mask(np.array([(x, y) for x in xs for y in xs]), float(xs[1] - xs[0]))
seed = 0
while True:
    rng = np.random.default_rng(seed)
    pop = simulate_population(mask, 130 / mask.area_ha, rng)
    ch, _ = simulate_capture_history(pop, det, np.ones((100, 10)), p0=0.15, sigma=1000, rng=rng)
    if ch.n == 60:
        break
    seed += 1
fit_secr(ch, mask)                       # warm-up: compile (or load) the kernel
t = time.perf_counter()
fit = fit_secr(ch, mask)
took = time.perf_counter() - t
print(json.dumps({"seconds": took, "n": ch.n, "detectors": len(det), "occasions": ch.occasions,
                  "mask": len(mask.xy), "detections": ch.detections, "seed": seed,
                  "D_per_100km2": fit.value("D") * 1e4, "peak_mb": peak_mb()}))
"""

MAKE = """
import json, sys, numpy as np, pandas as pd
from pathlib import Path
n, folder = int(sys.argv[1]), Path(sys.argv[2])
rng = np.random.default_rng(19)
t0 = pd.Timestamp("2024-05-01T00:00Z")
k = 200
dep = pd.DataFrame({"deploymentID": [f"d{i:03d}" for i in range(k)], "latitude": 43 + rng.random(k) * 0.2,
                    "longitude": 131 + rng.random(k) * 0.2, "deploymentStart": "2024-05-01T00:00:00Z",
                    "deploymentEnd": "2024-07-30T00:00:00Z"})
dep.to_csv(folder / "deployments.csv", index=False)
pd.DataFrame({"mediaID": ["m0"], "deploymentID": ["d000"], "timestamp": ["2024-05-01T00:00:00Z"],
              "filePath": ["m0.jpg"], "filePublic": ["false"], "fileMediatype": ["image/jpeg"]}).to_csv(
    folder / "media.csv", index=False)
species = np.array(["Panthera pardus orientalis", "Capreolus pygargus", "Sus scrofa"])
with open(folder / "observations.csv", "w") as f:
    f.write("observationID,deploymentID,mediaID,eventID,eventStart,eventEnd,observationLevel,observationType,"
            "scientificName,count\\n")
    for start in range(0, n, 100000):
        m = min(100000, n - start)
        secs = np.sort(rng.integers(0, 90 * 86400, m))
        times = (t0 + pd.to_timedelta(secs, unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ")
        d = rng.integers(0, k, m)
        sp = species[rng.integers(0, 3, m)]
        for j in range(m):
            f.write(f"o{start + j},d{d[j]:03d},,,{times[j]},{times[j]},event,animal,{sp[j]},1\\n")
desc = {"profile": "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/camtrap-dp-profile.json",
        "created": "2024-08-01T00:00:00Z", "contributors": [{"title": "benchmark"}],
        "project": {"title": "benchmark", "samplingDesign": "systematicRandom",
                    "captureMethod": ["activityDetection"], "individualAnimals": False,
                    "observationLevel": ["event"]},
        "spatial": {}, "temporal": {"start": "2024-05-01", "end": "2024-07-30"}, "taxonomic": [],
        "resources": [{"name": r, "path": f"{r}.csv", "profile": "tabular-data-resource", "schema": "x"}
                      for r in ("deployments", "media", "observations")]}
(folder / "datapackage.json").write_text(json.dumps(desc))
"""

SUMMARY = PEAK + """
import json, sys, time
from habitatmap.monitoring.summary import run_summary
t = time.perf_counter()
s, _ = run_summary(sys.argv[1], None, sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t, "records": s.records, "detections": s.detections,
                  "peak_mb": peak_mb()}))
"""


def bench_a() -> None:
    r = child(FIT)
    print(f"A: SECR fit of {r['n']} individuals ({r['detections']} detections) at {r['detectors']} "
          "detectors, "
          f"{r['occasions']} occasions, {r['mask']} mask points: {r['seconds']:.2f} s "
          f"(D {r['D_per_100km2']:.2f} per 100 km2, seed {r['seed']}), peak {r['peak_mb']:.0f} MB")
    if r["seconds"] >= 30:
        raise SystemExit("A: missed the 30 s target")


def bench_b() -> None:
    import subprocess
    import sys

    out = {}
    for n in (250_000, 1_000_000):
        folder = DATA / f"camtrap_{n}"

        def make(tmps: list[Path], n: int = n) -> None:
            tmps[0].mkdir()
            subprocess.run([sys.executable, "-c", MAKE, str(n), str(tmps[0])], check=True)

        build_once([folder], make)
        r = child(SUMMARY, folder, DATA / f"summary_{n}")
        out[n] = r
        print(f"B: {n:,} records: {r['seconds']:.1f} s, {r['detections']:,} independent detections, "
              f"peak {r['peak_mb']:.0f} MB")
    a, b = out[250_000]["peak_mb"], out[1_000_000]["peak_mb"]
    print(f"B: peak {a:.0f} MB -> {b:.0f} MB for 4x the records ({(b / a - 1) * 100:+.1f} %)")
    # Bounded: a million records within 1 GB, and far less than 4x the peak of a quarter of them.
    if b > 1024 or b > 2 * a:
        raise SystemExit("B: memory grew with the records beyond the bound")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=["A", "B"])
    args = p.parse_args()
    if args.only in (None, "A"):
        bench_a()
    if args.only in (None, "B"):
        bench_b()
