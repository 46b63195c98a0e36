"""The ``telegraph`` sweep kind: points of the telegraph p-bit (:mod:`noisecircuits.circuits.telegraph`)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from noisecircuits.circuits.telegraph import TelegraphPBit, simulate_telegraph
from noisecircuits.citations import use
from noisecircuits.errors import ParameterError
from noisecircuits.physics.sampling import energy_per_sample
from noisecircuits.sweeps.mismatch import threshold_sigma
from noisecircuits.sweeps.registry import register_kind

__all__ = ["telegraph_point"]


def telegraph_point(params: dict, seed: np.random.SeedSequence) -> dict:
    """Point function of the ``telegraph`` kind (see :mod:`noisecircuits.sweeps.registry`).

    ``params["options"]`` may override any :class:`TelegraphPBit` field. With a mismatch
    instance, V_mid moves by the input transistor's threshold shift
    N(0, (A_VT/√(W L))²) drawn from ``params["mismatch_seed"]``.

    Returns
    -------
    dict
        ``p_one``, ``p_one_stderr``, ``n_samples``, ``n_ones``, ``n_effective``,
        ``correlation_time_s``, ``n_switches``, ``supply_power_W``, ``energy_per_sample_J``,
        ``v_mid_V``.
    """
    if params["engine"] != "sde":
        raise ParameterError(f"the telegraph kind runs only with engine sde, got {params['engine']!r}")
    options = dict(params.get("options") or {})
    unknown = set(options) - {f.name for f in dataclasses.fields(TelegraphPBit)}
    if unknown:
        raise ParameterError(f"unknown telegraph option(s) {sorted(unknown)}; allowed: TelegraphPBit fields")
    design = TelegraphPBit(**options)
    if params.get("mismatch_seed") is not None:
        mismatch_rng = np.random.default_rng(params["mismatch_seed"])
        sigma = threshold_sigma(design.input_width, design.input_length)
        design = dataclasses.replace(design, v_mid=design.v_mid + float(mismatch_rng.normal(0.0, sigma)))
    use("machlup1954")
    k_up, k_down = design.rates(params["v_bias_V"], params["temperature_K"])
    run = simulate_telegraph(k_up, k_down, params["duration_s"], design.read_interval, np.random.default_rng(seed))
    n, n_ones = run["n_samples"], run["n_ones"]
    p = n_ones / n
    rate_sum = 0.0
    if run["time_zero_s"] > 0:
        rate_sum += run["n_up"] / run["time_zero_s"]
    if run["time_one_s"] > 0:
        rate_sum += run["n_down"] / run["time_one_s"]
    tau = 1.0 / rate_sum if rate_sum > 0 else math.inf
    rho = math.exp(-design.read_interval / tau)
    n_eff = n * (1.0 - rho) / (1.0 + rho) if rho < 1 else 1.0
    n_eff = min(max(n_eff, 1.0), float(n))
    return {
        "p_one": p,
        "p_one_stderr": math.sqrt(p * (1.0 - p) / n_eff),
        "n_samples": n,
        "n_ones": n_ones,
        "n_effective": n_eff,
        "correlation_time_s": tau,
        "n_switches": run["n_up"] + run["n_down"],
        "supply_power_W": design.supply_power,
        "energy_per_sample_J": energy_per_sample(design.supply_power, tau),
        "v_mid_V": design.v_mid,
    }


register_kind(
    "telegraph",
    telegraph_point,
    engines=("sde",),
    default_duration=1e-3,
    description="exact two-state Markov p-bit (fast reference kind)",
)
