"""Benchmark: should the ensemble kernel take the model's functions as arguments?

The toolkit specialises its ensemble kernel to a model by *generating* a module that imports the
model's ``drift``/``diffusion`` and the solver's ``step`` as globals (numba then inlines them
and caches the module on disk). numba can also compile and cache a function that receives
jitted functions as *arguments* (each dispatcher is its own numba type), which would make one
fixed kernel module serve every model. This script measures, in one process, on the reference
p-bit's node equations (Euler-Maruyama, generic step call in both so only the calling
convention differs):

* ``generated``: the generated module with the functions as globals (what the toolkit uses);
* ``in-memory``: the same text compiled with ``exec`` (the path for functions that have no
  importable module, e.g. closures; not cacheable);
* ``arguments``: the same kernel text with ``step, drift, diffusion, diffusion_derivative`` as
  leading arguments, in a fixed module with ``cache=True``;

and, in fresh processes, whether each loads from numba's disk cache and how long the first
call takes there (compilation or cache load).

Run ``python benchmarks/bench_kernel_paths.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
from _timing import best_rates

from noisecircuits.circuits.pbit import PBit
from noisecircuits.sde import ensemble
from noisecircuits.sde.noise import PATHS_PER_BLOCK, path_states, seed_sequence
from noisecircuits.sde.solvers import euler_step, ou_table


def _argument_source() -> str:
    text = ensemble._KERNEL_TEMPLATE.format(options="cache=True, nogil=True", step_call=ensemble._GENERIC_STEP)
    head, _, _ = text.partition("@njit(parallel=True")  # the single-block kernel is enough here
    return head.replace("def advance_block(params,", "def advance_block(step, drift, diffusion, diffusion_derivative, params,")


def _generated_source(model) -> str:
    terms = model.sde_terms()
    functions = {"step": euler_step, "drift": terms.drift, "diffusion": terms.diffusion,
                 "diffusion_derivative": terms.diffusion_derivative}
    imports = "".join(f"from {f.py_func.__module__} import {f.py_func.__name__} as {alias}\n"
                      for alias, f in functions.items())
    text = ensemble._KERNEL_TEMPLATE.format(options="cache=True, nogil=True", step_call=ensemble._GENERIC_STEP)
    head, _, _ = text.partition("@njit(parallel=True")
    return '"""generic-step kernel for bench_kernel_paths."""\n' + imports + head


def _inputs(model, paths, steps):
    terms = model.sde_terms()
    dt = model.timescale / 20
    x = np.tile(terms.x0, (paths, 1))
    states = path_states(seed_sequence(1), paths)
    out = np.empty((paths, 2, x.shape[1]))
    fail = np.zeros(paths, dtype=np.int64)
    tally = np.zeros((paths, ensemble.TALLY_COLUMNS))
    return terms, dt, x, states, out, fail, tally


_FRESH = textwrap.dedent("""\
    import sys, time
    sys.path.insert(0, {folder!r})
    import numpy as np
    from noisecircuits.circuits.pbit import PBit
    from noisecircuits.sde.noise import path_states, seed_sequence
    from noisecircuits.sde.solvers import euler_step, ou_table
    from noisecircuits.sde import ensemble
    model = PBit(None, 0.125, 300.0)
    terms = model.sde_terms()  # loads the generated node-equation module the kernel imports
    import {module} as kernel_module
    dt = model.timescale / 20
    x = np.tile(terms.x0, (4, 1)); states = path_states(seed_sequence(1), 4)
    out = np.empty((4, 2, x.shape[1])); fail = np.zeros(4, dtype=np.int64)
    tally = np.zeros((4, ensemble.TALLY_COLUMNS)); ou = ou_table(terms, dt)
    args = {call_prefix}(terms.params, ou, states, x, 0, 10, 10, dt, out, fail, np.zeros(0), tally)
    start = time.perf_counter()
    kernel_module.advance_block(*args)
    first = time.perf_counter() - start
    stats = kernel_module.advance_block.stats
    print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()), first)
    """)


def _fresh_process(folder, module, call_prefix):
    script = _FRESH.format(folder=str(folder), module=module, call_prefix=call_prefix)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    hits, misses, first = done.stdout.split()
    return int(hits), int(misses), float(first)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run")
    options = parser.parse_args()
    steps, rounds = (20_000, 2) if options.quick else (100_000, 3)
    paths = PATHS_PER_BLOCK  # advance_block runs one block
    model = PBit(None, 0.125, 300.0)
    folder = Path(tempfile.mkdtemp(prefix="bench-kernel-paths-"))
    (folder / "kp_arguments.py").write_text(_argument_source())
    (folder / "kp_generated.py").write_text(_generated_source(model))
    sys.path.insert(0, str(folder))
    import kp_arguments
    import kp_generated

    terms, dt, x0, states0, out, fail, tally = _inputs(model, paths, steps)
    ou = ou_table(terms, dt)
    functions = (euler_step, terms.drift, terms.diffusion, terms.diffusion_derivative)

    def runner(call):
        def run():
            x, states = x0.copy(), states0.copy()
            call(x, states)
        return run, paths * steps

    def generated(x, states):
        kp_generated.advance_block(terms.params, ou, states, x, 0, steps, steps, dt, out, fail, np.zeros(0), tally)

    namespace = dict(zip(("step", "drift", "diffusion", "diffusion_derivative"), functions))
    in_memory_text = ensemble._KERNEL_TEMPLATE.format(options="nogil=True", step_call=ensemble._GENERIC_STEP)
    exec(compile(in_memory_text.partition("@njit(parallel=True")[0], "<bench kernel>", "exec"), namespace)

    def in_memory(x, states):
        namespace["advance_block"](terms.params, ou, states, x, 0, steps, steps, dt, out, fail, np.zeros(0), tally)

    def arguments(x, states):
        kp_arguments.advance_block(*functions, terms.params, ou, states, x, 0, steps, steps, dt, out, fail,
                                   np.zeros(0), tally)

    # one block of paths, one thread: the calling convention is all that differs
    small = (x0[:4].copy(), states0[:4].copy())
    generated(*small)  # compile outside the timing
    arguments(*small)
    in_memory(*small)
    rates = best_rates({"generated": runner(generated), "in-memory": runner(in_memory),
                        "arguments": runner(arguments)}, rounds)
    print(f"p-bit node equations, {paths} paths x {steps} steps, Euler-Maruyama, one thread")
    for name, rate in rates.items():
        print(f"  {name:10s} {rate / 1e6:8.2f} M path-steps/s")
    print(f"  arguments / generated = {rates['arguments'] / rates['generated']:.3f}")
    print(f"  in-memory / generated = {rates['in-memory'] / rates['generated']:.3f}")
    for name, module, prefix in (("generated", "kp_generated", ""),
                                 ("arguments", "kp_arguments", "(euler_step, terms.drift, terms.diffusion, "
                                                               "terms.diffusion_derivative) + ")):
        hits, misses, first = _fresh_process(folder, module, prefix)
        print(f"  fresh process, {name:10s}: cache hits {hits}, misses {misses}, first call {first:.2f} s")
    if os.environ.get("BENCH_KEEP") is None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
