"""energy layer: cell, sweep and sample energy accounting; GPU and TRNG baselines.

See :mod:`noisecircuits.energy.accounting` and :mod:`noisecircuits.energy.baselines`;
:func:`noisecircuits.energy.chip.chip_energy_report` combines them with a measured Gibbs run.
"""

from __future__ import annotations

from noisecircuits.energy.accounting import (
    ChipEnergyParameters,
    UpdateEnergy,
    denoising_chain_energy,
    independent_sample_energy,
    rng_energy_from_cell,
    sweep_energy,
    update_energy,
)
from noisecircuits.energy.baselines import (
    H100_BF16_J_PER_FLOP,
    H100_FP32_J_PER_FLOP,
    TRNG_J_PER_BIT,
    gibbs_update_flops,
    gpu_gibbs_energy,
    inference_energy,
    inference_power,
    trng_energy,
)

__all__ = [
    "ChipEnergyParameters",
    "UpdateEnergy",
    "denoising_chain_energy",
    "independent_sample_energy",
    "rng_energy_from_cell",
    "sweep_energy",
    "update_energy",
    "H100_BF16_J_PER_FLOP",
    "H100_FP32_J_PER_FLOP",
    "TRNG_J_PER_BIT",
    "gibbs_update_flops",
    "gpu_gibbs_energy",
    "inference_energy",
    "inference_power",
    "trng_energy",
]
