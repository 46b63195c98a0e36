"""EKV MOSFET model against its closed-form limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import constants

from noisecircuits.errors import ParameterError
from noisecircuits.physics.mosfet import (
    MosfetParams,
    drain_current,
    forward_reverse_currents,
    subthreshold_swing,
    weak_inversion_current,
)

NMOS = MosfetParams.default_nmos()
PMOS = MosfetParams.default_pmos()


def thermal_voltage(temperature):
    # independent of noisecircuits.constants: straight from CODATA via scipy
    return constants.k * temperature / constants.e


def test_defaults_are_in_the_documented_class():
    for p in (NMOS, PMOS):
        assert p.width == pytest.approx(0.5e-6) and p.length == pytest.approx(0.5e-6)
        assert 0.40 <= p.threshold_voltage <= 0.45
        assert 1.3 <= p.slope_factor <= 1.4
        assert p.threshold_tempco == pytest.approx(-1e-3)
    assert NMOS.polarity == "nmos" and PMOS.polarity == "pmos"


def test_deep_weak_inversion_matches_exponential_law_to_1e_6():
    # z = (V_P - V_S)/U_T <= -30 here and ln^2(1 + e^{y}) = e^{2y} (1 - e^{y} + ...) with y = z/2:
    # the difference I_f - I_r then has relative error <= 1.5 e^{z/2} <= 1.5 e^-15 = 4.6e-7 < 1e-6
    v_gate = np.linspace(-1.7, -1.1, 7)[:, None]
    v_drain = np.array([0.001, 0.02, 0.1, 0.5, 1.0])
    for temperature in (250.0, 300.0, 400.0):
        n = NMOS.slope_factor_at(temperature)
        z = (v_gate - NMOS.threshold_at(temperature)) / n / thermal_voltage(temperature)
        assert np.all(z <= -30)
        exact = drain_current(NMOS, v_gate, 0.0, v_drain, temperature)
        weak = weak_inversion_current(NMOS, v_gate, 0.0, v_drain, temperature)
        np.testing.assert_allclose(exact, weak, rtol=1e-6, atol=0)


def test_weak_inversion_is_independent_closed_form():
    temperature = 310.0
    u_t = thermal_voltage(temperature)
    v_g, v_s, v_d = 0.2, 0.05, 0.3
    n = NMOS.slope_factor
    vt = NMOS.threshold_voltage + NMOS.threshold_tempco * (temperature - NMOS.t_ref)
    beta = NMOS.current_factor * (temperature / NMOS.t_ref) ** NMOS.mobility_exponent
    i_spec = 2 * n * beta * u_t**2
    expected = i_spec * math.exp(((v_g - vt) / n - v_s) / u_t) * (1 - math.exp(-(v_d - v_s) / u_t))
    assert weak_inversion_current(NMOS, v_g, v_s, v_d, temperature) == pytest.approx(expected, rel=1e-12)


def test_no_overflow_or_underflow_at_extremes():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is benign
        strong = drain_current(NMOS, 50.0, 0.0, 60.0, 300.0)
        deep = drain_current(NMOS, -30.0, 0.0, 1.0, 300.0)
    assert math.isfinite(strong) and strong > 0
    assert deep >= 0.0 and math.isfinite(deep)


def test_strong_inversion_saturation_square_law():
    # ln(1+e^z) = z + ln(1+e^-z): relative error 2 e^-z / z, below 1e-9 for z > 25
    temperature = 300.0
    v_gate = np.array([2.0, 3.0, 4.0])
    i_d = drain_current(NMOS, v_gate, 0.0, 10.0, temperature)
    square = NMOS.current_factor / (2 * NMOS.slope_factor) * (v_gate - NMOS.threshold_voltage) ** 2
    np.testing.assert_allclose(i_d, square, rtol=1e-9)


def test_zero_drain_source_voltage_gives_zero_current():
    v_gate = np.linspace(-0.5, 1.5, 21)
    np.testing.assert_array_equal(drain_current(NMOS, v_gate, 0.1, 0.1, 300.0), 0.0)
    i_f, i_r = forward_reverse_currents(NMOS, v_gate, 0.1, 0.1, 300.0)
    assert np.all(i_f > 0) and np.all(i_f == i_r)


def test_source_drain_symmetry():
    rng = np.random.default_rng(1)
    v_g, v_s, v_d = rng.uniform(-0.2, 1.2, size=(3, 50))
    forward = drain_current(NMOS, v_g, v_s, v_d, 320.0)
    swapped = drain_current(NMOS, v_g, v_d, v_s, 320.0)
    np.testing.assert_allclose(forward, -swapped, rtol=1e-13, atol=0)


def test_swing_is_n_times_59_5_mV_per_decade_and_proportional_to_t():
    assert thermal_voltage(300.0) * math.log(10) == pytest.approx(59.52e-3, abs=0.01e-3)
    assert subthreshold_swing(NMOS, 300.0) == pytest.approx(NMOS.slope_factor * 59.52e-3, rel=2e-4)
    temps = np.array([250.0, 300.0, 400.0])
    np.testing.assert_allclose(subthreshold_swing(NMOS, temps) / temps, subthreshold_swing(NMOS, 300.0) / 300.0)


def test_swing_equals_measured_slope_of_weak_inversion_current():
    temperature = 300.0
    v_gate = np.array([-0.1, -0.05])
    i_d = drain_current(NMOS, v_gate, 0.0, 0.5, temperature)
    decades = math.log10(i_d[1] / i_d[0])
    # (V_P - V_S)/U_T < -10 here: EKV slope equals the exponential one to ~e^-5 relative
    assert 0.05 / decades == pytest.approx(subthreshold_swing(NMOS, temperature), rel=1e-3)


def test_pmos_is_the_mirror_of_an_identical_nmos():
    mirror = MosfetParams(
        polarity="nmos",
        width=PMOS.width,
        length=PMOS.length,
        threshold_voltage=PMOS.threshold_voltage,
        slope_factor=PMOS.slope_factor,
        current_factor=PMOS.current_factor,
        threshold_tempco=PMOS.threshold_tempco,
    )
    v_bulk = 1.0
    v_g, v_s, v_d = np.meshgrid([0.2, 0.5, 0.8], [1.0, 0.9], [0.0, 0.4, 1.0], indexing="ij")
    i_p = drain_current(PMOS, v_g, v_s, v_d, 300.0, v_bulk=v_bulk)
    i_n = drain_current(mirror, v_bulk - v_g, v_bulk - v_s, v_bulk - v_d, 300.0, v_bulk=0.0)
    np.testing.assert_allclose(i_p, i_n, rtol=1e-14)
    # conducting pmos (source high, drain low) gives positive current out of the drain
    assert drain_current(PMOS, 0.0, 1.0, 0.2, 300.0) > 0
    # default pmos bulk is its source
    assert drain_current(PMOS, 0.3, 1.0, 0.2, 300.0) == drain_current(PMOS, 0.3, 1.0, 0.2, 300.0, v_bulk=1.0)


def test_temperature_laws():
    assert NMOS.threshold_at(350.0) == pytest.approx(0.42 - 0.05)
    assert NMOS.current_factor_at(600.0) == pytest.approx(NMOS.current_factor * 2**-1.5)
    u_t = thermal_voltage(350.0)
    expected = 2 * NMOS.slope_factor * NMOS.current_factor * (350 / 300) ** -1.5 * u_t**2
    assert NMOS.specific_current(350.0) == pytest.approx(expected, rel=1e-12)
    tilted = MosfetParams(**{**NMOS.__dict__, "slope_tempco": 1e-3})
    assert tilted.slope_factor_at(400.0) == pytest.approx(1.45)


def test_broadcasting_shapes():
    out = drain_current(NMOS, np.zeros((4, 1)), 0.0, np.linspace(0, 1, 3), np.array([[250.0], [300.0], [350.0], [400.0]]))
    assert out.shape == (4, 3)
    assert isinstance(drain_current(NMOS, 0.3, 0.0, 0.5, 300.0), float)


@pytest.mark.parametrize(
    "field, value",
    [
        ("polarity", "cmos"),
        ("width", 0.0),
        ("length", -1e-6),
        ("threshold_voltage", float("nan")),
        ("slope_factor", 0.9),
        ("current_factor", 0.0),
        ("t_ref", 0.0),
        ("threshold_tempco", 1.0),
    ],
)
def test_bad_parameters_raise_naming_the_field(field, value):
    with pytest.raises(ParameterError, match=field):
        MosfetParams(**{**NMOS.__dict__, field: value})


def test_bad_temperature_and_voltage_raise():
    with pytest.raises(ParameterError, match="temperature"):
        drain_current(NMOS, 0.3, 0.0, 0.5, -1.0)
    with pytest.raises(ParameterError, match="v_gate"):
        drain_current(NMOS, np.nan, 0.0, 0.5, 300.0)
    with pytest.raises(ParameterError, match="slope factor"):
        MosfetParams(**{**NMOS.__dict__, "slope_tempco": 0.01}).slope_factor_at(200.0)
