"""Spin updates per second of the block-Gibbs engine, against thrml on the same models.

Usage: ``python benchmarks/bench_gibbs.py [--quick] [--json] [--physics]``

``--physics`` also prints the agreement table of docs/gibbs.md (sampled vs exact values).

Models: a 256 x 256 periodic Ising lattice at beta = 0.4 (J = 1) and a random 8-regular
graph of 4096 spins with random ±1 couplings at beta = 0.4; single chain and 8 chains. Both
samplers get the same two-colour / DSATUR block schedule and run on the same CPU in the same
process. thrml is used as its documentation shows: a jitted ``sample_states`` for one chain,
and ``jax.vmap`` over keys only for a batch of chains; it keeps the second half of the sweeps
as samples, whose mean energy is printed next to ours. Compilation (numba / XLA) is
excluded from every timing: each sampler is run once before it is timed, and each figure is
the best of 5 runs (1 with --quick), because a shared machine makes single timings noisy. The
toolkit is timed with 1 numba thread and with all threads (the ratio uses the faster); the
three runs of a configuration are interleaved round by round (``_timing.best_rates``), so a
load change hits all of them alike. The toolkit's figure is its own sweep time (set-up and
compilation excluded, as thrml's program build and jit are). ``OMP_WAIT_POLICY=PASSIVE`` is
set unless given (waiting threads sleep instead of taking the core a lagging partner needs). As
a physics check the mean lattice energy per spin of the last sweeps is printed next to
Onsager's value (u = -1.1061 at beta = 0.4).

thrml (Extropic's JAX library) is optional: ``pip install thrml``. Without it the toolkit's
figures are still printed.
"""

from __future__ import annotations

import os

# Waiting OpenMP threads sleep instead of spinning: on a shared machine a spinning waiter
# takes the core its lagging partner needs at every block barrier. Set before numba loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import importlib.util
import json
import sys
import time

import numpy as np

from _timing import best_rates

from noisecircuits.gibbs.colouring import dsatur_colouring
from noisecircuits.gibbs.exact import onsager_energy_per_site
from noisecircuits.gibbs.graphs import ising_lattice, random_regular_edges
from noisecircuits.gibbs.models import IsingModel
from noisecircuits.gibbs.sampler import sample_ising

BETA = 0.4
MULTI_CHAINS = 8


def build_models():
    """The two benchmark models: (name, IsingModel)."""
    lattice = ising_lattice(256, BETA)
    edges = random_regular_edges(4096, 8, seed=1)
    signs = np.where(np.random.default_rng(2).random(len(edges)) < 0.5, -1.0, 1.0)
    random_graph = IsingModel.from_edges(4096, edges, signs, beta=BETA)
    return [("lattice 256x256", lattice), ("8-regular n=4096 ±J", random_graph)]


def _thrml_runner(model, chains, sweeps):
    """A jitted thrml sampler for ``model`` on the same colour blocks (vmapped only for several chains).

    Returns ``(runner, argument)``: ``runner(argument)`` gives the sampled states, shape
    (samples, n) for one chain or (chains, samples, n), as booleans.
    """
    import jax
    import jax.numpy as jnp
    from thrml import Block, SamplingSchedule, SpinNode, sample_states
    from thrml.models import IsingEBM, IsingSamplingProgram, hinton_init

    nodes = [SpinNode() for _ in range(model.n_nodes)]
    rows = np.repeat(np.arange(model.n_nodes), model.degrees)
    upper = rows < model.indices
    edges = [(nodes[i], nodes[j]) for i, j in zip(rows[upper], model.indices[upper])]
    ebm = IsingEBM(nodes, edges, jnp.asarray(model.biases), jnp.asarray(model.weights[upper]), jnp.asarray(model.beta))
    colours = dsatur_colouring(model.indptr, model.indices)
    blocks = [Block([nodes[i] for i in np.flatnonzero(colours == c)]) for c in range(colours.max() + 1)]
    program = IsingSamplingProgram(ebm, blocks, [])
    warmup = sweeps // 2
    schedule = SamplingSchedule(n_warmup=warmup, n_samples=sweeps - warmup, steps_per_sample=1)
    observed = [Block(nodes)]

    def one_chain(key):
        init_key, run_key = jax.random.split(key)
        init = hinton_init(init_key, ebm, blocks, ())
        return sample_states(run_key, program, schedule, init, [], observed)[0]

    if chains == 1:
        return jax.jit(one_chain), jax.random.key(0)
    return jax.jit(jax.vmap(one_chain)), jax.random.split(jax.random.key(0), chains)


def _toolkit_runner(model, chains, sweeps, threads, out):
    """A call of :func:`sample_ising` with ``threads`` numba threads; it stores its own rate
    (sweeps only: set-up and compilation excluded, as thrml's program build and jit are) in ``out``."""
    import numba

    def run():
        before = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            result = sample_ising(model, sweeps, 0, chains, seed=1, initial="random")
        finally:
            numba.set_num_threads(before)
        key = f"toolkit_{'1_thread' if threads == 1 else 'all_threads'}"
        out[key] = max(out.get(key, 0.0), result.updates_per_second)
        out["toolkit_energy"] = result.energies[:, sweeps // 2 :].mean() / model.n_nodes

    return run


def _thrml_call(runner, keys, model, out):
    """One thrml run; stores its rate and the mean energy per spin of its kept samples in ``out``."""
    import jax

    def run():
        start = time.perf_counter()
        states = jax.block_until_ready(runner(keys))
        elapsed = time.perf_counter() - start
        out["thrml"] = max(out.get("thrml", 0.0), out["work"] / elapsed)
        spins = 2.0 * np.asarray(states, dtype=np.float64).reshape(-1, model.n_nodes) - 1.0
        out["thrml_energy"] = float(np.mean(model.energy(spins))) / model.n_nodes

    return run


def bench_config(model, chains, sweeps, repeats, have_thrml):
    """Best-of-``repeats`` updates/s of the toolkit (1 numba thread and all threads) and of thrml,
    the three interleaved round by round (:func:`_timing.best_rates`), so load changes on a shared
    machine hit all alike; and each sampler's mean energy per spin over the second half of its sweeps.

    Both thread counts are reported because on a busy machine the per-block barrier of a
    multi-threaded sweep can cost more than the second thread gains.
    """
    import numba

    out = {"work": chains * sweeps * model.n_nodes}
    sample_ising(model, 2, 0, chains, seed=0, initial="random")  # compile / load the kernel
    runners = {
        "toolkit_1_thread": (_toolkit_runner(model, chains, sweeps, 1, out), out["work"]),
        "toolkit_all_threads": (_toolkit_runner(model, chains, sweeps, numba.get_num_threads(), out), out["work"]),
    }
    if have_thrml:
        import jax

        runner, keys = _thrml_runner(model, chains, sweeps)
        jax.block_until_ready(runner(keys))  # compile
        runners["thrml"] = (_thrml_call(runner, keys, model, out), out["work"])
    else:
        out.update(thrml=None, thrml_energy=None)
    best_rates(runners, repeats)
    return out


def physics_table() -> None:
    """Print sampled vs exact values (the agreement table of docs/gibbs.md)."""
    from noisecircuits.gibbs.exact import (
        exact_distribution,
        kaufman_energy_per_site,
        potts_critical_beta,
        yang_magnetisation,
    )
    from noisecircuits.gibbs.graphs import lattice_edges
    from noisecircuits.gibbs.models import PottsModel
    from noisecircuits.gibbs.sampler import sample_potts

    print(f"{'check':<40} {'sampled':>22} {'exact':>10} {'|z|':>5}")
    for beta in (0.3, 0.44, 0.6):
        e = sample_ising(ising_lattice(8, beta), 20000, 500, 4, seed=1).energy()
        exact = kaufman_energy_per_site(8, 8, beta)
        print(f"{f'8x8 torus E/N, beta={beta} (Kaufman)':<40} {e.mean / 64:12.5f} ± {e.stderr / 64:7.5f} {exact:10.5f} "
              f"{abs(e.mean / 64 - exact) / (e.stderr / 64):5.1f}")
    for beta in (0.3, 0.55):
        run = sample_ising(ising_lattice(64, beta), 3000, 500, 2, seed=5, initial="up" if beta > 0.5 else None)
        e, m = run.energy(), run.abs_magnetisation()
        exact = onsager_energy_per_site(beta)
        print(f"{f'64x64 E/N, beta={beta} (Onsager)':<40} {e.mean / 4096:12.5f} ± {e.stderr / 4096:7.5f} {exact:10.5f} "
              f"{abs(e.mean / 4096 - exact) / (e.stderr / 4096):5.1f}")
        if beta > 0.5:
            y = yang_magnetisation(beta)
            print(f"{f'64x64 |M|/N, beta={beta} (Yang)':<40} {m.mean:12.5f} ± {m.stderr:7.5f} {y:10.5f} "
                  f"{abs(m.mean - y) / m.stderr:5.1f}")
    edges = lattice_edges(16)
    beta_c = potts_critical_beta(3)
    heats = []
    for factor in (0.9, 0.95, 1.0, 1.05, 1.1):
        model = PottsModel.from_edges(256, 3, edges, np.ones(len(edges)), beta=factor * beta_c)
        run = sample_potts(model, 6000, 500, 8, seed=11)
        heats.append((factor, (factor * beta_c) ** 2 * run.energies.var(axis=1).mean() / 256))
    print("Potts q=3, L=16, specific heat C/N vs beta/beta_c: " + ", ".join(f"{f:.2f}: {c:.3f}" for f, c in heats))
    couplings = [[0, 1, -1.0], [0, 2, 2.0], [1, 2, 2.0]]
    gate = IsingModel.from_edges(3, [c[:2] for c in couplings], [c[2] for c in couplings], [1.0, 1.0, -2.0], 2.0)
    for out in (1, -1):
        run = sample_ising(gate, 1, 30, 20000, seed=1, clamp={2: out})
        exact = exact_distribution(gate, clamp={2: out})
        shown = {k: f"{v:.4f}/{exact[int(k[::-1], 2)]:.4f}" for k, v in run.state_frequencies().items()}
        print(f"AND gate, output clamped to {max(out, 0)}: sampled/exact {shown}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (for CI smoke tests)")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument("--physics", action="store_true", help="also print the sampled-vs-exact agreement table")
    args = parser.parse_args(argv)
    sweeps = {"lattice 256x256": 20 if args.quick else 200, "8-regular n=4096 ±J": 200 if args.quick else 2000}
    repeats = 1 if args.quick else 5
    # only look for thrml here: importing it (and JAX) waits until the toolkit is timed
    have_thrml = importlib.util.find_spec("thrml") is not None
    if not have_thrml:
        print("thrml is not importable (pip install thrml); printing the toolkit's figures only", file=sys.stderr)
    configs = []
    for name, model in build_models():
        for chains in (1, MULTI_CHAINS):
            n_sweeps = sweeps[name] if chains == 1 else max(sweeps[name] // 4, 10)
            configs.append((name, model, chains, n_sweeps))
    results = [bench_config(model, chains, n_sweeps, repeats, have_thrml) for _, model, chains, n_sweeps in configs]
    rows = []
    header = f"{'model':<20} {'chains':>6} {'ours 1 thr':>11} {'ours all':>10} {'thrml':>10} {'ratio':>6}"
    print(header + f" {'E/N ours':>9} {'E/N thrml':>9}")
    for r, (name, _model, chains, n_sweeps) in zip(results, configs):
        best = max(r["toolkit_1_thread"], r["toolkit_all_threads"])
        ratio = best / r["thrml"] if r["thrml"] else None
        rows.append(
            {
                "model": name,
                "chains": chains,
                "sweeps": n_sweeps,
                "toolkit_updates_per_second_1_thread": r["toolkit_1_thread"],
                "toolkit_updates_per_second_all_threads": r["toolkit_all_threads"],
                "thrml_updates_per_second": r["thrml"],
                "speedup_best_toolkit_over_thrml": ratio,
                "energy_per_spin_toolkit": r["toolkit_energy"],
                "energy_per_spin_thrml": r["thrml_energy"],
            }
        )
        thrml_text = f"{r['thrml']:10.3e}" if r["thrml"] else f"{'n/a':>10}"
        ratio_text = f"{ratio:6.1f}" if ratio else f"{'n/a':>6}"
        e_thrml = f"{r['thrml_energy']:9.4f}" if r["thrml_energy"] is not None else f"{'n/a':>9}"
        print(
            f"{name:<20} {chains:>6} {r['toolkit_1_thread']:11.3e} {r['toolkit_all_threads']:10.3e} "
            f"{thrml_text} {ratio_text} {r['toolkit_energy']:9.4f} {e_thrml}"
        )
    print(f"Onsager energy per spin at beta = {BETA}: {onsager_energy_per_site(BETA):.4f} (lattice rows)")
    if args.physics:
        physics_table()
    if args.json:
        print(json.dumps({"beta": BETA, "rows": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
