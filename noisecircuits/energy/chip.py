"""End-to-end energy of sampling on a chip: measured toggle rate and mixing, then the sums.

:func:`chip_energy_report` runs the Gibbs engine on the chip's graph (ideal heat-bath, or
hardware-aware when a cell model is given) to *measure* the two quantities the energy
depends on — the toggle rate :math:`\\alpha` (fraction of updates that flip a cell, read from
consecutive sweeps) and the integrated autocorrelation time of the energy — and combines
them with :mod:`noisecircuits.energy.accounting` and the GPU baseline.
"""

from __future__ import annotations

import numpy as np

from noisecircuits import _validate
from noisecircuits.energy.accounting import (
    ChipEnergyParameters,
    UpdateEnergy,
    independent_sample_energy,
    rng_energy_from_cell,
    sweep_energy,
    update_energy,
)
from noisecircuits.energy.baselines import (
    H100_BF16_J_PER_FLOP,
    TRNG_J_PER_BIT,
    gibbs_update_flops,
    gpu_gibbs_energy,
    trng_energy,
)
from noisecircuits.errors import ParameterError

__all__ = ["measure_chip_statistics", "chip_energy_report", "MEASURE_SWEEPS", "MEASURE_BURN_IN"]


#: Recorded sweeps of the measurement run [-].
MEASURE_SWEEPS = 400
#: Sweeps a measurement run takes besides the recorded ones (burn-in) [-].
MEASURE_BURN_IN = 100


def measure_chip_statistics(model, sweeps: int = MEASURE_SWEEPS, burn_in: int = MEASURE_BURN_IN, seed=0, hardware=None,
                            progress=None) -> dict:
    """Toggle rate and integrated autocorrelation time of the energy, from a Gibbs run.

    Parameters
    ----------
    model : IsingModel
        The chip's graph and couplings.
    sweeps, burn_in : int
        Recorded and discarded sweeps [-].
    seed : int, SeedSequence or Generator
        Randomness.
    hardware : HardwareMode, optional
        Calibrated-cell updates.
    progress : callable, optional
        Called with the number of sweeps just finished [-].

    Returns
    -------
    dict
        ``toggle_rate`` [-] and ``tau_int_sweeps`` [sweeps].
    """
    from noisecircuits.gibbs.sampler import sample_ising

    run = sample_ising(model, sweeps, burn_in, chains=1, seed=seed, hardware=hardware, snapshot_every=1, histogram=False,
                       progress=progress)
    snaps = run.snapshots[:, 0, :]
    toggles = float(np.mean(snaps[1:] != snaps[:-1]))
    return {"toggle_rate": toggles, "tau_int_sweeps": run.energy().tau_int}


def chip_energy_report(
    model,
    sweeps: int,
    steps: int = 1,
    params: ChipEnergyParameters | None = None,
    *,
    cell=None,
    cell_energy: float | None = None,
    temperature: float = 300.0,
    rng_source: str = "power",
    toggle_rate: float | None = None,
    measure_sweeps: int = MEASURE_SWEEPS,
    seed=0,
    energy_per_flop: float = H100_BF16_J_PER_FLOP,
    random_bits_per_update: int = 8,
    progress=None,
) -> dict:
    """Energy per update, sweep and sample of a denoising-style chain, with baselines.

    Parameters
    ----------
    model : IsingModel
        Chip graph (one cell per node).
    sweeps : int
        K, sweeps per denoising step [-].
    steps : int
        T, denoising steps per sample [-].
    params : ChipEnergyParameters, optional
        Chip parameters (defaults: docs/physics.md §6).
    cell : object, optional
        Calibrated cell model (random-source energy and hardware-aware measurement).
    cell_energy : float, optional
        The whole energy of one cell update, :math:`E_{cell}` [J], as quoted for published chips
        (RNG + bias + clock + wire; e.g. 1.3 fJ). It replaces the term-by-term model: the
        breakdown then lists it under ``rng`` with the other terms 0 and ``cell_energy_lumped``
        is true.
    temperature : float
        Chip temperature [K].
    rng_source : {"power", "sample"}
        How a cell's random-source energy is computed (see ``rng_energy_from_cell``).
    toggle_rate : float, optional
        Use this toggle rate [-] instead of measuring it.
    measure_sweeps : int
        Sweeps of the measurement run [-].
    seed : int, SeedSequence or Generator
        Randomness of the measurement run.
    energy_per_flop : float
        GPU baseline [J/FLOP].
    random_bits_per_update : int
        Random bits a TRNG-based digital update needs [-].
    progress : callable, optional
        Called with the number of measurement sweeps just finished [-].

    Returns
    -------
    dict
        ``energy_per_update_J``, ``energy_per_sweep_J``, ``energy_per_sample_J`` (T K sweeps),
        ``energy_per_independent_sample_J`` (2 tau_int sweeps), ``breakdown_J``,
        ``gpu_baseline_J`` (same T K N updates on a GPU), ``trng_baseline_J``,
        ``gpu_over_chip``, ``toggle_rate``, ``tau_int_sweeps``, ``flops_per_update``, ``cells``.
    """
    params = ChipEnergyParameters() if params is None else params
    if cell is not None and cell_energy is not None:
        raise ParameterError("give either a cell model or a cell energy, not both")
    hardware = None
    if cell is not None:
        from noisecircuits.gibbs.hardware import HardwareMode

        rng = rng_energy_from_cell(cell, temperature, params.update_interval, rng_source)
        hardware = HardwareMode(cell, temperature=temperature, update_interval=params.update_interval)
    else:
        rng = params.rng_energy
    stats = measure_chip_statistics(model, sweeps=measure_sweeps, seed=seed, hardware=hardware, progress=progress)
    if toggle_rate is not None:
        stats["toggle_rate"] = _validate.in_range("toggle_rate", toggle_rate, 0.0, 1.0)
    degree = float(np.mean(model.degrees))
    if cell_energy is None:
        per_update = update_energy(params, degree, stats["toggle_rate"], rng_energy=rng)
    else:
        per_update = UpdateEnergy(_validate.non_negative("cell_energy", cell_energy, "J"), 0.0, 0.0, 0.0)
    n = model.n_nodes
    per_sweep = sweep_energy(per_update.total, n)
    total_sweeps = _validate.positive_int("sweeps", sweeps) * _validate.positive_int("steps", steps)
    per_sample = per_sweep * total_sweeps
    updates = total_sweeps * n
    gpu = gpu_gibbs_energy(updates, degree, energy_per_flop)
    return {
        "cells": n,
        "mean_degree": degree,
        "energy_per_update_J": per_update.total,
        "energy_per_sweep_J": per_sweep,
        "energy_per_sample_J": per_sample,
        "energy_per_independent_sample_J": independent_sample_energy(per_sweep, stats["tau_int_sweeps"]),
        "breakdown_J": per_update.as_dict(),
        "cell_energy_lumped": cell_energy is not None,
        "gpu_baseline_J": gpu,
        "gpu_over_chip": gpu / per_sample if per_sample > 0 else float("inf"),
        "trng_baseline_J": trng_energy(updates * random_bits_per_update, TRNG_J_PER_BIT),
        "flops_per_update": gibbs_update_flops(degree),
        "toggle_rate": stats["toggle_rate"],
        "tau_int_sweeps": stats["tau_int_sweeps"],
    }
