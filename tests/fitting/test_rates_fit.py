"""Two-rate fit: a law whose P(1) would fall with bias anywhere in its range is refused."""

from __future__ import annotations

import numpy as np
import pytest

from noisecircuits.errors import FitError
from noisecircuits.fitting.rates_fit import _check_monotone_law


def test_a_law_that_turns_over_is_refused():
    fixed = {"rate_bias_center_V": 0.1, "rate_bias_scale_V": 0.05, "t_ref_K": 300.0}
    q = 3 + 2  # bias degree 2, activation degree 1
    rising = np.array([0.0, 2.0, 0.0, 0.0, 0.0, 0.0, -2.0, 0.0, 0.0, 0.0])  # ln(k01/k10) = 4u
    _check_monotone_law(rising, q, 2, 1, fixed, (0.05, 0.15), (280.0, 320.0))
    turning = rising.copy()
    turning[2] = -3.0  # ln(k01/k10) = 4u - 3u^2 falls for u > 2/3, inside the range
    with pytest.raises(FitError, match="P\\(1\\) fall with bias"):
        _check_monotone_law(turning, q, 2, 1, fixed, (0.05, 0.15), (280.0, 320.0))
