"""Benchmark of the SDE engine: path-steps per second of the reduced double well.

Compares, in one run, on dx = -(1/tau) u'(x) dt + sqrt(2/tau) dW with u = h (x^2-1)^2 - b x:

* the toolkit's ensemble kernel (``noisecircuits.simulate``, Euler-Maruyama), one thread
  and all threads;
* a numpy-vectorised Euler loop over the same ensemble (one ``standard_normal`` call per step);
* ``sdeint.itoEuler`` on the same SDE (slow: a few thousand steps are timed);
* numpy's normal generator filling a large array (``Generator.standard_normal(out=...)``).

Run ``python benchmarks/bench_sde.py`` (``--quick`` for a short run). Prints figures and ratios.
"""

from __future__ import annotations

import argparse

import numba
import numpy as np
from _timing import best_rates
import sdeint

from noisecircuits.circuits.double_well import ReducedDoubleWell
from noisecircuits.sde.simulate import simulate

MODEL = ReducedDoubleWell(barrier=4.0, tilt=0.5, tau=1.0)


def toolkit_runner(paths, steps, threads):
    dt = MODEL.timescale / 20
    record_every = max(1, steps // 100)
    simulate(MODEL, 10 * dt, dt=dt, paths=paths, seed=0)  # compile outside the timing

    def run():
        numba.set_num_threads(threads)
        simulate(MODEL, steps * dt, dt=dt, paths=paths, seed=1, record_every=record_every)

    return run, paths * steps


def numpy_loop_runner(paths, steps):
    dt = MODEL.timescale / 20
    h, b, tau = MODEL.barrier, MODEL.tilt, MODEL.tau
    amplitude = np.sqrt(2.0 / tau * dt)
    rng = np.random.default_rng(0)
    z = np.empty(paths)

    def run():
        x = np.full(paths, -1.0)
        for _ in range(steps):
            rng.standard_normal(out=z)
            x += -(4.0 * h * x * (x * x - 1.0) - b) / tau * dt + amplitude * z

    return run, paths * steps


def sdeint_runner(steps):
    dt = MODEL.timescale / 20
    h, b, tau = MODEL.barrier, MODEL.tilt, MODEL.tau
    amplitude = np.sqrt(2.0 / tau)

    def drift(x, t):
        return -(4.0 * h * x * (x * x - 1.0) - b) / tau

    def noise(x, t):
        return np.array([[amplitude]])

    times = np.linspace(0.0, steps * dt, steps + 1)

    def run():
        sdeint.itoEuler(drift, noise, np.array([-1.0]), times, generator=np.random.default_rng(0))

    return run, steps


def numpy_normal_runner(size):
    rng = np.random.default_rng(0)
    out = np.empty(size)
    return (lambda: rng.standard_normal(out=out)), size


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (for CI smoke tests)")
    args = parser.parse_args(argv)
    quick = args.quick
    rounds = 3 if quick else 7
    paths = 256
    steps = 20_000 if quick else 100_000
    threads = numba.config.NUMBA_NUM_THREADS
    runners = {
        "normal": numpy_normal_runner(2_000_000 if quick else 10_000_000),
        "sdeint": sdeint_runner(1_000 if quick else 5_000),
        "loop": numpy_loop_runner(paths, 1_000 if quick else 5_000),
        "one": toolkit_runner(paths, steps, 1),
        "many": toolkit_runner(paths, steps, threads),
    }
    rate = best_rates(runners, rounds)
    normal, sde, loop, one, many = (rate[k] for k in ("normal", "sdeint", "loop", "one", "many"))
    numba.set_num_threads(threads)

    rows = [
        ("numpy standard_normal fill [normals/s]", normal),
        ("sdeint.itoEuler, 1 path [path-steps/s]", sde),
        (f"numpy-vectorised Euler, {paths} paths [path-steps/s]", loop),
        (f"toolkit euler, {paths} paths, 1 thread [path-steps/s]", one),
        (f"toolkit euler, {paths} paths, {threads} threads [path-steps/s]", many),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"reduced double well h={MODEL.barrier:g} b={MODEL.tilt:g}, dt = timescale/20, float64; "
          f"best of {rounds} interleaved rounds")
    for name, value in rows:
        print(f"{name:<{width}}  {value:12.4g}")
    print(f"toolkit (1 thread) / sdeint            = {one / sde:10.0f}x   (target >= 300x)")
    print(f"toolkit (1 thread) / numpy normals     = {one / normal:10.2f}    (target > 0.6)")
    print(f"toolkit ({threads} threads) / numpy normals    = {many / normal:10.2f}")
    print(f"toolkit (1 thread) / numpy-vectorised  = {one / loop:10.2f}")


if __name__ == "__main__":
    main()
