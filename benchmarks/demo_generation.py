"""How long the synthetic Connecticut takes to generate, per size (the issue's claim: 50,000 persons
in under a minute on the 2-core machine). No peer generates this population, so the table shows
statedata alone: median seconds over repeated runs and persons per second.

Run: .venv/bin/python benchmarks/demo_generation.py [--sizes 50000 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from statedata.demo.generator import generate_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'persons':>10} {'median s':>9} {'persons/s':>10} {'rows':>10}")
    for size in args.sizes:
        times, rows = [], 0
        for run in range(args.repeat):
            with tempfile.TemporaryDirectory() as scratch:
                start = time.perf_counter()
                summary = generate_demo(Path(scratch) / "demo", persons=size, seed=run)
                times.append(time.perf_counter() - start)
                rows = sum(summary.files.values())
        median = statistics.median(times)
        print(f"{size:>10,} {median:>9.2f} {size / median:>10,.0f} {rows:>10,}")


if __name__ == "__main__":
    main()
