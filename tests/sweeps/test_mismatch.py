"""Pelgrom mismatch: sigma formula and the perturbation of nested designs."""

import dataclasses
import math

import numpy as np
import pytest

from noisecircuits.errors import ParameterError
from noisecircuits.sweeps import DEFAULT_A_VT, perturb_thresholds, threshold_sigma


@dataclasses.dataclass(frozen=True)
class _Transistor:
    threshold_voltage: float
    width: float
    length: float


@dataclasses.dataclass(frozen=True)
class _Design:
    supply: float
    load: _Transistor
    pair: tuple


def test_threshold_sigma_pelgrom_law():
    # A_VT / sqrt(W L): 3.5 mV at 1 um x 1 um, halves when the area is 4x larger
    assert threshold_sigma(1e-6, 1e-6) == pytest.approx(3.5e-3, rel=1e-12)
    assert threshold_sigma(2e-6, 2e-6) == pytest.approx(1.75e-3, rel=1e-12)
    assert DEFAULT_A_VT == pytest.approx(3.5e-9)
    with pytest.raises(ParameterError, match="width must be > 0"):
        threshold_sigma(0.0, 1e-6)


def test_perturb_nested_design_and_spread():
    design = _Design(0.1, _Transistor(0.4, 1e-6, 1e-6), (_Transistor(0.4, 4e-6, 1e-6), _Transistor(0.4, 4e-6, 1e-6)))
    rng = np.random.default_rng(11)
    n = 4000
    shifts = np.empty((n, 3))
    for i in range(n):
        new, applied = perturb_thresholds(design, rng)
        assert set(applied) == {"load", "pair[0]", "pair[1]"}
        assert new.supply == design.supply and isinstance(new.pair, tuple)
        shifts[i] = [new.load.threshold_voltage, new.pair[0].threshold_voltage, new.pair[1].threshold_voltage]
        shifts[i] -= 0.4
        assert applied["load"] == pytest.approx(shifts[i, 0], abs=1e-15)
    expected = np.array([3.5e-3, 1.75e-3, 1.75e-3])
    # sample std of n normal draws has relative standard error 1/sqrt(2(n-1)); allow 4 of them
    assert np.all(np.abs(shifts.std(axis=0, ddof=1) / expected - 1) < 4 / math.sqrt(2 * (n - 1)))
    # the transistors are independent: |corr| below 4 standard errors (1/sqrt(n))
    assert abs(np.corrcoef(shifts[:, 1], shifts[:, 2])[0, 1]) < 4 / math.sqrt(n)


def test_same_generator_state_gives_same_instance():
    design = _Design(0.1, _Transistor(0.4, 1e-6, 1e-6), ())
    a, _ = perturb_thresholds(design, np.random.default_rng(5))
    b, _ = perturb_thresholds(design, np.random.default_rng(5))
    assert a == b and a != design


def test_real_mosfet_params_are_perturbed():
    mosfet = pytest.importorskip("noisecircuits.physics.mosfet")
    if not hasattr(mosfet.MosfetParams, "default_nmos"):
        pytest.skip("MosfetParams.default_nmos is not available")
    params = mosfet.MosfetParams.default_nmos()
    new, applied = perturb_thresholds(params, np.random.default_rng(0))
    assert new.threshold_voltage - params.threshold_voltage == pytest.approx(applied["transistor"], abs=1e-15)
    assert new.width == params.width and new.current_factor == params.current_factor
