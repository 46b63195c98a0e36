"""Synthetic p-bit transfer data from known parameters (the round-trip oracle)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from noisecircuits.fitting.transfer_law import p_one

TRUE_LAW = {
    "v_mid_ref_V": 0.05,
    "dv_mid_dT_V_per_K": -1.0e-3,
    "v_width_ref_V": 0.02,
    "width_exponent": 1.0,
    "t_ref_K": 300.0,
}


def make_pbit_frame(seed, *, form="logistic", law=None, temperatures=(250.0, 300.0, 350.0), n_bias=15,
                    n_samples=2000, n_effective=None):
    """Binomial counts at a grid of (temperature, bias); n_effective (if given) is the binomial n."""
    law = dict(TRUE_LAW if law is None else law)
    rng = np.random.default_rng(seed)
    t = np.repeat(np.asarray(temperatures, dtype=float), n_bias)
    v = np.tile(np.linspace(-0.05, 0.15, n_bias), len(temperatures))
    p = p_one(form, law, v, t)
    n = np.full(t.size, n_samples)
    if n_effective is None:
        ones = rng.binomial(n, p)
        return pd.DataFrame({"v_bias_V": v, "temperature_K": t, "n_ones": ones, "n_samples": n})
    # independent information n_effective, reported as counts out of n_samples
    ones_eff = rng.binomial(n_effective, p)
    ones = np.round(ones_eff * n_samples / n_effective).astype(int)
    return pd.DataFrame(
        {"v_bias_V": v, "temperature_K": t, "n_ones": ones, "n_samples": n, "n_effective": float(n_effective)}
    )


@pytest.fixture
def pbit_frame():
    return make_pbit_frame
