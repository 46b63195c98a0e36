"""Speed-up of a multi-point SPICE check on 2 ngspice workers vs one at a time.

Runs the same 4 noisy p-bit netlists (check design, 300 K, four biases, 10 correlation times
each) with ``workers=1`` and ``workers=2`` and prints both wall times and their ratio. The
results are identical (each netlist carries its own seed).

    .venv/bin/python benchmarks/bench_spice.py
"""

from __future__ import annotations

import time

import numpy as np


def main() -> None:
    from noisecircuits.circuits.pbit import PBit, v_mid
    from noisecircuits.spice.pbit import pbit_netlist
    from noisecircuits.validation.crosscheck import check_pbit_design
    from noisecircuits.spice.runner import run_netlists

    temperature = 300.0
    design, _ = check_pbit_design("generic", (temperature,))
    mid = v_mid(design, temperature)
    duration = 10 * PBit(design, mid, temperature).correlation_time_exact()
    biases = mid + np.array([-0.01, -0.003, 0.003, 0.01])
    jobs = [(f"p{k}", pbit_netlist(design, vb, temperature, duration=duration, seed=k), ["v_out_V", "v_outb_V"])
            for k, vb in enumerate(biases)]
    times = {}
    results = {}
    for workers in (1, 2):
        start = time.perf_counter()
        results[workers] = run_netlists(jobs, workers=workers)
        times[workers] = time.perf_counter() - start
    same = all(a.data.equals(b.data) for a, b in zip(results[1], results[2]))
    print(f"spice p-bit check, {len(jobs)} points: 1 worker {times[1]:.1f} s, 2 workers {times[2]:.1f} s, "
          f"speed-up {times[1] / times[2]:.2f}x, identical results: {same}")


if __name__ == "__main__":
    main()
