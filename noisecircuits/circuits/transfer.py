"""P(1) of the p-bit against bias and temperature: the transfer curve as a tidy table.

Two engines:

* ``"sde"``: one Euler–Maruyama path per (temperature, bias) point of ``duration`` seconds,
  read by :func:`noisecircuits.trace_stats`; the supply power is the trace average of
  V_dd × I_dd. Point ``i`` (temperature-major order, the row order of the table) draws its
  noise from ``SeedSequence(seed).spawn(n_points)[i]``, so a point's result does not depend
  on which other points are run with it, nor on how many run at once: the points are spread
  over ``numba.get_num_threads()`` threads (the simulation kernel releases the GIL).
* ``"exact"``: the Fokker–Planck stationary P(1), mean-first-passage correlation time and
  stationary supply power (:class:`~noisecircuits.circuits.pbit.PBit`); there are no samples,
  so ``p_one_stderr`` is 0 and the count columns are NaN.

Energy per independent sample = supply power × 2 τ_c (docs/architecture.md).

Duration per point (engine ``"sde"``, ``duration=None``): :func:`auto_duration` follows the
point's exact correlation time, so that each point expects :data:`TARGET_SWITCHES` switching
events (twice the minimum :data:`MIN_SWITCHES`), at least :data:`MIN_DURATION` and at most
:data:`MAX_AUTO_STEPS` integration steps. A point with fewer than :data:`MIN_SWITCHES` switching
events is made honest by :func:`honest_binary_point`: its P(1) standard error and ``n_effective``
come from the switch count, ``low_switching`` is True and ``note`` says why. A monostable point
(one stable state: nothing to switch between) reports the read-out's integrated
autocorrelation time as its correlation time, and says so in ``note``.
"""

from __future__ import annotations

import math

import numpy as np

from noisecircuits import _validate
from noisecircuits._seeding import seed_sequence
from noisecircuits.circuits.pbit import PBit, PBitDesign
from noisecircuits.errors import ParameterError
from noisecircuits.physics.sampling import energy_per_sample

__all__ = ["pbit_transfer_curve", "COLUMNS", "point_seeds", "auto_duration", "honest_binary_point",
           "monostable_correlation_time", "MIN_SWITCHES", "TARGET_SWITCHES", "MIN_DURATION", "MAX_AUTO_STEPS"]

#: Fewest switching events a point needs for its P(1) standard error to come from the trace [-].
MIN_SWITCHES = 20
#: Switching events the automatic duration aims at (twice the minimum, so that a point falls
#: short only by a rare fluctuation) [-].
TARGET_SWITCHES = 2 * MIN_SWITCHES
#: Shortest automatic duration of a point [s].
MIN_DURATION = 1e-3
#: Most integration steps (of the default step, the model's timescale / 20) an automatic duration may take [-].
MAX_AUTO_STEPS = 5e7

#: Columns of the table, in order (docs/architecture.md, "sweeps → fitting").
COLUMNS = (
    "temperature_K",
    "v_bias_V",
    "p_one",
    "p_one_stderr",
    "n_samples",
    "n_ones",
    "n_effective",
    "correlation_time_s",
    "correlation_time_stderr_s",
    "supply_power_W",
    "energy_per_sample_J",
    "n_switches",
    "duration_s",
    "low_switching",
    "note",
    "seed",
)
_ENGINES = ("sde", "exact")


def point_seeds(seed, n_points: int) -> list[np.random.SeedSequence]:
    """Per-point seed sequences: the children of ``SeedSequence(seed)``, one per point.

    Parameters
    ----------
    seed : int or SeedSequence
        Root seed [-].
    n_points : int
        Number of points [-].

    Returns
    -------
    list of SeedSequence
        ``SeedSequence(seed).spawn(n_points)``.
    """
    return seed_sequence(seed).spawn(n_points)


def auto_duration(model: PBit, *, dt=None, minimum: float = MIN_DURATION, max_steps: float = MAX_AUTO_STEPS):
    """Simulated time for one p-bit point, from its exact correlation time.

    A two-state process with P(1) = p and correlation time τ_c switches at the mean rate
    :math:`2 p (1 - p) / \\tau_c`; the duration is :data:`TARGET_SWITCHES` over that rate, at
    least ``minimum`` and at most ``max_steps`` integration steps.

    Parameters
    ----------
    model : PBit
        The p-bit at the point's bias and temperature [-].
    dt : float, optional
        Integration step; default the model's timescale / 20 [s].
    minimum : float
        Shortest duration [s].
    max_steps : float
        Most integration steps [-].

    Returns
    -------
    tuple of (float, str)
        The duration [s] and a note ("" when the target is reached; why not, otherwise).
    """
    if not model.bistable:
        return minimum, ""
    step = model.timescale / 20.0 if dt is None else dt
    p = model.p_one_exact()
    tau = model.correlation_time_exact()
    rate = 2.0 * p * (1.0 - p) / tau
    cap = max_steps * step
    needed = TARGET_SWITCHES / rate if rate > 0 else math.inf
    if needed <= cap:
        return max(minimum, needed), ""
    duration = max(minimum, cap)
    return duration, (
        f"duration capped at {duration:.3g} s ({max_steps:.3g} steps): only {rate * duration:.3g} switching events "
        f"expected (exact tau_c {tau:.3g} s, P(1) {p:.4g})"
    )


def monostable_correlation_time(readout, sample_interval: float) -> float:
    """Integrated autocorrelation time of the read-out bit (readout > 0) [s].

    Parameters
    ----------
    readout : array_like
        Read-out samples at a fixed interval [V].
    sample_interval : float
        Time between samples [s].
    """
    from noisecircuits.analysis.autocorrelation import integrated_autocorrelation_time

    bits = (np.asarray(readout).ravel() > 0).astype(float)
    return float(integrated_autocorrelation_time(bits) * sample_interval)


def _join(*notes) -> str:
    return "; ".join(n for n in notes if n)


def _shrunk_stderr(p: float, n: float) -> float:
    """sqrt(p~(1 - p~)/n) with p~ = (p n + 1/2)/(n + 1): never zero, even for p = 0 or 1 [-]."""
    shrunk = (p * n + 0.5) / (n + 1.0)
    return math.sqrt(shrunk * (1.0 - shrunk) / n)


def honest_binary_point(row: dict, minimum: int = MIN_SWITCHES) -> dict:
    """Flag a p-bit point with fewer than ``minimum`` switching events and widen its standard error.

    Such a trace holds about ``max(1, n_switches / 2)`` independent samples (one per round
    trip), whatever its length. The point's ``n_effective`` becomes at most that count and
    ``p_one_stderr`` at least :math:`\\sqrt{\\tilde p (1 - \\tilde p) / n}` with
    :math:`\\tilde p = (p n + 1/2) / (n + 1)` (so a parked point at P = 0 or 1 still gets a
    standard error of order one, never zero). ``low_switching`` and ``note`` are set.

    Parameters
    ----------
    row : dict
        A point with ``p_one``, ``p_one_stderr``, ``n_effective`` and ``n_switches`` [-].
    minimum : int
        Fewest switching events for the trace's own standard error [-].

    Returns
    -------
    dict
        A new row with ``low_switching`` (bool) and ``note`` (str) added.
    """
    row = dict(row)
    note = row.get("note", "") or ""
    switches = row.get("n_switches")
    low = switches is not None and math.isfinite(float(switches)) and switches < minimum
    if low:
        n = max(1.0, float(switches) / 2.0)
        floor = _shrunk_stderr(float(row["p_one"]), n)
        stderr = float(row["p_one_stderr"])
        row["p_one_stderr"] = max(stderr, floor) if math.isfinite(stderr) else floor
        n_eff = float(row.get("n_effective", n))
        row["n_effective"] = min(n_eff, n) if math.isfinite(n_eff) else n
        note = _join(note, f"only {int(switches)} switching events (< {minimum}): p_one_stderr from the switch count")
    tau = row.get("correlation_time_s")
    if tau is not None and not math.isfinite(float(tau)):
        note = _join(note, "correlation_time_s and energy_per_sample_J not measurable: too few complete dwells "
                     "in each state (simulate longer)")
    row["low_switching"] = bool(low)
    row["note"] = note
    return row


def _sde_point(model: PBit, duration, seed, dt) -> dict:
    from noisecircuits.analysis.stats import trace_stats
    from noisecircuits.sde.simulate import simulate

    step = model.timescale / 20.0 if dt is None else dt
    note = ""
    if duration is None:
        duration, note = auto_duration(model, dt=step)
    record_every = max(1, int(round(model.timescale / step)))  # one sample per fastest relaxation time
    trace = simulate(model, duration, dt=step, seed=seed, record_every=record_every)
    stats = trace_stats(trace)
    values = trace.values  # the samples trace_stats reads, start state included
    readout = model.readout(values)
    power = model.supply_power(values)
    row = {
        "p_one": stats["p_one"],
        "p_one_stderr": stats["p_one_stderr"],
        "n_samples": int(readout.size),
        "n_ones": int(np.count_nonzero(readout > 0)),
        "n_effective": stats["n_effective"],
        "correlation_time_s": stats["correlation_time_s"],
        "correlation_time_stderr_s": stats["correlation_time_stderr_s"],
        "supply_power_W": power,
        "n_switches": int(stats["n_switches"]),
        "duration_s": float(duration),
        "note": note,
    }
    return finish_binary_point(row, model.bistable, readout, trace.sample_interval, trace.paths * trace.duration)


def finish_binary_point(row: dict, bistable: bool, readout, sample_interval: float, total_time: float) -> dict:
    """Complete a simulated p-bit point: monostable correlation time, honest errors, energy per sample.

    Parameters
    ----------
    row : dict
        ``p_one``, ``p_one_stderr``, ``n_effective``, ``correlation_time_s``, ``n_switches``,
        ``supply_power_W`` and optionally ``note`` [-].
    bistable : bool
        Whether the point's latch has two stable states [-].
    readout : array_like
        The read-out samples [V].
    sample_interval : float
        Time between read-out samples [s].
    total_time : float
        Simulated time of all paths together [s].
    """
    row = dict(row)
    if bistable:
        row = honest_binary_point(row)
    else:
        tau = monostable_correlation_time(readout, sample_interval)
        n = min(float(np.asarray(readout).size), total_time / (2.0 * tau))
        row["correlation_time_s"] = tau
        row["correlation_time_stderr_s"] = math.nan  # no switching process: no dwell-based error
        row["n_effective"] = n
        # a trace that never left its state still has an uncertain P(1): at least that of n independent samples
        row["p_one_stderr"] = max(float(row["p_one_stderr"]), _shrunk_stderr(float(row["p_one"]), n))
        row["low_switching"] = False
        row["note"] = _join(row.get("note", ""), "monostable at this bias and temperature (one stable state): "
                            "correlation_time_s is the read-out's integrated autocorrelation time")
    row["energy_per_sample_J"] = energy_per_sample(row["supply_power_W"], row["correlation_time_s"])
    return row


def _exact_point(model: PBit) -> dict:
    tau = model.correlation_time_exact() if model.bistable else float("nan")
    power = model.supply_power()
    return {
        "p_one": model.p_one_exact(),
        "p_one_stderr": 0.0,
        "n_samples": math.nan,
        "n_ones": math.nan,
        "n_effective": math.nan,
        "correlation_time_s": tau,
        "correlation_time_stderr_s": 0.0 if model.bistable else math.nan,  # exact
        "supply_power_W": power,
        "energy_per_sample_J": energy_per_sample(power, tau),
        "n_switches": math.nan,
        "duration_s": math.nan,
        "low_switching": False,
        "note": "" if model.bistable else "monostable at this bias and temperature: no correlation time",
    }


def pbit_transfer_curve(design=None, temperatures=(300.0,), biases=(), duration=None, seed=0,
                        engine: str = "sde", *, dt=None, grid_points: int | None = None):
    """P(1), correlation time and energy of the p-bit on a temperature × bias grid.

    Parameters
    ----------
    design : PBitDesign, optional
        The circuit; default :meth:`PBitDesign.default` [-].
    temperatures : sequence of float
        Temperatures, each in [200, 450] [K].
    biases : sequence of float
        Bias voltages of MNbias, each in [-0.2, 0.6] [V].
    duration : float or None
        Simulated time per point (engine ``"sde"``); ``None`` follows each point's exact
        correlation time (:func:`auto_duration`) [s].
    seed : int or SeedSequence
        Root seed; point ``i`` uses ``SeedSequence(seed).spawn(n)[i]`` [-].
    engine : {"sde", "exact"}
        Euler–Maruyama simulation or the Fokker–Planck solution [-].
    dt : float, optional
        Integration step (engine ``"sde"``); default the model's timescale / 20 [s].
    grid_points : int, optional
        Fokker–Planck grid points per axis (engine ``"exact"``); default that of :class:`PBit` [-].

    Returns
    -------
    pandas.DataFrame
        One row per (temperature, bias), temperature-major, columns :data:`COLUMNS`
        (``seed`` holds the root seed as an int, or -1 when a SeedSequence was given).
    """
    import pandas as pd

    design = PBitDesign.default() if design is None else design
    if engine not in _ENGINES:
        raise ParameterError(f"engine must be one of {_ENGINES}, got {engine!r}")
    temperatures = [float(t) for t in np.atleast_1d(np.asarray(temperatures, dtype=float))]
    biases = [float(v) for v in np.atleast_1d(np.asarray(biases, dtype=float))]
    if not temperatures or not biases:
        raise ParameterError("temperatures and biases must each hold at least one value")
    if engine == "sde" and duration is not None:
        duration = _validate.positive("duration", duration, "s")
    options = {} if grid_points is None else {"grid_points": grid_points}
    points = [(t, v) for t in temperatures for v in biases]
    seeds = point_seeds(seed, len(points))
    seed_column = int(seed) if isinstance(seed, (int, np.integer)) else -1

    def row(point, child):
        temperature, v_bias = point
        model = PBit(design, v_bias, temperature, **options)
        result = _sde_point(model, duration, child, dt) if engine == "sde" else _exact_point(model)
        return {"temperature_K": temperature, "v_bias_V": v_bias, **result, "seed": seed_column}

    return pd.DataFrame(_map_points(row, points, seeds, parallel=engine == "sde"), columns=list(COLUMNS))


def _map_points(function, points, seeds, parallel: bool) -> list:
    """``[function(point, seed) ...]`` in order; on ``numba.get_num_threads()`` threads if ``parallel``."""
    import numba

    workers = min(len(points), numba.get_num_threads()) if parallel else 1
    if workers <= 1:
        return [function(p, s) for p, s in zip(points, seeds)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, points, seeds))
