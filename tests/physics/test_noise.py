"""Noise PSDs: limits, Parseval, kT/C by integration, and a simulated telegraph signal."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import constants, integrate, signal

from noisecircuits.errors import ParameterError
from noisecircuits.physics.mosfet import MosfetParams, drain_current, forward_reverse_currents
from noisecircuits.physics.noise import (
    flicker_noise_psd,
    kt_over_c,
    shot_noise_psd,
    shot_noise_psd_from_bias,
    telegraph_noise_psd,
    thermal_noise_psd,
)

Q = constants.e
K = constants.k


def quad(f, a, b):
    return integrate.quad(f, a, b, epsabs=0, epsrel=1e-12, limit=500)[0]


def test_shot_noise_limits():
    temperature = 300.0
    u_t = K * temperature / Q
    current = 1e-9
    # saturation: coth(20) - 1 = 2 e^-40
    assert shot_noise_psd_from_bias(current, 40 * u_t, temperature) == pytest.approx(2 * Q * current, rel=1e-15)
    assert shot_noise_psd_from_bias(-current, -40 * u_t, temperature) == pytest.approx(2 * Q * current, rel=1e-15)
    # V_DS -> 0: 4kTg (x coth x = 1 + x^2/3: relative 3e-11 at x = 1e-5)
    g = 1e-6
    v_ds = 2e-5 * u_t
    assert shot_noise_psd_from_bias(g * v_ds, v_ds, temperature) == pytest.approx(4 * K * temperature * g, rel=1e-10)
    assert shot_noise_psd_from_bias(0.0, 0.0, temperature, conductance=g) == pytest.approx(4 * K * temperature * g)
    # continuous across the series/tanh switch at x = 1e-4
    x = np.array([0.99999e-4, 1.00001e-4])
    s = shot_noise_psd_from_bias(g * 2 * u_t * x, 2 * u_t * x, temperature)
    assert s[1] / s[0] == pytest.approx(1.0, abs=1e-12)


def test_shot_noise_forward_reverse_equals_coth_form_in_weak_inversion():
    nmos = MosfetParams.default_nmos()
    temperature = 320.0
    v_ds = np.array([1e-4, 5e-3, 0.02, 0.1, 0.5])
    v_gate = -1.2  # (V_P - V_S)/U_T < -30: EKV's I_f/I_r equals e^{V_DS/U_T} to 1.5 e^-15
    i_f, i_r = forward_reverse_currents(nmos, v_gate, 0.0, v_ds, temperature)
    i_d = drain_current(nmos, v_gate, 0.0, v_ds, temperature)
    np.testing.assert_allclose(shot_noise_psd(i_f, i_r), shot_noise_psd_from_bias(i_d, v_ds, temperature), rtol=1e-6)


def test_resistor_on_capacitor_gives_kt_over_c():
    temperature, resistance, capacitance = 310.0, 1e5, 1e-13
    s_i = thermal_noise_psd(resistance, temperature)
    assert s_i == pytest.approx(4 * K * temperature / resistance, rel=1e-15)
    corner = 1.0 / (2 * math.pi * resistance * capacitance)
    # voltage PSD S_I R^2 |1/(1 + j f/fc)|^2, integrated exactly (substitute f = fc tan t)
    variance = quad(lambda t: s_i * resistance**2 * corner / math.cos(t) ** 2 / (1 + math.tan(t) ** 2), 0, math.pi / 2)
    assert variance == pytest.approx(kt_over_c(capacitance, temperature), rel=1e-10)
    assert kt_over_c(capacitance, temperature) == pytest.approx(K * temperature / capacitance, rel=1e-15)


def test_subthreshold_transistor_charging_a_node_gives_half_kt_over_c():
    # docs/physics.md §1: shot noise 2qI against conductance g = I/U_T gives kT/(2C)
    temperature, capacitance, current = 300.0, 1e-15, 1e-10
    g = current / (K * temperature / Q)
    s_i = shot_noise_psd(current, 0.0)
    corner = g / (2 * math.pi * capacitance)
    variance = quad(lambda f: s_i / g**2 / (1 + (f / corner) ** 2), 0, np.inf)
    assert variance == pytest.approx(kt_over_c(capacitance, temperature) / 2, rel=1e-9)


def test_flicker_noise_equal_power_per_decade_and_scaling():
    kf, c_ox, w, l = 1e-25, 8e-3, 0.5e-6, 0.5e-6
    current = 2e-8
    scale = kf * current**2 / (c_ox * w * l)
    for f0 in (1.0, 1e3, 1e6):
        band = quad(lambda f: flicker_noise_psd(f, current, kf, c_ox, w, l), f0, 10 * f0)
        assert band == pytest.approx(scale * math.log(10), rel=1e-10)
    # EF != 1: closed-form integral of f^-EF
    ef = 1.2
    band = quad(lambda f: flicker_noise_psd(f, current, kf, c_ox, w, l, ef=ef), 10.0, 1e3)
    assert band == pytest.approx(scale * (10.0 ** (1 - ef) - 1e3 ** (1 - ef)) / (ef - 1), rel=1e-10)
    ratio = flicker_noise_psd(10.0, 3 * current, kf, c_ox, w, l, af=1.5) / flicker_noise_psd(10.0, current, kf, c_ox, w, l, af=1.5)
    assert ratio == pytest.approx(3**1.5, rel=1e-14)


@pytest.mark.parametrize("tau_capture, tau_emission", [(1e-3, 3e-3), (2e-6, 2e-6), (5.0, 0.01)])
def test_telegraph_parseval(tau_capture, tau_emission):
    amplitude = 3e-9
    p = tau_emission / (tau_capture + tau_emission)
    rate = 1 / tau_capture + 1 / tau_emission
    # substitute f = rate/(2 pi) tan t so the Lorentzian integrates over a finite range
    total = quad(
        lambda t: telegraph_noise_psd(rate / (2 * math.pi) * math.tan(t), amplitude, tau_capture, tau_emission)
        * rate / (2 * math.pi) / math.cos(t) ** 2,
        0,
        math.pi / 2,
    )
    assert total == pytest.approx(amplitude**2 * p * (1 - p), rel=1e-10)


def test_telegraph_matches_simulated_signal():
    rng = np.random.default_rng(20261120)
    tau_c, tau_e, amplitude = 1e-3, 3e-3, 2.0
    dt, n = 1e-5, 2**21
    duration = n * dt
    # exact process: alternating exponential dwells, first state from the stationary law
    n_dwells = int(3 * duration / min(tau_c, tau_e)) + 100
    filled = rng.random() < tau_e / (tau_c + tau_e)
    means = np.where((np.arange(n_dwells) % 2 == 0) == (not filled), tau_c, tau_e)
    switches = np.cumsum(rng.exponential(means))
    assert switches[-1] > duration
    state = (np.searchsorted(switches, np.arange(n) * dt) + int(filled)) % 2
    x = amplitude * state
    freqs, welch = signal.welch(x, fs=1 / dt, nperseg=8192, detrend="constant")
    band = (freqs >= 50) & (freqs <= 2000)
    # sampled process: exact discrete-time spectrum of an exponentially correlated sequence
    var = amplitude**2 * tau_c * tau_e / (tau_c + tau_e) ** 2
    rho = math.exp(-dt * (1 / tau_c + 1 / tau_e))
    exact_sampled = 2 * dt * var * (1 - rho**2) / (1 - 2 * rho * np.cos(2 * np.pi * freqs * dt) + rho**2)
    lorentz = telegraph_noise_psd(freqs, amplitude, tau_c, tau_e)
    # aliased images at k fs add about 2 zeta(2) (f/fs)^2 = 1.3e-3 relative at 2 kHz (fs = 100 kHz)
    np.testing.assert_allclose(exact_sampled[band], lorentz[band], rtol=2e-3)
    ratio = welch[band] / lorentz[band]
    # Welch bins scatter ~1/sqrt(segments); Hann-windowed neighbours are correlated, so count
    # half the bins as independent for the standard error
    stderr = ratio.std(ddof=1) / math.sqrt(ratio.size / 2)
    assert abs(ratio.mean() - 1) < 4 * stderr


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: shot_noise_psd(-1e-9), "forward_current"),
        (lambda: shot_noise_psd_from_bias(1e-9, 0.0, 300.0), "conductance"),
        (lambda: shot_noise_psd_from_bias(1e-9, -0.1, 300.0), "same sign"),
        (lambda: shot_noise_psd_from_bias(1e-9, 0.1, 0.0), "temperature"),
        (lambda: thermal_noise_psd(0.0, 300.0), "resistance"),
        (lambda: flicker_noise_psd(0.0, 1e-9, 1e-25, 8e-3, 1e-6, 1e-6), "frequency"),
        (lambda: telegraph_noise_psd(1.0, 1e-9, 0.0, 1.0), "tau_capture"),
        (lambda: kt_over_c(-1e-15, 300.0), "capacitance"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ParameterError, match=match):
        call()
