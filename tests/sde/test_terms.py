"""SDETerms validation."""

import numpy as np
import pytest

from noisecircuits.errors import ParameterError
from noisecircuits.sde.terms import SDETerms, zero_derivative


def _terms(**changes):
    args = {"drift": zero_derivative, "diffusion": zero_derivative, "params": [1.0], "x0": [0.0, 1.0],
            "state_names": ("a", "b"), "timescale": 1e-9, **changes}
    return SDETerms(**args)


def test_valid_terms_are_frozen_float_arrays():
    terms = _terms(ou=([1.0, 2.0], [0.0, 0.0], [1.0, 1.0]))
    assert terms.dim == 2 and terms.x0.dtype == float and not terms.x0.flags.writeable
    with pytest.raises(AttributeError):
        terms.timescale = 1.0


@pytest.mark.parametrize(
    "changes, name",
    [
        ({"drift": lambda x, p, o: None}, "drift"),
        ({"diffusion": np.sin}, "diffusion"),
        ({"diffusion_derivative": abs}, "diffusion_derivative"),
        ({"x0": [np.nan, 0.0]}, "x0"),
        ({"x0": []}, "x0"),
        ({"params": [np.inf]}, "params"),
        ({"state_names": ("a",)}, "state_names"),
        ({"timescale": 0.0}, "timescale"),
        ({"ou": ([1.0], [0.0], [1.0])}, "theta"),
        ({"ou": ([-1.0, 1.0], [0.0, 0.0], [1.0, 1.0])}, "theta"),
    ],
)
def test_bad_terms_are_refused(changes, name):
    with pytest.raises(ParameterError, match=name):
        _terms(**changes)
