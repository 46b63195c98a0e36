"""p-bit effective sample size when the trace is too short to measure the correlation time."""

import math

import pytest

from noisecircuits.analysis.stats import binary_effective_samples


def test_effective_samples_from_correlation_time():
    # N_eff = T / (2 tau_c) (docs/physics.md §2)
    assert binary_effective_samples(1e-3, 1e-6, 1000) == pytest.approx(500.0, rel=1e-12)


def test_effective_samples_fallback_is_conservative_and_finite():
    assert binary_effective_samples(1e-3, math.nan, 0) == 1.0
    assert binary_effective_samples(1e-3, math.nan, 6) == 3.0
