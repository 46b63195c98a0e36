r"""The p-bit in ngspice: its noisy transistor-level netlist, one run, and the run's reduction.

This is the engine behind ``noisecircuits sweep pbit --engine spice`` and the p-bit, continuous
and categorical checks (:mod:`noisecircuits.validation.crosscheck`). Every transistor carries
its shot-noise source (:func:`noisecircuits.spice.render.mos_lines`), held for a noise step
:math:`N_T` = :data:`NOISE_STEP_PER_TIMESCALE` × the SDE model's fastest relaxation time, and
the node voltages are written :data:`SAMPLES_PER_NOISE_STEP` times per noise step. The
read-out is reduced like an SDE trace: P(1) with an autocorrelation-aware standard error and,
for a bistable latch, the correlation time from the dwell times.
"""

from __future__ import annotations

import math

import numpy as np

from noisecircuits._validate import positive
from noisecircuits.citations import use
from noisecircuits.errors import ParameterError, SimulationError
from noisecircuits.spice.units import round_significant

__all__ = [
    "NOISE_STEP_PER_TIMESCALE",
    "SAMPLES_PER_NOISE_STEP",
    "MAX_STEP_PER_NOISE_STEP",
    "check_card",
    "pbit_netlist",
    "render_pbit",
    "render_pbit_copies",
    "copy_columns",
    "copies_readouts",
    "start_point",
    "readout_statistics",
    "uniform_samples",
    "simulate_pbit_spice",
]

#: noise step N_T as a fraction of the model's fastest relaxation time: the phase-averaged
#: variance of that mode is then 1.6 % low (1 - u/3, docs/spice.md "Held noise"); the escape
#: rate of the bistable bench is slowed by about ΔΦ u/3 (measured +4 ± 4 % at u = 0.05)
NOISE_STEP_PER_TIMESCALE = 0.05
#: read-out samples per noise step written by ngspice (dwell times read every N_T/2)
SAMPLES_PER_NOISE_STEP = 2.0
#: ngspice maximum time step over N_T: just below the output step N_T/2 (ngspice 39 truncates
#: interpolated output whose step is below the maximum step; one trapezoidal step per N_T/2 of
#: a constant noise value is accurate to (N_T/2τ)²/12 ~ 1e-4; measured on the bistable bench: τ_c
#: the same within 0.2 % for maximum steps N_T and N_T/5)
MAX_STEP_PER_NOISE_STEP = 0.499


def check_card(card: str, *, full_capacitance: bool = False):
    """The card a SPICE/SDE check runs on and its name for calibration.

    Parameters
    ----------
    card : str
        Model card ("generic" or "sky130") [-].
    full_capacitance : bool
        False: the card's capacitance-free variant (the deck carries the SDE's node capacitor;
        only "generic" has one). True: the full card with its device capacitances (a
        geometry-consistent deck, whose SDE node capacitance is extracted from ngspice) [-].

    Returns
    -------
    (Card, str)
    """
    from noisecircuits.spice.cards import CARD_NAMES, capacitance_free, get_card

    if card not in ("generic", "sky130"):
        raise ParameterError(f"card must be 'generic' or 'sky130', got {card!r}"
                             if card in CARD_NAMES else f"card must be one of generic, sky130, got {card!r}")
    if full_capacitance:
        deck = get_card(card)
        return deck, deck.name
    if card != "generic":
        raise ParameterError(
            f"a check with an explicit SDE node capacitor needs a capacitance-free card variant, which only 'generic' "
            f"has; on card {card!r} check a design from the design tool, whose node capacitance comes from its devices "
            f"(--design FILE)"
        )
    deck = capacitance_free(get_card(card))
    return deck, deck.name


def render_pbit(design, deck, v_bias: float, temperature: float, noise_step: float, duration: float, seed: int,
                start, options=None) -> str:
    """The p-bit deck generated from ``design.devices()`` (:func:`noisecircuits.spice.generate.pbit_netlist_text`)
    with this engine's output step N_T/:data:`SAMPLES_PER_NOISE_STEP` and maximum step
    :data:`MAX_STEP_PER_NOISE_STEP` × N_T.

    Parameters
    ----------
    design : PBitDesign
        The design [-].
    deck : Card
        Model cards [-].
    v_bias : float
        [V].
    temperature : float
        [K].
    noise_step : float
        [s].
    duration : float
        [s].
    seed : int
        ngspice seed [-].
    start : (float, float)
        Initial V(out), V(outb) [V].
    options : DeckOptions, optional
        Threshold shift and capacitance mode (:class:`noisecircuits.spice.generate.DeckOptions`) [-].
    """
    from noisecircuits.spice.generate import pbit_netlist_text

    return pbit_netlist_text(design, deck, v_bias=float(v_bias), temperature=temperature, noise_step=noise_step,
                             duration=duration, seed=int(seed), start=start,
                             sample_step=noise_step / SAMPLES_PER_NOISE_STEP,
                             max_step=noise_step * MAX_STEP_PER_NOISE_STEP, options=options)


def render_pbit_copies(design, deck, v_biases, temperature: float, noise_step: float, duration: float, seed: int,
                       starts, options=None) -> str:
    """Several independent copies of the p-bit in one deck
    (:func:`noisecircuits.spice.generate.pbit_copies_netlist_text`), with this engine's output
    and maximum steps (as :func:`render_pbit`).

    The copies share ngspice's time grid, so one run simulates ``len(v_biases)`` × ``duration``
    of p-bit time; each copy's read-out is a column of ``out.dat``
    (:func:`copies_readouts`).

    Parameters
    ----------
    design : PBitDesign
        The design [-].
    deck : Card
        Model cards [-].
    v_biases : sequence of float
        Bias of each copy [V].
    temperature : float
        [K].
    noise_step : float
        [s].
    duration : float
        [s].
    seed : int
        ngspice seed [-].
    starts : sequence of (float, float)
        Initial V(out), V(outb) of each copy [V].
    options : DeckOptions, optional
        Threshold shift and capacitance mode [-].
    """
    from noisecircuits.spice.generate import pbit_copies_netlist_text

    return pbit_copies_netlist_text(design, deck, v_biases=v_biases, temperature=temperature, noise_step=noise_step,
                                    duration=duration, seed=int(seed), starts=starts,
                                    sample_step=noise_step / SAMPLES_PER_NOISE_STEP,
                                    max_step=noise_step * MAX_STEP_PER_NOISE_STEP, options=options)


def copy_columns(n_copies: int) -> list[str]:
    """Names of the read-out columns of a deck of ``n_copies`` copies (:func:`render_pbit_copies`) [-]."""
    return [f"readout_{k}_V" for k in range(int(n_copies))]


def copies_readouts(frame, n_copies: int, noise_step: float) -> np.ndarray:
    """The read-outs V(out_k) − V(outb_k) of a multi-copy run, checked to lie on the output grid.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``run_netlist(..., copy_columns(n_copies)).data`` [SI].
    n_copies : int
        Copies in the deck [-].
    noise_step : float
        The deck's noise step N_T [s].

    Returns
    -------
    ndarray, shape (n_copies, n_samples)
        Read-outs sampled every N_T / :data:`SAMPLES_PER_NOISE_STEP`, the initial point dropped [V].
    """
    frame = frame[frame["x"].to_numpy() > 0]
    uniform_samples(frame["x"].to_numpy(), noise_step / SAMPLES_PER_NOISE_STEP)
    return frame[copy_columns(n_copies)].to_numpy().T.copy()


def pbit_netlist(design, v_bias: float, temperature: float, *, duration: float, seed, noise_step=None,
                 card: str = "generic", threshold_shift: float = 0.0) -> str:
    """The noisy transistor-level netlist of a p-bit design at one bias and temperature.

    Parameters
    ----------
    design : PBitDesign
        Sizes and voltages (device geometry from its ``MosfetParams``) [-].
    v_bias : float
        Gate voltage of MNbias [V].
    temperature : float
        [K].
    duration : float
        Simulated time [s].
    seed : int, SeedSequence or Generator
        Seed of the netlist's ``trrandom`` sources [-].
    noise_step : float, optional
        Noise hold time N_T; default :data:`NOISE_STEP_PER_TIMESCALE` × the SDE model's fastest
        relaxation time, 3 significant digits [s].
    card : str
        Model card; its capacitance-free variant is used [-].
    threshold_shift : float
        Lowering of the latch devices' threshold magnitude, applied as BSIM4 ``delvto``; the
        design's latch ``MosfetParams`` already carry it (as the design tool builds them) [V].

    Returns
    -------
    str
        Netlist whose ``wrdata`` writes V(out), V(outb) every N_T/2 to ``out.dat``.
    """
    from noisecircuits.circuits.pbit import PBit
    from noisecircuits.spice.generate import DeckOptions
    from noisecircuits.spice.seeds import spice_seeds

    deck, _ = check_card(card)
    options = DeckOptions(threshold_shift=threshold_shift)
    model = PBit(design, v_bias, temperature)
    if noise_step is None:
        noise_step = round_significant(NOISE_STEP_PER_TIMESCALE * model.timescale, 3)
    start = start_point(model, design)
    (s,) = spice_seeds(seed, 1)
    return render_pbit(design, deck, v_bias, temperature, noise_step, positive("duration", duration, "s"), s, start,
                       options)


def start_point(model, design):
    """Initial node voltages: the saddle of a bistable latch, else its single stable state [V]."""
    points = model.fixed_points
    if "saddle" in points:
        return points["saddle"]
    if "stable" in points:
        return points["stable"]
    return (design.supply_voltage / 2, design.supply_voltage / 2)


def uniform_samples(times, sample_interval) -> None:
    """Refuse ngspice output that is not on the requested uniform grid.

    With ``interp`` and an output step below the maximum time step, ngspice 39 stops
    interpolating part-way (measured: output step 0.5 ns, maximum step 1 ns, the last fifth of
    the record collapsed into one interval); dwell times counted in samples would then be wrong.
    The last step, to the stop time, may be up to two output steps long.

    Parameters
    ----------
    times : ndarray
        Output times [s].
    sample_interval : float
        Requested output step [s].
    """
    steps = np.diff(np.asarray(times, dtype=float))
    tolerance = 1e-3 * sample_interval
    # the last point is the stop time: ngspice ends with a step of up to twice the output step
    inner_bad = steps.size > 1 and np.max(np.abs(steps[:-1] - sample_interval)) > tolerance
    if inner_bad or (steps.size and steps[-1] > 2.0 * sample_interval + tolerance):
        raise SimulationError(f"ngspice wrote non-uniform output (steps {steps.min():.4g}-{steps.max():.4g} s, "
                              f"requested {sample_interval:.4g} s); use an output step at least the maximum time step")


def readout_statistics(readout, sample_interval, wells):
    """P(1), its SE, τ_c, its SE and the switch count of a read-out V(out) − V(outb).

    Parameters
    ----------
    readout : ndarray
        Differential output samples [V].
    sample_interval : float
        Time between samples [s].
    wells : (float, float) or None
        Read-out values of the two wells; None (not bistable): no correlation time [V].

    Returns
    -------
    (float, float, float, float, int)
        p [-], p SE [-], τ_c [s] (NaN without completed dwells), τ_c SE [s], switches [-].
    """
    from noisecircuits.analysis.autocorrelation import mean_and_stderr
    from noisecircuits.analysis.dwell import dwell_times
    from noisecircuits.analysis.stats import correlation_time_stderr

    p, p_se = mean_and_stderr((readout > 0).astype(float))
    tau, tau_se, n_sw = math.nan, math.nan, 0
    if wells is not None:
        summary = dwell_times(readout, wells[0], wells[1], sample_interval).summary()
        n_sw = summary.n_switches
        (t0, s0), (t1, s1) = summary.mean_low, summary.mean_high
        if all(math.isfinite(v) for v in (t0, t1, s0, s1)):
            tau = summary.correlation_time
            tau_se = correlation_time_stderr(t0, s0, t1, s1)
    return float(p), float(p_se), tau, tau_se, n_sw


def simulate_pbit_spice(design, v_bias: float, temperature: float, *, duration: float, seed, card: str = "generic",
                        timeout: float = 1800.0, threshold_shift: float = 0.0) -> dict:
    """One transient-noise ngspice run of a p-bit design, reduced like an SDE trace.

    Parameters
    ----------
    design : PBitDesign
        Sizes and voltages [-].
    v_bias : float
        Gate voltage of MNbias [V].
    temperature : float
        [K].
    duration : float
        Simulated time [s].
    seed : int, SeedSequence or Generator
        Seed of the netlist's noise sources [-].
    card : str
        Model card (its capacitance-free variant is used) [-].
    timeout : float
        Wall-clock limit of the run [s].
    threshold_shift : float
        Latch threshold shift applied as BSIM4 ``delvto`` (:func:`pbit_netlist`) [V].

    Returns
    -------
    dict
        ``p_one``, ``p_one_stderr``, ``correlation_time_s`` (NaN when no complete dwells),
        ``correlation_time_stderr_s``, ``n_switches``, ``n_samples``, ``n_ones``,
        ``supply_power_W`` (the EKV model's supply current at the ngspice node voltages ×
        V_dd), and the read-out as ``readout_V`` (ndarray).
    """
    from noisecircuits.circuits.pbit import PBit
    from noisecircuits.spice.runner import run_netlist

    model = PBit(design, v_bias, temperature)
    noise_step = round_significant(NOISE_STEP_PER_TIMESCALE * model.timescale, 3)
    netlist = pbit_netlist(design, v_bias, temperature, duration=duration, seed=seed, noise_step=noise_step, card=card,
                           threshold_shift=threshold_shift)
    frame = run_netlist(netlist, ["v_out_V", "v_outb_V"], name="pbit", timeout=timeout).data
    frame = frame[frame["x"].to_numpy() > 0]
    uniform_samples(frame["x"].to_numpy(), noise_step / SAMPLES_PER_NOISE_STEP)
    states = frame[["v_out_V", "v_outb_V"]].to_numpy()
    readout = states[:, 0] - states[:, 1]
    try:
        wells = model.wells
    except SimulationError:
        wells = None
    p, p_se, tau, tau_se, n_sw = readout_statistics(readout, noise_step / SAMPLES_PER_NOISE_STEP, wells)
    power = model.supply_power(states)
    use("bsim4", "sarpeshkar1993")
    return {"p_one": p, "p_one_stderr": p_se, "correlation_time_s": tau, "correlation_time_stderr_s": tau_se,
            "n_switches": int(n_sw), "n_samples": int(readout.size), "n_ones": int(np.count_nonzero(readout > 0)),
            "supply_power_W": power, "readout_V": readout}
