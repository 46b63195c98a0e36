"""Sweep grid: canonical keys, per-point seeds, validation."""

import numpy as np
import pytest

from noisecircuits.errors import ParameterError
from noisecircuits.sweeps import SweepSpec, mismatch_seed, point_id, point_key, point_seed


def test_point_key_is_canonical_and_order_free():
    a = {"temperature_K": 300.0, "v_bias_V": -0.01}
    b = {"v_bias_V": -0.01, "temperature_K": 300.0}
    assert point_key(a) == point_key(b)
    assert point_id(a) == point_id(b) and len(point_id(a)) == 16


def test_point_seed_depends_on_coordinates_and_sweep_seed_only():
    a = {"temperature_K": 300.0, "v_bias_V": 0.0}
    draw = lambda ss: np.random.default_rng(ss).integers(0, 2**63, 4).tolist()  # noqa: E731
    assert draw(point_seed(7, a)) == draw(point_seed(7, dict(a)))
    assert draw(point_seed(7, a)) != draw(point_seed(8, a))
    assert draw(point_seed(7, a)) != draw(point_seed(7, {**a, "v_bias_V": 1e-3}))
    # a mismatch instance is the same die everywhere, but differs between instances
    assert draw(mismatch_seed(7, 0)) != draw(mismatch_seed(7, 1))
    assert draw(mismatch_seed(7, 0)) != draw(point_seed(7, a))


def test_grid_order_and_size():
    spec = SweepSpec("telegraph", [300.0, 250.0], [0.0, 0.01, 0.02], mismatch_samples=2)
    coords = spec.coordinates()
    assert len(coords) == len(spec) == 12
    assert coords[0] == {"temperature_K": 300.0, "v_bias_V": 0.0, "mismatch_index": 0}
    assert coords[-1] == {"temperature_K": 250.0, "v_bias_V": 0.02, "mismatch_index": 1}
    assert len({point_id(c) for c in coords}) == 12


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"temperatures": []}, "temperatures must hold at least one value"),
        ({"temperatures": [300.0, 300.0]}, "temperatures must not repeat"),
        ({"temperatures": [-1.0]}, "temperatures must be > 0"),
        ({"v_biases": [float("nan")]}, "v_biases must be a finite number"),
        ({"engine": "hspice"}, "engine must be one of sde, spice"),
        ({"mismatch_samples": -1}, "mismatch_samples must be an integer >= 0"),
        ({"duration": 0.0}, "duration must be > 0"),
        ({"seed": -3}, "seed must be an integer >= 0"),
        ({"options": {"x": object()}}, "options must be JSON-serialisable"),
    ],
)
def test_spec_validation_messages(kwargs, message):
    base = {"kind": "telegraph", "temperatures": [300.0], "v_biases": [0.0]}
    with pytest.raises(ParameterError, match=message):
        SweepSpec(**{**base, **kwargs})
