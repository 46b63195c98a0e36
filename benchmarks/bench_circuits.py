"""Benchmark of the sampler-circuit SDE path: the default p-bit (2 nodes, 6 EKV transistors).

Compares, in one run, Euler-Maruyama on the p-bit of :class:`noisecircuits.circuits.pbit.PBit`
(default design, v_bias = v_mid at 300 K, dt = timescale / 20):

* the toolkit kernel (``noisecircuits.simulate`` on ``PBit.sde_terms()``: node equations
  generated for the netlist's topology, drift and diffusion from one evaluation), one thread
  and all threads;
* the same kernel on the generic netlist interpreter
  (``circuits._subthreshold.circuit_drift``/``circuit_diffusion``, the node equations the p-bit
  used before the specialised ones; it now shares their kernel cache);
* a plain numpy Euler-Maruyama loop over the same netlist, vectorised over paths
  (``Netlist.currents_and_noise``, the numpy EKV functions of ``physics.mosfet``);
* the compile time of the toolkit kernel in a fresh process with an empty kernel folder
  (cold) and again with the folder the first process filled (cached);
* ``pbit_transfer_curve`` over 4 biases on one thread and on all threads (its points run in
  parallel threads).

With ``--baseline DIR`` (a copy of another version's ``noisecircuits`` package, e.g.
``git archive HEAD noisecircuits | tar -x -C DIR``) it also runs ~1000 switching events of one
path in a fresh process on that version and on this one, and prints both.

Path-steps per second are the best of interleaved rounds; seconds per switching event =
seconds per path-step × path-steps per switch, the latter counted (the kernel's dwell tally,
as ``trace_stats`` reads it) on 16 long paths of the toolkit kernel. Run ``python benchmarks/bench_circuits.py`` (``--quick`` for
a short run).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numba
import numpy as np
from _timing import best_rates

import noisecircuits as nc
from noisecircuits.circuits._subthreshold import circuit_diffusion, circuit_diffusion_derivative, circuit_drift
from noisecircuits.circuits.pbit import PBit
from noisecircuits.sde.terms import SDETerms

_COMPILE_SCRIPT = """
import time
import noisecircuits as nc
from noisecircuits.circuits.pbit import PBit
model = PBit(None, {v_bias!r}, 300.0)
dt = model.timescale / 20
start = time.perf_counter()
nc.simulate(model, 10 * dt, dt=dt, paths=4, seed=0)
one_block = time.perf_counter() - start
start = time.perf_counter()
nc.simulate(model, 10 * dt, dt=dt, paths=128, seed=0)
print(one_block, time.perf_counter() - start)
"""


_SWITCHES_SCRIPT = """
import time
start = time.perf_counter()
import noisecircuits as nc
from noisecircuits.circuits.pbit import PBit
model = PBit(None, {v_bias!r}, 300.0)
dt = model.timescale / 20
t = time.perf_counter()
nc.simulate(model, 10 * dt, dt=dt, seed=0)
compile_s = time.perf_counter() - t
t = time.perf_counter()
trace = nc.simulate(model, {duration!r}, dt=dt, seed=1, record_every=20)
run_s = time.perf_counter() - t
stats = nc.trace_stats(trace)
print(f"compile {{compile_s:.2f}} s; {{stats['n_switches']}} switches in {{trace.path_steps}} steps, {{run_s:.2f}} s "
      f"({{run_s / trace.path_steps * 1e9:.0f}} ns/step, {{run_s / stats['n_switches'] * 1e3:.2f}} ms/switch); "
      f"P(1) = {{stats['p_one']:.4f}} +- {{stats['p_one_stderr']:.4f}}, tau_c = {{stats['correlation_time_s'] * 1e6:.3f}} us; "
      f"process {{time.perf_counter() - start:.1f}} s")
"""


def switches_in_fresh_process(model, pythonpath=None) -> str:
    """One line: ~1000 switching events of one path, run in a fresh process (on ``pythonpath``'s package)."""
    duration = 1000 * 2 * model.correlation_time_exact()
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    script = _SWITCHES_SCRIPT.format(v_bias=model.v_bias, duration=duration)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                          cwd=tempfile.gettempdir())
    return done.stdout.strip()


def compile_times(v_bias: float) -> list[tuple[float, float]]:
    """(single-block kernel, parallel wrapper) first-call seconds: cold, then cached [s]."""
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, NOISECIRCUITS_KERNEL_DIR=folder)
        times = []
        for _ in range(2):
            done = subprocess.run([sys.executable, "-c", _COMPILE_SCRIPT.format(v_bias=v_bias)], env=env,
                                  capture_output=True, text=True, check=True)
            times.append(tuple(float(v) for v in done.stdout.split()))
        return times


class GenericPBit:
    """The p-bit with its SDE terms on the generic netlist interpreter (same read-out and wells)."""

    kind = "pbit"

    def __init__(self, model: PBit):
        self.model = model
        self.wells = model.wells
        self.readout = model.readout

    def sde_terms(self) -> SDETerms:
        terms = self.model.sde_terms()
        return SDETerms(drift=circuit_drift, diffusion=circuit_diffusion,
                        diffusion_derivative=circuit_diffusion_derivative, params=terms.params, x0=terms.x0,
                        state_names=terms.state_names, timescale=terms.timescale)


def path_steps_per_switch(model, paths, steps) -> tuple[float, int]:
    """Path-steps per counted switch on ``paths`` paths of ``steps`` steps, and the switch count."""
    dt = model.timescale / 20
    stats = nc.trace_stats(nc.simulate(model, steps * dt, dt=dt, paths=paths, seed=2, record_every=100))
    return stats["path_steps"] / max(stats["n_switches"], 1), stats["n_switches"]


def toolkit_runner(model, paths, steps, threads):
    dt = model.sde_terms().timescale / 20
    nc.simulate(model, 10 * dt, dt=dt, paths=paths, seed=0)  # compile outside the timing

    def run():
        numba.set_num_threads(threads)
        nc.simulate(model, steps * dt, dt=dt, paths=paths, seed=1, record_every=20)

    return run, paths * steps


def numpy_runner(model, paths, steps):
    """Euler-Maruyama with numpy over ``paths`` paths of the netlist (the same drift and noise)."""
    netlist = model.netlist
    dt = model.timescale / 20
    root_dt = np.sqrt(dt)
    rng = np.random.default_rng(0)
    x0 = model.sde_terms().x0

    def run():
        x = np.tile(x0, (paths, 1))
        for _ in range(steps):
            current, half_psd = netlist.currents_and_noise(x)
            x += current / netlist.capacitances * dt + np.sqrt(half_psd) / netlist.capacitances * (
                root_dt * rng.standard_normal(x.shape))

    return run, paths * steps


def transfer_runner(model, threads, duration):
    from noisecircuits.circuits.transfer import pbit_transfer_curve

    biases = model.v_bias + np.array([-0.01, 0.0, 0.005, 0.01])
    steps = sum(duration / (PBit(model.design, v, 300.0).timescale / 20) for v in biases)

    def run():
        numba.set_num_threads(threads)
        pbit_transfer_curve(model.design, [300.0], biases, duration=duration, seed=0)

    return run, steps


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (for CI smoke tests)")
    parser.add_argument("--baseline", help="folder holding another version's noisecircuits package to compare with")
    args = parser.parse_args(argv)
    quick = args.quick
    rounds = 2 if quick else 5
    paths = 128
    steps = 4_000 if quick else 20_000
    threads = numba.config.NUMBA_NUM_THREADS
    model = PBit()  # default design at v_mid(300 K)
    cold, cached = compile_times(model.v_bias)
    runners = {
        "numpy": numpy_runner(model, paths, 200 if quick else 1_000),
        "generic": toolkit_runner(GenericPBit(model), 4, steps // 4, 1),
        "one": toolkit_runner(model, paths, steps, 1),
        "many": toolkit_runner(model, paths, steps, threads),
        "curve_one": transfer_runner(model, 1, 2e-4 if quick else 1e-3),
        "curve_many": transfer_runner(model, threads, 2e-4 if quick else 1e-3),
    }
    rate = best_rates(runners, rounds)
    numba.set_num_threads(threads)
    steps_per_switch, switches = path_steps_per_switch(model, 16, 100_000 if quick else 400_000)

    print(f"default p-bit at v_bias = {model.v_bias * 1e3:.2f} mV, 300 K; dt = timescale/20 = {model.timescale / 20:.3g} s; "
          f"best of {rounds} interleaved rounds; {steps_per_switch:.0f} path-steps per switch "
          f"({switches} switches counted)")
    rows = [
        (f"numpy-vectorised Euler, {paths} paths", rate["numpy"]),
        ("generic netlist kernel, 4 paths, 1 thread", rate["generic"]),
        (f"toolkit kernel, {paths} paths, 1 thread", rate["one"]),
        (f"toolkit kernel, {paths} paths, {threads} threads", rate["many"]),
        ("pbit_transfer_curve, 4 points x 1 path, 1 thread", rate["curve_one"]),
        (f"pbit_transfer_curve, 4 points x 1 path, {threads} threads", rate["curve_many"]),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'':<{width}}  {'path-steps/s':>12}  {'ns/path-step':>12}  {'s/switch':>10}")
    for name, value in rows:
        print(f"{name:<{width}}  {value:12.4g}  {1e9 / value:12.1f}  {steps_per_switch / value:10.3g}")
    print(f"toolkit ({threads} threads) / numpy-vectorised = {rate['many'] / rate['numpy']:8.1f}x")
    print(f"toolkit (1 thread) / numpy-vectorised   = {rate['one'] / rate['numpy']:8.1f}x")
    print(f"toolkit (1 thread) / generic kernel     = {rate['one'] / rate['generic']:8.1f}x")
    print(f"toolkit ({threads} threads) / generic kernel    = {rate['many'] / rate['generic']:8.1f}x")
    print(f"transfer curve, {threads} threads / 1 thread    = {rate['curve_many'] / rate['curve_one']:8.2f}x")
    print(f"compile, fresh process, empty kernel folder:  {cold[0]:6.2f} s (+ {cold[1]:.2f} s parallel wrapper)")
    print(f"compile, fresh process, cached kernels:       {cached[0]:6.2f} s (+ {cached[1]:.2f} s parallel wrapper)")
    if args.baseline:
        print(f"baseline ({args.baseline}): {switches_in_fresh_process(model, args.baseline)}")
        print(f"this version:  {switches_in_fresh_process(model)}")


if __name__ == "__main__":
    main()
