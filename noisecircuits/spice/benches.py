r"""Test benches: the kT/C noise bench and the subthreshold I–V sweep.

kT/C: a resistor R across a capacitor C, driven by the resistor's thermal-noise current
(one-sided PSD 4kT/R) as a held unit-Gaussian ``trrandom`` stream of step
:math:`N_T = RC / 20` scaled by :math:`\sqrt{4kT/R / (2 N_T)}`. The stationary variance of
the node is :math:`kT/C` (equipartition); for noise held over :math:`N_T` it is exactly

.. math:: \langle V^2 \rangle = \frac{kT}{C} \frac{2RC}{N_T} \tanh\frac{N_T}{2RC},

(:math:`kT/C\,(1 - h^2/12)` with :math:`h = N_T/RC`: 0.02 % low at the default step).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from noisecircuits._validate import in_range, positive
from noisecircuits.analysis.autocorrelation import mean_and_stderr
from noisecircuits.constants import BOLTZMANN, PHYSICAL_TEMPERATURE_RANGE, celsius, thermal_voltage
from noisecircuits.errors import ParameterError, SpiceError
from noisecircuits.spice.cards import get_card
from noisecircuits.spice.render import render_netlist
from noisecircuits.spice.runner import run_netlist, run_netlists
from noisecircuits.spice.seeds import spice_seeds
from noisecircuits.spice.pbit import uniform_samples
from noisecircuits.spice.units import round_significant

__all__ = ["ktc_variance", "held_noise_ktc_variance", "held_noise_variance_ratio", "held_noise_variance_at_phase", "record_length_stderr", "iv_sweep",
           "subthreshold_swing_table", "MAX_STEP_PER_NOISE_STEP", "MIN_RECORD_TIME_CONSTANTS"]

#: ngspice maximum time step as a fraction of the noise step (docs/physics.md §5: <= NT/5).
MAX_STEP_PER_NOISE_STEP = 0.2
#: the gate sweep starts this far below zero (low-threshold devices are in weak inversion at V_GS = 0) [V]
_REVERSE_GATE = 0.3
#: records (after settling) shorter than this many RC are flagged ``short_record``
MIN_RECORD_TIME_CONSTANTS = 1000.0
#: noise step of the kT/C bench over RC (variance 0.02 % low on the noise grid)
DEFAULT_KTC_HOLD = 0.05
#: settling time discarded before statistics, in RC time constants
_SETTLE_TIME_CONSTANTS = 10.0


def held_noise_ktc_variance(resistance, capacitance, temperature, noise_step) -> float:
    r"""Exact stationary variance of an RC node driven by held (piecewise-constant) white noise.

    .. math:: \frac{kT}{C} \frac{2RC}{N_T} \tanh\frac{N_T}{2RC}

    Parameters
    ----------
    resistance : float
        [Ohm].
    capacitance : float
        [F].
    temperature : float
        [K].
    noise_step : float
        Hold time of each noise value N_T [s].

    Returns
    -------
    float
        Variance [V^2].
    """
    tau = resistance * capacitance
    x = noise_step / (2 * tau)
    return BOLTZMANN * temperature / capacitance * math.tanh(x) / x


def record_length_stderr(variance, time_constant, record) -> float:
    r"""Standard error of the mean of V² over a record of an Ornstein–Uhlenbeck node.

    For a stationary Gaussian process with autocovariance :math:`\sigma^2 e^{-|t|/\tau}`,
    :math:`\mathrm{Cov}(V^2(0), V^2(t)) = 2\sigma^4 e^{-2|t|/\tau}`, so the mean of
    :math:`V^2` over a record of length :math:`T \gg \tau` has variance
    :math:`\frac1T \int 2\sigma^4 e^{-2|t|/\tau} dt = 2\tau\sigma^4/T`:

    .. math:: \mathrm{SE} = \sigma^2 \sqrt{2\tau/T}.

    Parameters
    ----------
    variance : float
        σ², the exact stationary variance [V^2].
    time_constant : float
        τ = RC [s].
    record : float
        Record length T [s].

    Returns
    -------
    float
        [V^2].
    """
    return float(variance * math.sqrt(2.0 * time_constant / record))


def held_noise_variance_ratio(hold, *, phase_averaged: bool = True) -> float:
    r"""Variance of an OU node driven by held white noise over its white-noise value.

    With :math:`u = N_T/\tau` and the noise value held over each :math:`N_T`, the node at the
    hold boundaries is the AR(1) chain :math:`V_{k+1} = a V_k + (1-a) R i_k`,
    :math:`a = e^{-u}`, whose variance is :math:`(2/u)\tanh(u/2)` of kT/C
    (:func:`held_noise_ktc_variance`; :math:`1 - u^2/12`). Between boundaries
    :math:`V(s) = a(s) V_k + (1 - a(s)) R i_k`, and its variance averaged over the phase
    :math:`s \in [0, N_T)` (what a sampler at times unrelated to the noise grid sees) is

    .. math:: \frac{2}{u}\left[\langle a^2\rangle \tanh\frac u2 + 1 - 2\langle a\rangle
              + \langle a^2\rangle\right], \quad \langle a\rangle = \frac{1-e^{-u}}{u},
              \; \langle a^2\rangle = \frac{1-e^{-2u}}{2u},

    :math:`= 1 - u/3 + u^2/12 + O(u^3)`: first order in the hold time.

    Parameters
    ----------
    hold : float
        N_T/τ [-].
    phase_averaged : bool
        Average over the phase within the hold (True) or at the hold boundaries (False) [-].

    Returns
    -------
    float
        Variance / (kT/C) [-].
    """
    u = positive("hold", hold)
    grid = math.tanh(u / 2) * 2 / u
    if not phase_averaged:
        return grid
    a1 = -math.expm1(-u) / u
    a2 = -math.expm1(-2 * u) / (2 * u)
    return (2 / u) * (a2 * math.tanh(u / 2) + 1 - 2 * a1 + a2)


def held_noise_variance_at_phase(hold, phase) -> float:
    r"""Variance / (kT/C) of the held-noise OU node at phase ``phase`` ∈ [0, 1) of a hold.

    :math:`a^2 (2/u)\tanh(u/2) + (1 - a)^2 (2/u)`, :math:`a = e^{-\varphi u}`, :math:`u = N_T/\tau`
    (see :func:`held_noise_variance_ratio`).

    Parameters
    ----------
    hold : float
        N_T/τ [-].
    phase : float or array_like
        Time since the last noise update over N_T [-].
    """
    u = positive("hold", hold)
    a = np.exp(-np.asarray(phase, dtype=float) * u)
    return a**2 * (2 / u) * math.tanh(u / 2) + (1 - a) ** 2 * (2 / u)


def ktc_variance(resistance, capacitance, temperature, duration, *, seed=0, keep=None, timeout=600.0,
                 hold: float = DEFAULT_KTC_HOLD, samples_per_noise_step: float = 0.2) -> dict:
    r"""Simulate the kT/C bench in ngspice and return the node variance and its oracle.

    Parameters
    ----------
    resistance : float
        R [Ohm].
    capacitance : float
        C [F].
    temperature : float
        T [K].
    duration : float
        Simulated time; must exceed 100 RC [s].
    seed : int, SeedSequence or Generator
        Seed of ngspice's ``trrandom`` [-].
    keep : path-like, optional
        Keep netlist and output in ``keep/ktc/`` [-].
    timeout : float
        ngspice wall-clock limit [s].
    hold : float
        Noise step over RC, in (0, 2] [-].
    samples_per_noise_step : float
        An integer k (samples at phases j/k of every hold) or 1/k (one sample every k holds, on
        the noise grid) [-].

    Returns
    -------
    dict
        ``variance_V2`` (after discarding 10 RC of settling) [V^2], ``variance_stderr_V2``
        (from the record length, :func:`record_length_stderr`) [V^2],
        ``variance_stderr_sample_V2`` (autocorrelation-aware estimate from the samples) [V^2],
        ``record_time_constants`` (record after settling / RC) [-], ``short_record`` (record
        under :data:`MIN_RECORD_TIME_CONSTANTS` RC: its SE is itself uncertain) [-], ``expected_V2`` = kT/C [V^2],
        ``expected_held_noise_V2`` (exact for the held noise at the sampled phases) [V^2], ``n_samples``,
        ``noise_step_s`` [s], ``seed``.
    """
    r = positive("resistance", resistance, "Ohm")
    c = positive("capacitance", capacitance, "F")
    t = in_range("temperature", temperature, *PHYSICAL_TEMPERATURE_RANGE, "K")
    tau = r * c
    d = positive("duration", duration, "s")
    if d < 100 * tau:
        raise ParameterError(f"duration must be at least 100 RC = {100 * tau:g} s, got {duration!r}")
    u = in_range("hold", hold, 1e-3, 2.0)
    k = positive("samples_per_noise_step", samples_per_noise_step)
    per = round(k) if k >= 1 else round(1 / k)
    if abs((per if k >= 1 else 1 / per) - k) > 1e-9 * k:
        raise ParameterError(f"samples_per_noise_step must be an integer or the inverse of one, got {k!r}")
    noise_step = round_significant(tau * u, 3)
    u = noise_step / tau
    phases = np.arange(per) / per if k >= 1 else np.zeros(1)
    expected_held = float(np.mean(held_noise_variance_at_phase(u, phases))) * BOLTZMANN * t / c
    (spice_seed,) = spice_seeds(seed, 1)
    values = {
        "seed": spice_seed,
        "temperature_celsius": celsius(t),
        "resistance": r,
        "capacitance": c,
        "noise_step": noise_step,
        "noise_amplitude": math.sqrt(4 * BOLTZMANN * t / r / (2 * noise_step)),
        # samples exactly on known phases of the noise grid (the variance depends on the phase)
        "sample_step": noise_step / per if k >= 1 else noise_step * per,
        "stop_time": d,
        # never above the output step (ngspice 39 truncates interpolated output otherwise)
        "max_step": min(noise_step * MAX_STEP_PER_NOISE_STEP, noise_step / per if k >= 1 else noise_step),
    }
    netlist = render_netlist("ktc", get_card("generic"), values)
    run = run_netlist(netlist, ["v_V"], name="ktc", keep=keep, timeout=timeout)
    frame = run.data
    frame = frame[frame["x"] > 0]
    uniform_samples(frame["x"].to_numpy(), values["sample_step"])
    v = frame.loc[frame["x"] >= _SETTLE_TIME_CONSTANTS * tau, "v_V"].to_numpy()
    if len(v) < 100:
        raise SpiceError(f"ngspice returned only {len(v)} samples after settling")
    var, sample_stderr = mean_and_stderr(v**2)
    record = d - _SETTLE_TIME_CONSTANTS * tau
    return {
        "variance_V2": float(var),
        "variance_stderr_V2": record_length_stderr(expected_held, tau, record),
        "variance_stderr_sample_V2": float(sample_stderr),
        "record_time_constants": record / tau,
        "short_record": bool(record < MIN_RECORD_TIME_CONSTANTS * tau),
        "expected_V2": BOLTZMANN * t / c,
        "expected_held_noise_V2": expected_held,
        "n_samples": int(len(v)),
        "noise_step_s": noise_step,
        "seed": spice_seed,
    }


def iv_sweep(card: str, polarity: str, width, length, v_ds, temperatures, *, v_gate_stop=None, v_gate_step=2e-3,
             workers: int = 2, keep=None, timeout=300.0) -> pd.DataFrame:
    """DC sweep of I_D vs V_GS at fixed |V_DS| for one transistor at several temperatures.

    Source and bulk are grounded; for a pmos the drain and gate voltages are negative. The
    gate sweep runs from 0.3 V in the off direction to ``v_gate_stop``; voltages and currents
    in the result are signed for the nmos convention (pmos values are negated).

    Parameters
    ----------
    card : str
        "generic" or "sky130" [-].
    polarity : str
        "nmos" or "pmos" [-].
    width, length : float
        Drawn geometry [m].
    v_ds : float
        Drain-source voltage magnitude [V].
    temperatures : sequence of float
        [K].
    v_gate_stop : float, optional
        Largest |V_GS| (default 0.8 V) [V].
    v_gate_step : float
        Sweep step [V].
    workers : int
        Concurrent ngspice processes [-].
    keep : path-like, optional
        Keep the runs' files [-].
    timeout : float
        Per-run limit [s].

    Returns
    -------
    pandas.DataFrame
        Columns ``temperature_K``, ``v_gs_V``, ``v_ds_V``, ``i_d_A`` (magnitudes).
    """
    deck = get_card(card)
    if polarity not in ("nmos", "pmos"):
        raise ParameterError(f"device must be 'nmos' or 'pmos', got {polarity!r}")
    w = positive("width", width, "m")
    ln = positive("length", length, "m")
    vds = in_range("v_ds", v_ds, 1e-3, 3.0, "V")
    stop = positive("v_gate_stop", 0.8 if v_gate_stop is None else v_gate_stop, "V")
    step = in_range("v_gate_step", v_gate_step, 1e-4, 0.05, "V")
    temps = [in_range("temperature", T, 100.0, 500.0, "K") for T in temperatures]
    if not temps:
        raise ParameterError("temperatures must list at least one temperature [K]")
    sign = 1.0 if polarity == "nmos" else -1.0
    jobs = []
    for i, T in enumerate(temps):
        values = {"temperature_celsius": celsius(T), "v_drain": sign * vds, "v_gate_start": -sign * _REVERSE_GATE,
                  "v_gate_stop": sign * stop, "v_gate_step": sign * step, "width": w, "length": ln}
        jobs.append((f"iv_{polarity}_{i}", render_netlist(f"iv_{polarity}", deck, values), ["i_d_A"]))
    runs = run_netlists(jobs, workers=workers, keep=keep, timeout=timeout)
    frames = []
    for T, run in zip(temps, runs):
        frames.append(pd.DataFrame({"temperature_K": T, "v_gs_V": sign * run.data["x"].to_numpy(), "v_ds_V": vds,
                                    "i_d_A": np.abs(run.data["i_d_A"].to_numpy())}))
    return pd.concat(frames, ignore_index=True)


def subthreshold_swing_table(sweep: pd.DataFrame, *, window: float = 0.02) -> pd.DataFrame:
    r"""Minimum subthreshold swing of each temperature's sweep.

    The swing :math:`S = dV_{GS}/d\log_{10} I_D` is taken from a least-squares line through
    :math:`\log_{10} I_D` over a sliding window of ``window`` volts (robust to the sweep's
    numerical noise); the slope factor is :math:`n = S / (U_T \ln 10)`.

    Parameters
    ----------
    sweep : pandas.DataFrame
        Output of :func:`iv_sweep` [SI].
    window : float
        Width of the local fit window [V].

    Returns
    -------
    pandas.DataFrame
        ``temperature_K``, ``swing_mV_per_decade`` [mV/dec], ``slope_factor`` [-],
        ``v_gs_at_min_V`` [V].
    """
    rows = []
    for T, group in sweep.groupby("temperature_K", sort=True):
        v = group["v_gs_V"].to_numpy()
        i = group["i_d_A"].to_numpy()
        ok = i > 0
        v, logi = v[ok], np.log10(i[ok])
        half = max(int(round(window / np.median(np.diff(v)) / 2)), 1)
        best, at = math.inf, math.nan
        for k in range(half, len(v) - half):
            sl = slice(k - half, k + half + 1)
            slope = np.polyfit(v[sl], logi[sl], 1)[0]
            if slope > 0 and 1.0 / slope < best:
                best, at = 1.0 / slope, v[k]
        if not math.isfinite(best):
            raise SpiceError(f"no rising subthreshold region in the sweep at {T:g} K")
        rows.append({"temperature_K": float(T), "swing_mV_per_decade": best * 1e3,
                     "slope_factor": best / (thermal_voltage(T) * math.log(10)), "v_gs_at_min_V": float(at)})
    return pd.DataFrame(rows)
