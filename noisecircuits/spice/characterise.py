r"""Transient-noise sweeps of a user's netlist in ngspice, reduced like the p-bit engine's runs.

One run per (temperature, bias): the checked circuit
(:func:`noisecircuits.spice.user_netlist.characterisation_deck`) with the control at the bias,
written every ``sample_step`` (default half the netlist's shortest noise step, as the p-bit
engine, :data:`noisecircuits.spice.pbit.SAMPLES_PER_NOISE_STEP`). The read-out is V(output) −
V(reference) − threshold; state 1 is a positive read-out. The two well values of the dwell
hysteresis are the means of the read-out on each side of the threshold, pooled over the biases
of one temperature (two-cluster means), and the threshold, unless given, is their midpoint. Each
run is then reduced by :func:`noisecircuits.spice.pbit.readout_statistics` (P(1) with an
autocorrelation-aware standard error, τ_c from the dwell times with its delta-method error), and
points with too few switches get the honest error of
:func:`noisecircuits.circuits.transfer.honest_binary_point`.
"""

from __future__ import annotations

import math

import numpy as np

from noisecircuits.errors import ParameterError, SimulationError

__all__ = ["sweep_user_netlist", "run_plan", "two_cluster_wells", "SECONDS_PER_STEP"]

#: ngspice time per internal step of a small noisy netlist, for up-front estimates (measured on
#: the shipped p-bit deck, 6 BSIM4 devices with shot noise: 0.35-0.7 ms per step on a loaded shared
#: 2-core machine; the hand-written comparator of the tests: 0.05 ms) [s]
SECONDS_PER_STEP = 1e-3
#: Lloyd iterations of the two-cluster well estimate
_CLUSTER_ITERATIONS = 20


def run_plan(netlist, *, sample_step=None, duration=None):
    """Output step, maximum step and duration of the runs [s].

    Parameters
    ----------
    netlist : UserNetlist
        The checked circuit [-].
    sample_step : float, optional
        Output step; default half the shortest numeric noise step [s].
    duration : float, optional
        Simulated time of each run; default 20 000 output steps [s].

    Returns
    -------
    (float, float, float)
        sample step, maximum step, duration [s].
    """
    from noisecircuits.spice.pbit import MAX_STEP_PER_NOISE_STEP, SAMPLES_PER_NOISE_STEP

    if sample_step is None:
        if not netlist.noise_steps:
            raise ParameterError(f"{netlist.origin}: its noise sources' time steps are not plain numbers; "
                                 "give --sample-step")
        sample_step = min(netlist.noise_steps) / SAMPLES_PER_NOISE_STEP
    sample_step = float(sample_step)
    noise_step = min(netlist.noise_steps) if netlist.noise_steps else 2.0 * sample_step
    # just below the output step (ngspice 39 stops interpolating when the output step is below the maximum step)
    max_step = min(noise_step * MAX_STEP_PER_NOISE_STEP, sample_step * 0.998)
    duration = 20_000 * sample_step if duration is None else float(duration)
    if duration < 100 * sample_step:
        raise ParameterError(f"--duration must be at least 100 output steps ({100 * sample_step:.3g} s), "
                             f"got {duration:.3g} s")
    return sample_step, max_step, duration


def two_cluster_wells(values, threshold=None):
    """Low and high read-out levels and the threshold between them.

    The levels are the means of the samples below and above the threshold; with no threshold
    given it is their midpoint, iterated from the samples' midrange (Lloyd's two-means in one
    dimension).

    Parameters
    ----------
    values : ndarray
        Pooled read-out samples [V].
    threshold : float, optional
        Fixed threshold [V].

    Returns
    -------
    (float, float, float) or None
        low, high, threshold [V]; None when all samples lie on one side.
    """
    values = np.asarray(values, dtype=float)
    t = 0.5 * (values.min() + values.max()) if threshold is None else float(threshold)
    for _ in range(_CLUSTER_ITERATIONS):
        low, high = values[values <= t], values[values > t]
        if low.size == 0 or high.size == 0:
            return None
        lo, hi = float(low.mean()), float(high.mean())
        if threshold is not None:
            return lo, hi, t
        new = 0.5 * (lo + hi)
        if new == t:
            break
        t = new
    return lo, hi, t


def _reduce(readout, sample_interval, levels, threshold, duration):
    from noisecircuits.analysis.stats import binary_effective_samples
    from noisecircuits.circuits.transfer import honest_binary_point
    from noisecircuits.spice.pbit import readout_statistics

    if levels is None:
        wells, shifted = None, readout - threshold
    else:
        low, high, threshold = levels
        wells, shifted = (low - threshold, high - threshold), readout - threshold
    p, p_se, tau, tau_se, n_sw = readout_statistics(shifted, sample_interval, wells)
    n = int(readout.size)
    n_eff = min(float(n), binary_effective_samples(duration, tau, n_sw))
    row = {"p_one": p, "p_one_stderr": p_se, "n_samples": n, "n_ones": int(np.count_nonzero(shifted > 0)),
           "n_effective": n_eff, "correlation_time_s": tau, "correlation_time_stderr_s": tau_se,
           "n_switches": int(n_sw), "duration_s": float(duration)}
    row = honest_binary_point(row)
    row["threshold_V"] = float(threshold)
    return row


def sweep_user_netlist(netlist, *, control: str, output: str, reference=None, temperatures, biases, seed=0,
                       sample_step=None, duration=None, threshold=None, uic: bool = False, workers: int = 1,
                       timeout: float = 600.0, on_done=None, keep=None):
    """Run the netlist at every (temperature, bias) and reduce each run.

    Parameters
    ----------
    netlist : UserNetlist
        The checked circuit (:func:`noisecircuits.spice.user_netlist.read_user_netlist`) [-].
    control : str
        Voltage source or node whose voltage is swept [-].
    output : str
        Output node [-].
    reference : str, optional
        Node the output is read against; default ground [-].
    temperatures : sequence of float
        [K].
    biases : sequence of float
        Control voltages [V].
    seed : int, SeedSequence or Generator
        One ngspice seed per run is spawned from it [-].
    sample_step, duration : float, optional
        See :func:`run_plan` [s].
    threshold : float, optional
        Read-out threshold of state 1; default from the two-cluster levels [V].
    uic : bool
        Start every run from the netlist's ``.ic`` values without an operating point [-].
    workers : int
        Concurrent ngspice processes [-].
    timeout : float
        Wall-clock limit of each run [s].
    on_done : callable, optional
        Called after each run [-].
    keep : path-like, optional
        Keep each run's files in ``keep/<name>/`` [-].

    Returns
    -------
    pandas.DataFrame
        One row per point: ``temperature_K``, ``v_bias_V``, ``p_one``, ``p_one_stderr``,
        ``n_samples``, ``n_ones``, ``n_effective``, ``correlation_time_s``,
        ``correlation_time_stderr_s``, ``n_switches``, ``duration_s``, ``threshold_V``,
        ``low_switching``, ``note``, ``seed``.
    """
    import pandas as pd

    from noisecircuits.spice.pbit import uniform_samples
    from noisecircuits.spice.runner import run_netlists
    from noisecircuits.spice.seeds import spice_seeds
    from noisecircuits.spice.user_netlist import characterisation_deck

    temperatures = [float(t) for t in temperatures]
    biases = [float(b) for b in biases]
    if not temperatures or not biases:
        raise ParameterError("give at least one temperature and one bias")
    if len(set(biases)) < len(biases):
        raise ParameterError("--biases must be distinct")
    step, max_step, duration = run_plan(netlist, sample_step=sample_step, duration=duration)
    points = [(t, b) for t in temperatures for b in biases]
    seeds = spice_seeds(seed, len(points))
    columns = ["v_out_V"] + ([] if reference is None else ["v_ref_V"])
    jobs = [(f"point{i}", characterisation_deck(netlist, control=control, output=output, reference=reference,
                                                bias=b, temperature=t, seed=s, sample_step=step, max_step=max_step,
                                                duration=duration, uic=uic), columns)
            for i, ((t, b), s) in enumerate(zip(points, seeds))]
    runs = run_netlists(jobs, workers=workers, timeout=timeout, keep=keep, on_done=on_done)
    readouts = []
    for run in runs:
        frame = run.data[run.data["x"].to_numpy() > 0]
        uniform_samples(frame["x"].to_numpy(), step)
        values = frame["v_out_V"].to_numpy()
        if reference is not None:
            values = values - frame["v_ref_V"].to_numpy()
        if values.size < 2 or not np.isfinite(values).all():
            raise SimulationError(f"ngspice run {run.name} of {netlist.origin} wrote no usable read-out")
        readouts.append(values)
    rows = []
    for t in temperatures:
        index = [i for i, (tt, _) in enumerate(points) if tt == t]
        pooled = np.concatenate([readouts[i] for i in index])
        levels = two_cluster_wells(pooled, threshold)
        cut = threshold if threshold is not None else 0.5 * (pooled.min() + pooled.max())
        for i in index:
            row = _reduce(readouts[i], step, levels, cut, duration)
            if levels is None:
                row["note"] = "; ".join(x for x in (row["note"], "the read-out never crossed the threshold") if x)
            rows.append({"temperature_K": t, "v_bias_V": points[i][1], **row, "seed": seeds[i]})
    frame = pd.DataFrame(rows)
    if not math.isfinite(float(frame["p_one"].iloc[0])):
        raise SimulationError(f"{netlist.origin}: no P(1) could be measured")
    return frame
