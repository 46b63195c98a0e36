"""``trace_stats``: the summary statistics of a simulated trace, by its declared read-out.

The read-out the model declared (``trace.readout``, :mod:`noisecircuits.sde.readouts`)
decides what is computed:

* :class:`~noisecircuits.sde.readouts.BinaryReadout` with labels ``(low, high)`` (``("left",
  "right")`` for the double well, ``("zero", "one")`` for the p-bit): ``p_<high>`` (fraction of
  samples with read-out > 0), the mean dwells ``mean_dwell_<low>_s`` and ``mean_dwell_<high>_s``
  between the two wells (counted at every step by the kernel when ``trace.dwell_tally`` is
  present, else read from the stored samples, :mod:`noisecircuits.analysis.dwell`), each with
  its standard error, ``correlation_time_s`` = :math:`1/(1/T_\text{low} + 1/T_\text{high})`,
  ``n_switches``, ``n_effective`` = :math:`T_\text{total}/(2\tau_c)` (max(1, switches/2) when
  tau_c cannot be measured) and ``path_steps``.
* :class:`~noisecircuits.sde.readouts.CategoricalReadout`: occupations of the ``n_states``
  states; the correlation time is the largest integrated autocorrelation time of the state
  indicators.
* :class:`~noisecircuits.sde.readouts.MixtureReadout`: weight of mode 1 and mean/std of the
  output in each mode.

Standard errors of occupations use the integrated autocorrelation time (Sokal 1997).

Every ``correlation_time_s`` comes with ``correlation_time_stderr_s``:

* binary kinds: the delta method on :math:`\\tau_c = T_l T_h/(T_l + T_h)`,
  :math:`\\sigma_\\tau^2 = (T_h/(T_l+T_h))^4 \\sigma_{T_l}^2 + (T_l/(T_l+T_h))^4 \\sigma_{T_h}^2`,
  with the standard errors of the mean dwells from the spread of the completed dwells
  (dwells of a Markov switching process are independent, so the number of independent
  blocks is the number of completed dwells);
* integrated autocorrelation times: Sokal's asymptotic variance
  :math:`\\sigma_\\tau^2 \\approx 2(2M+1)\\tau^2/N` with the window :math:`M \\approx c\\,\\tau`
  (c = 5) and N the number of samples; conservative: on an AR(1) series (tau = 9.5 samples)
  it is 1.4 times the spread of 100 seeded estimates (tests/analysis/test_stats_correlation_stderr.py).
"""

from __future__ import annotations

import math

import numpy as np

from noisecircuits.analysis.autocorrelation import SOKAL_WINDOW, integrated_autocorrelation_time
from noisecircuits.analysis.bias import fraction_high
from noisecircuits.analysis.dwell import DwellSummary, dwell_times
from noisecircuits.analysis.occupation import occupation, state_occupations
from noisecircuits.errors import DataError
from noisecircuits.sde.readouts import BinaryReadout, CategoricalReadout, MixtureReadout

__all__ = ["trace_stats", "binary_effective_samples", "correlation_time_stderr", "integrated_time_stderr"]


def correlation_time_stderr(t_low: float, t_low_err: float, t_high: float, t_high_err: float) -> float:
    """Standard error of :math:`\\tau_c = T_l T_h/(T_l + T_h)` by the delta method [s].

    Parameters
    ----------
    t_low, t_high : float
        Mean low and high dwell times [s].
    t_low_err, t_high_err : float
        Their standard errors [s].

    Returns
    -------
    float
        NaN when a mean or its error is not available (fewer than two dwells of a kind).
    """
    total = t_low + t_high
    if not (math.isfinite(total) and total > 0 and math.isfinite(t_low_err) and math.isfinite(t_high_err)):
        return float("nan")
    return float(math.hypot((t_high / total) ** 2 * t_low_err, (t_low / total) ** 2 * t_high_err))


def integrated_time_stderr(tau: float, n_samples: int, window: float = SOKAL_WINDOW) -> float:
    """Sokal's asymptotic standard error of an integrated autocorrelation time ``tau`` [samples].

    :math:`\\sigma_\\tau = \\tau\\sqrt{2(2M+1)/N}` with the window :math:`M = c\\,\\tau`.

    Parameters
    ----------
    tau : float
        Integrated autocorrelation time [samples].
    n_samples : int
        Samples it was estimated from, all paths [-].
    window : float
        Sokal's window constant c [-].
    """
    if n_samples < 1 or not math.isfinite(tau):
        return float("nan")
    return float(tau * math.sqrt(2.0 * (2.0 * window * tau + 1.0) / n_samples))


def _binary(trace) -> dict:
    readout = trace.readout
    low_name, high_name = readout.labels
    x = readout(trace.values)
    p, p_err = fraction_high(x, 0.0)
    tally = getattr(trace, "dwell_tally", None)
    if tally is not None and (tally.low, tally.high) == (readout.low, readout.high):
        dwell = DwellSummary.from_tally(tally)
    else:
        dwell = dwell_times(x, readout.low, readout.high, trace.sample_interval).summary()
    (t_low, t_low_err), (t_high, t_high_err) = dwell.mean_low, dwell.mean_high
    tau_c = dwell.correlation_time
    return {
        f"p_{high_name}": p,
        f"p_{high_name}_stderr": p_err,
        "correlation_time_s": tau_c,
        "correlation_time_stderr_s": correlation_time_stderr(t_low, t_low_err, t_high, t_high_err),
        f"mean_dwell_{low_name}_s": t_low,
        f"mean_dwell_{high_name}_s": t_high,
        f"mean_dwell_{low_name}_stderr_s": t_low_err,
        f"mean_dwell_{high_name}_stderr_s": t_high_err,
        "n_switches": dwell.n_switches,
        "n_effective": binary_effective_samples(trace.paths * trace.duration, tau_c, dwell.n_switches),
        "path_steps": int(trace.path_steps),
    }


def binary_effective_samples(total_time: float, tau_c: float, n_switches: int) -> float:
    """Independent samples T/(2 tau_c) in a p-bit trace of total time ``total_time`` [s].

    When the trace holds too few complete dwells to measure tau_c [s] (a cell parked near
    P = 0 or 1), fall back to the conservative max(1, n_switches / 2): at least one sample,
    and no more than one per completed round trip.
    """
    if math.isfinite(tau_c) and tau_c > 0:
        return total_time / (2.0 * tau_c)
    return max(1.0, n_switches / 2.0)


def _categorical(trace) -> dict:
    readout = trace.readout
    states = readout(trace.values)
    occupations, stderr = state_occupations(states, readout.n_states)
    taus = [integrated_autocorrelation_time(states == k) for k in range(readout.n_states) if np.any(states == k)]
    tau = max(taus) if taus else 0.5
    return {
        "occupations": occupations.tolist(),
        "occupations_stderr": stderr.tolist(),
        "correlation_time_s": tau * trace.sample_interval,
        "correlation_time_stderr_s": integrated_time_stderr(tau, states.size) * trace.sample_interval,
        "n_effective": states.size / (2.0 * tau),
        "path_steps": int(trace.path_steps),
    }


def _continuous(trace) -> dict:
    readout = trace.readout
    v = readout(trace.values)
    mode = np.asarray(readout.mode(trace.values))
    weight, weight_err = occupation(mode == 1)
    tau = integrated_autocorrelation_time(mode == 1)
    means, stds = [], []
    for k in (0, 1):
        selected = v[mode == k]
        means.append(float(selected.mean()) if selected.size else float("nan"))
        stds.append(float(selected.std(ddof=1)) if selected.size > 1 else float("nan"))
    return {
        "weight_one": weight,
        "weight_one_stderr": weight_err,
        "mean_V": means,
        "std_V": stds,
        "correlation_time_s": tau * trace.sample_interval,
        "correlation_time_stderr_s": integrated_time_stderr(tau, mode.size) * trace.sample_interval,
        "path_steps": int(trace.path_steps),
    }


_BY_READOUT = ((BinaryReadout, _binary), (CategoricalReadout, _categorical), (MixtureReadout, _continuous))


def trace_stats(trace) -> dict:
    """Summary statistics of ``trace`` according to the read-out its model declared.

    Parameters
    ----------
    trace : noisecircuits.Trace
        Output of :func:`noisecircuits.simulate`.

    Returns
    -------
    dict
        The keys listed in docs/architecture.md for the read-out; times in [s],
        occupations [-]; NaN where a quantity was not observed (e.g. no complete dwell).
    """
    for kind, summary in _BY_READOUT:
        if isinstance(trace.readout, kind):
            return summary(trace)
    raise DataError("trace_stats needs a trace of a model that declares a read-out (readout_spec() returning a "
                    f"BinaryReadout, CategoricalReadout or MixtureReadout); got {type(trace.readout).__name__}")
