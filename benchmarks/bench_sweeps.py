"""Parallel efficiency of a sweep: 2 local worker processes against 1.

Runs the same telegraph sweep (the exact two-state reference kind) in this process and on a
pool of 2 spawned worker processes, checks both give identical tables, and prints the wall
times and the efficiency T_1 / (2 T_2) (target: above 85 %). The 2-worker time includes
starting the worker processes, as a user would see it.

On a shared machine the efficiency also depends on how much CPU the other processes leave, so
the benchmark measures that too: the same points split over two bare Python processes (no
sweep machinery), T_bare. T_1 / (2 T_bare) is the best any 2-process run can reach on the
machine right now, and T_bare / T_2 is the share of it the sweep machinery keeps.

    .venv/bin/python benchmarks/bench_sweeps.py [--points 32] [--duration 25]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

from noisecircuits.sweeps import SweepSpec, load_results, run_sweep

_BARE = """
import sys, numpy as np
from noisecircuits.sweeps.telegraph import telegraph_point
duration = float(sys.argv[1])
for bias in map(float, sys.argv[2:]):
    telegraph_point({"engine": "sde", "temperature_K": 300.0, "v_bias_V": bias, "duration_s": duration,
                     "mismatch_seed": None}, np.random.SeedSequence(0))
"""


def timed_sweep(spec, workers):
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run_sweep(spec, tmp, workers=workers, show_progress=False)
        wall = time.perf_counter() - start
        return wall, load_results(tmp)


def timed_bare_pair(biases, duration):
    """Wall time of two plain Python processes computing half of the points each [s]."""
    halves = (biases[0::2], biases[1::2])
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", _BARE, repr(duration), *map(repr, half)]) for half in halves]
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit("the bare-process baseline failed")
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=32, help="number of sweep points")
    parser.add_argument("--duration", type=float, default=25.0, help="simulated time per point [s]")
    args = parser.parse_args(argv)
    biases = np.linspace(-0.05, 0.05, args.points).tolist()
    spec = SweepSpec("telegraph", [300.0], biases, seed=1, duration=args.duration)
    load = os.getloadavg()[0]
    t1, one = timed_sweep(spec, 1)
    t2, two = timed_sweep(spec, 2)
    t_bare = timed_bare_pair(biases, args.duration)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    print(f"sweep of {args.points} telegraph points, {args.duration:g} s simulated each, {os.cpu_count()} CPUs, "
          f"1-min load average {load:.1f} before the run")
    print(f"  1 worker (in process)     : {t1:7.2f} s")
    print(f"  2 worker processes        : {t2:7.2f} s   (identical results)")
    print(f"  2 bare processes, no sweep: {t_bare:7.2f} s")
    print(f"  parallel efficiency T1/(2 T2)            : {100 * t1 / (2 * t2):5.1f} %  (target > 85 %)")
    print(f"  best reachable now  T1/(2 T_bare)        : {100 * t1 / (2 * t_bare):5.1f} %")
    print(f"  kept by the sweep machinery T_bare / T2  : {100 * t_bare / t2:5.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
