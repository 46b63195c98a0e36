"""Point kinds of the reference sampler circuits (``pbit``, ``categorical``, ``continuous``),
engine ``sde`` (and ``spice`` for ``pbit``).

Each point builds the circuit model at the point's bias and temperature, simulates it with
:func:`noisecircuits.simulate` (one path, noise seeded by the point seed), and reduces the
trace with :func:`noisecircuits.trace_stats`. With a mismatch instance, every transistor of
the design gets a Pelgrom threshold shift (:func:`~noisecircuits.sweeps.mismatch.perturb_thresholds`)
drawn from the instance seed; the shifts are reported as ``delta_vth_<device>_V`` columns.
The supply power is V_dd times the mean supply current along the simulated trace, and the
energy per independent sample is supply power × 2 τ_c (docs/architecture.md).

The ``pbit`` kind without a sweep ``duration`` (engine ``sde``) simulates each point for a time
that follows its exact correlation time (:func:`noisecircuits.circuits.transfer.auto_duration`),
and every p-bit point with fewer than :data:`~noisecircuits.circuits.transfer.MIN_SWITCHES`
switching events reports an honest standard error and says so (``low_switching``, ``note``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from noisecircuits.errors import ParameterError
from noisecircuits.physics.sampling import energy_per_sample
from noisecircuits.sweeps.mismatch import perturb_thresholds
from noisecircuits.sweeps.registry import register_kind

__all__ = ["pbit_point", "categorical_point", "continuous_point", "RECORD_EVERY", "STEPS_PER_SECOND",
           "estimate_seconds"]

#: integration steps per stored sample [-]
RECORD_EVERY = 20
#: Conservative integration throughput of one worker, for up-front time estimates [steps/s]
STEPS_PER_SECOND = 2e6
#: Telegraph dwell times drawn per second by one worker, for up-front time estimates [1/s]
DWELLS_PER_SECOND = 1e7
#: Fixed cost of one point (model set-up, statistics, checkpoint) [s]
POINT_OVERHEAD_S = 0.05


def _design(design_class, params, extra=()):
    options = {k: v for k, v in (params.get("options") or {}).items() if k not in extra}
    document = options.pop("design", None)
    if document is not None:  # a design file's circuit (noisecircuits design pbit), p-bit only
        from noisecircuits.circuits.pbit import PBitDesign
        from noisecircuits.design.document import design_from_document

        if design_class is not PBitDesign or options:
            raise ParameterError("a design file applies to the pbit kind alone, without other design options")
    allowed = {f.name for f in dataclasses.fields(design_class)}
    unknown = set(options) - allowed
    if unknown:
        raise ParameterError(f"unknown design option(s) {sorted(unknown)}; allowed: {', '.join(sorted(allowed))}")
    if document is not None:
        design = design_from_document(document)
    else:
        design = design_class.default() if not options else design_class(**options)
    shifts = {}
    if params.get("mismatch_seed") is not None:
        design, applied = perturb_thresholds(design, np.random.default_rng(params["mismatch_seed"]))
        shifts = {f"delta_vth_{name.replace('.', '_')}_V": value for name, value in applied.items()}
    return design, shifts


def _require_sde(params, kind):
    if params["engine"] != "sde":
        raise ParameterError(
            f"engine {params['engine']} is not available for the {kind} kind (only the pbit kind runs in ngspice); "
            "use --engine sde"
        )


def pbit_point(params: dict, seed: np.random.SeedSequence) -> dict:
    """Point function of the ``pbit`` kind: the cross-coupled-inverter p-bit.

    Engine ``sde``: the toolkit's SDE model. Engine ``spice``: the same netlist in ngspice
    with the generic BSIM4 card's capacitance-free variant and seeded shot-noise sources
    (:func:`noisecircuits.spice.pbit.simulate_pbit_spice`; a design file's latch threshold
    shift is applied as BSIM4 ``delvto``); its supply power is the EKV model's supply current
    at the ngspice node voltages.

    Returns
    -------
    dict
        ``p_one``, ``p_one_stderr``, ``n_samples``, ``n_ones``, ``n_effective``,
        ``correlation_time_s``, ``n_switches``, ``supply_power_W``, ``energy_per_sample_J``,
        plus ``delta_vth_*_V`` with mismatch.
    """
    from noisecircuits.circuits.pbit import PBitDesign

    from noisecircuits.circuits.transfer import honest_binary_point

    design, shifts = _design(PBitDesign, params)
    if params["engine"] == "spice":
        row = honest_binary_point(_pbit_spice_row(design, params, seed))
        row["energy_per_sample_J"] = energy_per_sample(row["supply_power_W"], row["correlation_time_s"])
    else:
        row = _pbit_sde_row(design, params, seed)
    return {**row, **shifts}


def _pbit_sde_row(design, params, seed) -> dict:
    from noisecircuits.analysis.stats import trace_stats
    from noisecircuits.circuits.pbit import PBit
    from noisecircuits.circuits.transfer import auto_duration, finish_binary_point
    from noisecircuits.sde.simulate import simulate

    model = PBit(design, v_bias=params["v_bias_V"], temperature=params["temperature_K"])
    duration, note = params["duration_s"], ""
    if duration is None:
        duration, note = auto_duration(model)
    # one stored sample per 20 steps (one fastest relaxation time): far below τ_c, and cheap to reduce
    trace = simulate(model, duration, paths=1, seed=seed, record_every=RECORD_EVERY)
    stats = trace_stats(trace)
    readout = model.readout(trace.values)
    row = {
        "p_one": float(stats["p_one"]),
        "p_one_stderr": float(stats["p_one_stderr"]),
        "n_samples": int(readout.size),
        "n_ones": int(np.count_nonzero(readout > 0)),
        "n_effective": float(stats["n_effective"]),
        "correlation_time_s": float(stats["correlation_time_s"]),
        "correlation_time_stderr_s": float(stats["correlation_time_stderr_s"]),
        "n_switches": int(stats["n_switches"]),
        "supply_power_W": model.supply_power(trace.values),
        "duration_s": float(duration),
        "note": note,
    }
    return finish_binary_point(row, model.bistable, readout, trace.sample_interval, trace.paths * trace.duration)


def _pbit_spice_row(design, params, seed) -> dict:
    from noisecircuits.analysis.stats import binary_effective_samples
    from noisecircuits.spice.pbit import simulate_pbit_spice

    duration = params["duration_s"] if params["duration_s"] is not None else PBIT_DEFAULT_DURATION
    document = (params.get("options") or {}).get("design")
    # a design file's latch threshold shift reaches the deck as BSIM4 delvto on the latch devices
    shift = float(document["geometry"].get("threshold_shift_V", 0.0)) if document is not None else 0.0
    run = simulate_pbit_spice(design, params["v_bias_V"], params["temperature_K"], duration=duration, seed=seed,
                              threshold_shift=shift)
    tau = float(run["correlation_time_s"])
    return {
        "p_one": run["p_one"],
        "p_one_stderr": run["p_one_stderr"],
        "n_samples": run["n_samples"],
        "n_ones": run["n_ones"],
        "n_effective": binary_effective_samples(duration, tau, run["n_switches"]),
        "correlation_time_s": tau,
        "n_switches": run["n_switches"],
        "supply_power_W": run["supply_power_W"],
        "duration_s": float(duration),
    }


#: Simulated time of a p-bit point when no rule applies (engine spice, or as the shortest auto duration) [s]
PBIT_DEFAULT_DURATION = 1e-3


def estimate_seconds(spec) -> float:
    """Order-of-magnitude wall time of a whole sweep on one worker [s].

    Circuit kinds: integration steps (duration over the model's default step, timescale / 20,
    at the fastest corner: the highest temperature) over :data:`STEPS_PER_SECOND`. The pbit
    kind with its automatic duration is sized at :data:`MAX_AUTO_STEPS` for a tenth of its
    points (the slow corners) and at the shortest duration elsewhere. Telegraph: dwell times
    (duration × the larger rate) over :data:`DWELLS_PER_SECOND`.
    """
    from noisecircuits.sweeps.registry import get_kind

    n = len(spec)
    t_hot = max(spec.temperatures)
    options = dict(spec.options)
    if spec.kind == "telegraph":
        from noisecircuits.circuits.telegraph import TelegraphPBit

        try:
            design = TelegraphPBit(**options)
        except TypeError:
            return n * POINT_OVERHEAD_S  # unknown options: the point function names them
        duration = spec.duration if spec.duration is not None else get_kind("telegraph").default_duration
        per_point = 0.0
        for v in spec.v_biases:
            for t in spec.temperatures:
                try:
                    rate = max(design.rates(v, t))
                except OverflowError:
                    return math.inf
                per_point = max(per_point, duration * rate / DWELLS_PER_SECOND)
        return n * (POINT_OVERHEAD_S + per_point)
    if spec.kind not in ("pbit", "categorical", "continuous"):
        return n * POINT_OVERHEAD_S
    v_mid = spec.v_biases[len(spec.v_biases) // 2]
    if spec.kind == "pbit":
        from noisecircuits.circuits.pbit import PBit
        from noisecircuits.circuits.transfer import MAX_AUTO_STEPS

        model = PBit(None, v_bias=v_mid, temperature=t_hot)
        step_seconds = 1.0 / STEPS_PER_SECOND
        if spec.engine == "spice":
            duration = spec.duration if spec.duration is not None else PBIT_DEFAULT_DURATION
            return n * (POINT_OVERHEAD_S + 10.0 * duration / (model.timescale / 20.0) * step_seconds)
        if spec.duration is None:
            short = PBIT_DEFAULT_DURATION / (model.timescale / 20.0) * step_seconds
            return n * (POINT_OVERHEAD_S + 0.9 * short + 0.1 * MAX_AUTO_STEPS * step_seconds)
        return n * (POINT_OVERHEAD_S + spec.duration / (model.timescale / 20.0) * step_seconds)
    if spec.kind == "categorical":
        from noisecircuits.circuits.categorical import CategoricalCell, CategoricalDesign

        design = CategoricalDesign.default()
        model = CategoricalCell(design, v_controls=[v_mid] + [design.v_nominal] * (design.n_states - 1),
                                temperature=t_hot)
    else:
        from noisecircuits.circuits.continuous import ContinuousCell

        model = ContinuousCell(None, v_bias=v_mid, temperature=t_hot)
    duration = spec.duration if spec.duration is not None else get_kind(spec.kind).default_duration
    return n * (POINT_OVERHEAD_S + duration / (model.timescale / 20.0) / STEPS_PER_SECOND)


register_kind(
    "pbit",
    pbit_point,
    engines=("sde", "spice"),
    default_duration=PBIT_DEFAULT_DURATION,
    auto_duration=True,
    description="cross-coupled-inverter p-bit (noisecircuits.circuits.pbit), SDE or ngspice engine",
)



def categorical_point(params: dict, seed: np.random.SeedSequence) -> dict:
    """Point function of the ``categorical`` kind: the N-state winner-take-all cell, engine ``sde``.

    The sweep's bias is the control voltage of state 0; the other states sit at the design's
    ``v_nominal`` (a lower control voltage makes a state more likely).

    Returns
    -------
    dict
        ``occupations`` and ``occupations_stderr`` (one column per state, ``occupations_<k>``),
        ``n_samples``, ``n_effective``, ``correlation_time_s``, ``supply_power_W``,
        ``energy_per_sample_J``, plus ``delta_vth_*_V`` with mismatch.
    """
    _require_sde(params, "categorical")
    from noisecircuits.analysis.stats import trace_stats
    from noisecircuits.circuits.categorical import CategoricalCell, CategoricalDesign
    from noisecircuits.sde.simulate import simulate

    design, shifts = _design(CategoricalDesign, params)
    controls = [params["v_bias_V"]] + [design.v_nominal] * (design.n_states - 1)
    model = CategoricalCell(design, v_controls=controls, temperature=params["temperature_K"])
    trace = simulate(model, params["duration_s"], paths=1, seed=seed, record_every=RECORD_EVERY)
    stats = trace_stats(trace)
    power = model.supply_power(trace)
    tau = float(stats["correlation_time_s"])
    return {
        "occupations": [float(p) for p in stats["occupations"]],
        "occupations_stderr": [float(s) for s in stats["occupations_stderr"]],
        "n_samples": int(trace.values.shape[0] * trace.values.shape[1]),
        "n_effective": float(stats["n_effective"]),
        "correlation_time_s": tau,
        "supply_power_W": power,
        "energy_per_sample_J": energy_per_sample(power, tau),
        **shifts,
    }


register_kind(
    "categorical",
    categorical_point,
    engines=("sde",),
    default_duration=2e-4,
    description="N-state winner-take-all cell (noisecircuits.circuits.categorical); bias = control of state 0",
)


def continuous_point(params: dict, seed: np.random.SeedSequence) -> dict:
    """Point function of the ``continuous`` kind: the Gaussian-mixture cell, engine ``sde``.

    The sweep's bias is the bias of the cell's p-bit; ``options["v_modes"]`` sets
    ``(v_mode_a, v_mode_b)`` [V] (default the cell's). The supply power is the cell's
    :meth:`~noisecircuits.circuits.continuous.ContinuousCell.supply_power` (stationary mean).

    Returns
    -------
    dict
        ``weight_one``, ``weight_one_stderr``, ``mean_mode0_V``, ``mean_mode1_V``,
        ``std_mode0_V``, ``std_mode1_V``, ``n_samples``, ``correlation_time_s``,
        ``supply_power_W``, ``energy_per_sample_J``, plus ``delta_vth_*_V`` with mismatch.
    """
    _require_sde(params, "continuous")
    from noisecircuits.analysis.stats import trace_stats
    from noisecircuits.circuits.continuous import ContinuousCell, ContinuousDesign
    from noisecircuits.sde.simulate import simulate

    design, shifts = _design(ContinuousDesign, params, extra=("v_modes",))
    modes = (params.get("options") or {}).get("v_modes")
    extra = {} if modes is None else {"v_modes": modes}
    model = ContinuousCell(design, v_bias=params["v_bias_V"], temperature=params["temperature_K"], **extra)
    trace = simulate(model, params["duration_s"], paths=1, seed=seed, record_every=RECORD_EVERY)
    stats = trace_stats(trace)
    power = float(model.supply_power())
    tau = float(stats["correlation_time_s"])
    return {
        "weight_one": float(stats["weight_one"]),
        "weight_one_stderr": float(stats["weight_one_stderr"]),
        "mean_mode0_V": float(stats["mean_V"][0]),
        "mean_mode1_V": float(stats["mean_V"][1]),
        "std_mode0_V": float(stats["std_V"][0]),
        "std_mode1_V": float(stats["std_V"][1]),
        "n_samples": int(trace.values.shape[0] * trace.values.shape[1]),
        "correlation_time_s": tau,
        "supply_power_W": power,
        "energy_per_sample_J": energy_per_sample(power, tau),
        **shifts,
    }


register_kind(
    "continuous",
    continuous_point,
    engines=("sde",),
    default_duration=1e-3,
    description="Gaussian-mixture cell (noisecircuits.circuits.continuous); bias = its p-bit's bias",
)
