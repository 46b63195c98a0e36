"""Generated (topology-specialised) node equations and the cached ensemble kernel.

Oracle: the generic netlist interpreter of circuits._subthreshold (itself checked against the
numpy EKV functions of physics.mosfet in test_subthreshold_kernels.py). The generated code does
the same floating-point operations in the same order, so agreement is asserted bit for bit,
for the terms and for whole simulations.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import numba
import numpy as np
import pytest
from numba import njit

import noisecircuits as nc
from noisecircuits.circuits._specialised import specialised_terms, topology
from noisecircuits.circuits._subthreshold import circuit_diffusion, circuit_diffusion_derivative, circuit_drift
from noisecircuits.circuits.categorical import CategoricalCell, CategoricalDesign
from noisecircuits.circuits.continuous import ContinuousCell
from noisecircuits.circuits.pbit import PBit, PBitDesign
from noisecircuits.circuits.transfer import pbit_transfer_curve
from noisecircuits.sde.ensemble import ensemble_kernel
from noisecircuits.sde.kernel_cache import generated_module
from noisecircuits.sde.solvers import euler_step
from noisecircuits.sde.terms import SDETerms, zero_derivative

PBIT = PBit(PBitDesign.default(), 0.12, 300.0)


def _netlists():
    yield PBIT.netlist
    yield PBitDesign.default().netlist(0.2, 420.0)
    yield CategoricalCell(CategoricalDesign(n_states=3), [0.04, 0.05, 0.06], 280.0).netlist
    yield ContinuousCell(v_bias=0.12).netlist


@pytest.mark.parametrize("netlist", list(_netlists()), ids=["pbit", "pbit-420K", "categorical-3", "continuous"])
def test_generated_terms_equal_generic_kernels_bit_for_bit(netlist):
    drift, diffusion, derivative, params = specialised_terms(netlist)
    fused = sys.modules[drift.py_func.__module__].drift_diffusion
    n = len(netlist.state_names)
    rng = np.random.default_rng(11)
    # node voltages far outside the rails too: exercises both branches of the softplus
    states = np.concatenate([rng.uniform(-0.05, 0.2, size=(300, n)), rng.uniform(-2.0, 4.0, size=(50, n))])
    want, got, a, g = (np.empty(n) for _ in range(4))
    for state in states:
        circuit_drift(state, netlist.params, want)
        drift(state, params, got)
        fused(state, params, a, g)
        assert np.array_equal(got, want) and np.array_equal(a, want)
        circuit_diffusion(state, netlist.params, want)
        diffusion(state, params, got)
        assert np.array_equal(got, want) and np.array_equal(g, want)
        circuit_diffusion_derivative(state, netlist.params, want)
        derivative(state, params, got)
        assert np.array_equal(got, want)


def test_topology_ignores_voltages_and_sizes_and_shares_the_functions():
    other = replace(PBitDesign.default(), supply_voltage=0.1, node_capacitance=1e-16).netlist(0.05, 250.0)
    assert topology(other) == topology(PBIT.netlist)
    assert specialised_terms(other)[:3] == specialised_terms(PBIT.netlist)[:3]
    assert topology(CategoricalCell().netlist) != topology(PBIT.netlist)


def _advance_block(kernel):
    """The single-block numba function a kernel wrapper calls."""
    (block,) = [c.cell_contents for c in kernel.__closure__ if getattr(c.cell_contents, "__name__", "") == "advance_block"]
    return block


class _GenericPBit:
    """PBIT with its terms on the generic interpreter (no fused evaluation)."""

    readout_spec = PBIT.readout_spec

    def sde_terms(self):
        t = PBIT.sde_terms()
        return SDETerms(drift=circuit_drift, diffusion=circuit_diffusion, diffusion_derivative=circuit_diffusion_derivative,
                        params=t.params, x0=t.x0, state_names=t.state_names, timescale=t.timescale)


# fused Euler, and (slow: two more kernels to compile) a step calling the terms apart
@pytest.mark.parametrize("solver", ["euler", pytest.param("heun", marks=pytest.mark.slow)])
def test_simulation_with_generated_terms_is_the_generic_simulation(solver):
    dt = PBIT.timescale / 20
    kwargs = dict(duration=3000 * dt, dt=dt, paths=5, seed=7, solver=solver, record_every=10)
    fast = nc.simulate(PBIT, **kwargs)
    reference = nc.simulate(_GenericPBit(), **kwargs)
    assert np.array_equal(fast.values, reference.values)
    for field in ("counts", "sums", "switches"):
        assert np.array_equal(getattr(fast.dwell_tally, field), getattr(reference.dwell_tally, field))


def test_kernel_of_unimportable_functions_compiles_in_memory_and_agrees():
    @njit(inline="always")
    def local_drift(x, params, out):
        circuit_drift(x, params, out)

    @njit(inline="always")
    def local_diffusion(x, params, out):
        circuit_diffusion(x, params, out)

    t = PBIT.sde_terms()
    local = SDETerms(drift=local_drift, diffusion=local_diffusion, params=t.params, x0=t.x0,
                     state_names=t.state_names, timescale=t.timescale)
    in_memory = _advance_block(ensemble_kernel(euler_step, local_drift, local_diffusion, zero_derivative))
    assert in_memory.py_func.__code__.co_filename == "<noisecircuits ensemble kernel>"
    on_disk = _advance_block(ensemble_kernel(euler_step, t.drift, t.diffusion, t.diffusion_derivative))
    assert on_disk.py_func.__code__.co_filename.endswith(".py")
    dt = PBIT.timescale / 20
    a = nc.simulate(local, 500 * dt, dt=dt, paths=3, seed=3)
    b = nc.simulate(PBIT, 500 * dt, dt=dt, paths=3, seed=3)
    assert np.array_equal(a.values, b.values)


def test_generated_module_is_written_once_and_memoised(tmp_path, monkeypatch):
    monkeypatch.setenv("NOISECIRCUITS_KERNEL_DIR", str(tmp_path))
    source = f"VALUE = {os.getpid()}  # test_generated_module_is_written_once_and_memoised\n"
    module = generated_module("test", source)
    assert module.VALUE == os.getpid()
    assert generated_module("test", source) is module
    files = list(tmp_path.glob("noisecircuits_generated_test_*.py"))
    assert len(files) == 1 and files[0].read_text().startswith(source)


def test_a_fresh_process_loads_the_ensemble_kernel_from_numba_cache():
    dt = PBIT.timescale / 20
    nc.simulate(PBIT, 10 * dt, dt=dt, seed=0)  # makes sure this machine's cache holds the kernel
    script = (
        "import noisecircuits as nc\n"
        "from noisecircuits.circuits.pbit import PBit\n"
        "from noisecircuits.sde.ensemble import ensemble_kernel\n"
        "from noisecircuits.sde.solvers import euler_step\n"
        "m = PBit(None, 0.12, 300.0)\n"
        "nc.simulate(m, 10 * m.timescale / 20, dt=m.timescale / 20, seed=0)\n"
        "t = m.sde_terms()\n"
        "k = ensemble_kernel(euler_step, t.drift, t.diffusion, t.diffusion_derivative)\n"
        "(b,) = [c.cell_contents for c in k.__closure__ if getattr(c.cell_contents, '__name__', '') == 'advance_block']\n"
        "print(sum(b.stats.cache_hits.values()), sum(b.stats.cache_misses.values()))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=dict(os.environ))
    hits, misses = (int(v) for v in done.stdout.split())
    assert hits >= 1 and misses == 0


def test_transfer_curve_does_not_depend_on_the_thread_count():
    biases = [0.11, 0.12, 0.13]
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial = pbit_transfer_curve(None, [300.0], biases, duration=2e-6, seed=5)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        parallel = pbit_transfer_curve(None, [300.0], biases, duration=2e-6, seed=5)
    finally:
        numba.set_num_threads(threads)
    assert serial.equals(parallel)
