"""Regenerate the bundled sample data: ``python sample_data/make_sample_data.py [--out DIR]``.

The data are synthetic; see sample_data/README.md. The generator lives in ``habitatmap.sampledata``
so that tests and benchmarks can build the same kind of data in a temporary folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from habitatmap.sampledata import DEFAULT_SEED, generate

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "tumen")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    path = generate(args.out, seed=args.seed)
    print(f"Wrote the synthetic Tumen sample to {path}")
