"""Physics layer: subthreshold MOSFET (EKV), noise PSDs, 1-D potentials, exact oracles and
Fokker-Planck grid solvers. Pure numpy/scipy; depends only on :mod:`noisecircuits.constants`.
"""

from noisecircuits.physics import fokker_planck
from noisecircuits.physics.mosfet import (
    MosfetParams,
    drain_current,
    forward_reverse_currents,
    subthreshold_swing,
    weak_inversion_current,
)
from noisecircuits.physics.noise import (
    flicker_noise_psd,
    kt_over_c,
    shot_noise_psd,
    shot_noise_psd_from_bias,
    telegraph_noise_psd,
    thermal_noise_psd,
)
from noisecircuits.physics.oracles import (
    double_well_correlation_time,
    double_well_dwell_times,
    double_well_p_right,
    kramers_rate,
    mean_first_passage_time,
    occupation,
    stationary_density,
)
from noisecircuits.physics.potentials import DoubleWellPotential, GaussianMixturePotential, MultiWellPotential

__all__ = [
    "fokker_planck",
    "MosfetParams",
    "drain_current",
    "forward_reverse_currents",
    "subthreshold_swing",
    "weak_inversion_current",
    "shot_noise_psd",
    "shot_noise_psd_from_bias",
    "thermal_noise_psd",
    "flicker_noise_psd",
    "telegraph_noise_psd",
    "kt_over_c",
    "DoubleWellPotential",
    "MultiWellPotential",
    "GaussianMixturePotential",
    "stationary_density",
    "occupation",
    "mean_first_passage_time",
    "kramers_rate",
    "double_well_dwell_times",
    "double_well_correlation_time",
    "double_well_p_right",
]
