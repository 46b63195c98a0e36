r"""SPICE vs SDE agreement checks of the sampler designs.

The same circuit is simulated twice: at transistor level in ngspice (BSIM4 cards, every
transistor with its shot-noise source, see :func:`noisecircuits.spice.render.mos_lines`) and
as the toolkit's SDE model (:mod:`noisecircuits.circuits`) built from ``MosfetParams``
*calibrated from the same card* (:func:`noisecircuits.validation.calibration.calibrate_card`, at the
check temperatures). The SDE side is evaluated exactly (2-D Fokker–Planck), so its
statistical error is zero; the SPICE side carries autocorrelation-aware standard errors.

Like with like
--------------
* **Capacitances.** The SDE models have only their explicit node capacitors; the check
  netlist uses the generic card's capacitance-free variant (``nch_generic_dc``), whose
  residual device capacitance (~1.4 aF per node, 2 % of the 70 aF node) enters the
  mismatch budget.
* **Itô vs Stratonovich.** ngspice integrates the state-dependent noise current as a smooth
  (held) signal, i.e. in the Stratonovich sense; the SDE models are Itô. The p-bit netlist
  therefore carries the drift correction :math:`-\tfrac12 g_i \partial g_i/\partial V_i` per
  state node (:func:`noisecircuits.spice.render.ito_correction_lines`), and its P(1) is
  compared with the Itô Fokker–Planck value (the Stratonovich one is reported beside it).
  The categorical (out_0..out_3) and continuous (out, outb, y) netlists carry the same
  correction on every state node, and are compared with their Itô models.
* **Noise bandwidth.** The noise is held for :math:`N_T` = half the fastest relaxation time
  of the SDE model; an OU mode of time constant :math:`\tau` then sees its variance reduced by
  :math:`(N_T/\tau)^2/12 \le 2\,\%`, budgeted as a capacitance change.

Tolerance
---------
For each point: ``tolerance = 4 × SE_spice + budget``, where the budget is the model mismatch,
derived (never tuned) from the calibration: :math:`\sum_d |\partial P/\partial \ln I_d|\,
\epsilon_d` over the device types d (ε_d = the calibration's largest weak-inversion
:math:`|\ln(I_\mathrm{EKV}/I_\mathrm{BSIM4})|`), plus :math:`|P(C(1+\delta)) - P(C)|` with
δ = residual device capacitance + noise-bandwidth deficit; derivatives by Fokker–Planck with
the device's current factor scaled by :math:`e^{\pm\epsilon_d}`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from noisecircuits._validate import in_range, positive, positive_int
from noisecircuits.citations import use
from noisecircuits.constants import TEMPERATURE_RANGE
from noisecircuits.errors import ParameterError, SimulationError
from noisecircuits.spice.pbit import (
    MAX_STEP_PER_NOISE_STEP,
    NOISE_STEP_PER_TIMESCALE,
    SAMPLES_PER_NOISE_STEP,
    check_card,
    readout_statistics,
    render_pbit,
    start_point,
)
from noisecircuits.spice.benches import held_noise_variance_ratio
from noisecircuits.spice.units import round_significant

#: noise step of the categorical check over its cell's fastest relaxation time (coarser than the
#: p-bit's :data:`NOISE_STEP_PER_TIMESCALE` to keep the 16-device deck cheap; its held-noise
#: variance deficit, 8 %, is in the capacitance budget)
_CATEGORICAL_NOISE_STEP_PER_TIMESCALE = 0.25

__all__ = [
    "CHECK_SUPPLY_VOLTAGE",
    "CHECK_V_REF",
    "STATISTICAL_SIGMAS",
    "check_pbit_design",
    "light_check_design",
    "GeometryCheckDesign",
    "check_pbit_geometry_design",
    "drawable_document",
    "stratonovich_p_one",
    "pbit_biases",
    "check_pbit",
    "check_continuous",
    "check_categorical",
    "check_categorical_design",
    "CONTINUOUS_V_MODES",
    "CATEGORICAL_CONTROL_OFFSETS",
]

#: Supply of the light p-bit check design [V]: below the reference design's 80 mV so that the
#: correlation time is ~57 (300 K) and ~36 (320 K) fastest relaxation times (effective
#: barrier 0.9 and 0.5 kT) instead of ~280 and ~115, about 5x cheaper per independent sample.
CHECK_SUPPLY_VOLTAGE = 0.075
#: Gate voltage of MNref in the light check design [V]: above the SDE default (0.1 V) so that
#: P(1) spans 0.1-0.9 with the calibrated devices (with 0.1 V, MNref alone holds P(1)
#: above 0.10 at 300 K and 0.15 at 320 K however low v_bias goes; with 0.13 V the floor is
#: 0.009 and 0.026).
CHECK_V_REF = 0.13
#: Statistical part of the tolerance, in combined standard errors.
STATISTICAL_SIGMAS = 4.0
#: Residual device capacitance of the capacitance-free card over the 70 aF node (measured by
#: an AC analysis: 1.4 aF) plus the phase-averaged held-noise variance deficit of the fastest
#: mode (N_T = timescale/20: 1.6 %, benches.held_noise_variance_ratio).
CAPACITANCE_BUDGET = 1.4e-18 / 7e-17 + (1.0 - held_noise_variance_ratio(NOISE_STEP_PER_TIMESCALE))
_DEFAULT_TEMPERATURES = (300.0, 320.0)
#: fewest read-out samples of a categorical SPICE run
_MIN_CATEGORICAL_SAMPLES = 5000
_DEFAULT_PROBABILITIES = (0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9)


def check_pbit_design(card: str = "generic", temperatures=_DEFAULT_TEMPERATURES, *, workers: int = 2,
                      light: bool = False):
    """The checked p-bit: the reference design with its devices calibrated from ``card``.

    Geometry, node capacitance, reference ratio, supply and v_ref are those of
    :meth:`noisecircuits.circuits.pbit.PBitDesign.default` (the design ``simulate``, ``sweep``
    and the fit use; its ngspice deck is ``spice_models/pbit_reference.cir``); each device type
    (latch nmos and pmos, bias nmos) is calibrated at ``temperatures`` by
    :func:`noisecircuits.validation.calibration.calibrate_card`. With ``light`` the supply is
    :data:`CHECK_SUPPLY_VOLTAGE` and v_ref :data:`CHECK_V_REF` instead: a shallower latch whose
    correlation time is about 5× shorter at 300 K (a cheaper check, not the shipped circuit).

    Parameters
    ----------
    card : str
        Model card ("generic") [-].
    temperatures : sequence of float
        Calibration temperatures (the check temperatures) [K].
    workers : int
        Concurrent ngspice runs [-].
    light : bool
        The lighter check design instead of the reference design's voltages [-].

    Returns
    -------
    (PBitDesign, dict)
        The design and ``{"nmos": Calibration, "pmos": ..., "bias_nmos": ...}``.
    """
    from noisecircuits.validation.calibration import calibrate_card
    from noisecircuits.circuits.pbit import PBitDesign

    if card == "sky130":
        raise ParameterError(_REFERENCE_REFUSAL.format(why="the sky130 card has no capacitance-free variant, and "))
    _, cal_card = check_card(card)
    base = light_check_design() if light else PBitDesign.default()
    cals = {}
    for name in ("nmos", "pmos", "bias_nmos"):
        dev = getattr(base, name)
        temps = sorted(set(float(t) for t in temperatures))
        cals[name] = calibrate_card(cal_card, dev.polarity, dev.width, dev.length, temps,
                                    t_ref=temps[0], workers=workers)
    design = replace(base, nmos=cals["nmos"].params, pmos=cals["pmos"].params, bias_nmos=cals["bias_nmos"].params)
    return design, cals


def light_check_design():
    """The light check design before calibration: the continuous cell's selector latch
    (:func:`noisecircuits.circuits.continuous.selector_latch`, 1 µm devices, 70 aF nodes) at
    V_dd = :data:`CHECK_SUPPLY_VOLTAGE` and v_ref = :data:`CHECK_V_REF` [-]."""
    from noisecircuits.circuits.continuous import selector_latch

    return replace(selector_latch(), supply_voltage=CHECK_SUPPLY_VOLTAGE, v_ref=CHECK_V_REF)


#: Node capacitance of the reference design over the capacitance its own devices add to each
#: node on the full generic card (measured by extract_node_capacitance at 300 K: 70 aF against 6.7 fF,
#: 1 um x 1 um latch devices); the full card cannot represent the reference design.
_REFERENCE_REFUSAL = ("the reference design's 70 aF node capacitance is below its own 1 um devices' capacitance "
                      "(6.7 fF on the full generic card), so a deck with the card's device capacitances cannot represent "
                      "it; {why}check a design from the design tool instead (noisecircuits design pbit ... --out "
                      "design.json, then --design design.json)")


@dataclass(frozen=True)
class GeometryCheckDesign:
    """A design-tool p-bit prepared for a geometry-consistent check (docs/spice.md).

    Parameters
    ----------
    designs : dict
        Temperature [K] → the checked :class:`~noisecircuits.circuits.pbit.PBitDesign`: the
        document's sizes and voltages, devices calibrated from the card (latch thresholds
        lowered by the shift), node capacitance extracted from ngspice at that temperature [-].
    calibrations : dict
        ``{"nmos": Calibration, "pmos": ..., "bias_nmos": ...}`` (unshifted devices) [-].
    options : DeckOptions
        The deck's threshold shift and explicit capacitor [-].
    capacitances : dict
        Temperature [K] → :func:`noisecircuits.spice.capacitance.extract_node_capacitance` [-].
    capacitance_budgets : dict
        Temperature [K] → relative capacitance uncertainty of the SDE side: the extraction's
        spread over nodes and fixed points, plus the coupling between the nodes over the node
        capacitance (the SDE has one diagonal capacitance; a differential mode sees C + C_m,
        a common one C − C_m), plus the held-noise variance deficit [-].
    design_tool_capacitance : float
        The design tool's node capacitance estimate (design/geometry.py) [F].
    design_model : PBitDesign
        The design as the design tool builds it (its stated process, its estimated capacitance):
        the circuit ``simulate pbit --design`` runs [-].
    """

    designs: dict
    calibrations: dict
    options: object
    capacitances: dict
    capacitance_budgets: dict
    design_tool_capacitance: float
    design_model: object


def _read_document(design):
    from noisecircuits.design.document import check_design_document, read_design_document

    if isinstance(design, dict):
        return check_design_document(design, "design")
    return read_design_document(design)


def drawable_document(design, card: str) -> dict:
    """The checked design document of ``design`` (a document or its path), refused in one line
    where ``card`` cannot draw its sizes (a generic-card design's 0.15 µm widths on sky130,
    whose smallest width is 0.42 µm), before any ngspice run [-]."""
    from noisecircuits.design.document import geometry_from_document
    from noisecircuits.design.process import process_named
    from noisecircuits.validation.card_process import ensure_process

    document = _read_document(design)
    ensure_process(card)
    try:
        geometry_from_document(document).check_sizes(process_named(card))
    except ParameterError as err:
        raise ParameterError(f"the design's sizes cannot be drawn on the {card} card: {err}; check a design made "
                             f"for it (noisecircuits design pbit --card {card} ... --out design.json, then --design "
                             f"design.json)") from None
    return document


def check_pbit_geometry_design(design, card: str = "generic", temperatures=_DEFAULT_TEMPERATURES, *,
                               workers: int = 2) -> GeometryCheckDesign:
    """A design-tool design prepared for a check on the full ``card`` (device capacitances on).

    Each device type is calibrated at its own W and L on ``card``
    (:func:`noisecircuits.validation.calibration.calibrate_card`, at ``temperatures``); the
    latch devices' EKV thresholds are then lowered by the document's ``threshold_shift_V``,
    which the deck applies as BSIM4 ``delvto``. The deck carries only the document's explicit
    capacitor; the SDE's node capacitance is extracted from ngspice at each temperature
    (:func:`noisecircuits.spice.capacitance.extract_node_capacitance`, the latch held at its
    fixed points at v_mid).

    Parameters
    ----------
    design : dict or path-like
        A design document (``noisecircuits design pbit ... --out FILE``) or its path [-].
    card : str
        "generic" or "sky130" [-].
    temperatures : sequence of float
        Check temperatures [K].
    workers : int
        Concurrent ngspice runs [-].

    Returns
    -------
    GeometryCheckDesign
    """
    from noisecircuits.design.document import design_from_document
    from noisecircuits.spice.capacitance import extract_node_capacitance
    from noisecircuits.spice.generate import DeckOptions
    from noisecircuits.validation.calibration import calibrate_card

    deck, cal_card = check_card(card, full_capacitance=True)
    document = drawable_document(design, card)
    tool = design_from_document(document)
    geometry = document["geometry"]
    options = DeckOptions(threshold_shift=float(geometry.get("threshold_shift_V", 0.0)),
                          explicit_capacitance=float(geometry.get("extra_capacitance_F", 0.0)))
    temps = sorted(set(float(t) for t in temperatures))
    if not temps:
        raise ParameterError("temperatures must list at least one temperature [K]")
    devices = {"nmos": tool.nmos, "pmos": tool.pmos, "bias_nmos": tool.bias_nmos}
    cals = {name: calibrate_card(cal_card, dev.polarity, dev.width, dev.length, temps, t_ref=temps[0],
                                 workers=workers) for name, dev in devices.items()}
    shift = options.threshold_shift

    def shifted(params):
        return replace(params, threshold_voltage=params.threshold_voltage - shift)

    base = replace(tool, nmos=shifted(cals["nmos"].params), pmos=shifted(cals["pmos"].params),
                   bias_nmos=cals["bias_nmos"].params)
    designs, capacitances, budgets = {}, {}, {}
    held = 1.0 - held_noise_variance_ratio(NOISE_STEP_PER_TIMESCALE)
    for t in temps:
        cap = extract_node_capacitance(base, deck, t, options=options)
        c = cap["node_capacitance_F"]
        designs[t] = replace(base, node_capacitance=c)
        capacitances[t] = cap
        budgets[t] = cap["spread"] + cap["coupling_F"] / c + held
    return GeometryCheckDesign(designs=designs, calibrations=cals, options=options, capacitances=capacitances,
                               capacitance_budgets=budgets, design_tool_capacitance=float(tool.node_capacitance),
                               design_model=tool)


def _p_one_from_density(pi: np.ndarray) -> float:
    n = pi.shape[0]
    upper = np.tril(np.ones((n, n)), -1)
    return float((pi * (upper + 0.5 * np.eye(n))).sum())


def stratonovich_p_one(pbit) -> float:
    r"""P(1) of the p-bit SDE read in the Stratonovich sense (drift + ½ g ∂g/∂V), exact by Fokker–Planck.

    Parameters
    ----------
    pbit : noisecircuits.circuits.pbit.PBit
        The model at its bias and temperature [-].

    Returns
    -------
    float
        P(V_out > V_outb) [-].
    """
    from noisecircuits.physics.fokker_planck import stationary_distribution

    net = pbit.netlist
    h = 1e-6  # [V] central-difference step for dg/dV (g varies on the scale n U_T ~ 36 mV)

    def drift(x, y):
        s = np.stack([x, y], axis=-1)
        a = net.drift(s)
        g = net.diffusion(s)
        corr = []
        for i in range(2):
            e = np.zeros(2)
            e[i] = h
            dg = (net.diffusion(s + e)[..., i] - net.diffusion(s - e)[..., i]) / (2 * h)
            corr.append(0.5 * g[..., i] * dg)
        return a[..., 0] + corr[0], a[..., 1] + corr[1]

    def diffusion(x, y):
        g = net.diffusion(np.stack([x, y], axis=-1))
        return g[..., 0], g[..., 1]

    return _p_one_from_density(stationary_distribution(drift, diffusion, (pbit.grid, pbit.grid)))


def pbit_biases(design, temperature: float, probabilities=_DEFAULT_PROBABILITIES) -> list[float]:
    """Biases at which the p-bit SDE's exact (Itô) P(1) equals each of ``probabilities``.

    Parameters
    ----------
    design : PBitDesign
        The circuit [-].
    temperature : float
        [K].
    probabilities : sequence of float
        Targets in (0, 1) [-].

    Returns
    -------
    list of float
        Gate voltages of MNbias [V].
    """
    from scipy.optimize import brentq

    from noisecircuits.circuits.pbit import p_one_exact, v_mid

    mid = v_mid(design, temperature)
    out = []
    for p in probabilities:
        p = in_range("probability", p, 1e-3, 1 - 1e-3, "")
        if abs(p - 0.5) < 1e-12:
            out.append(mid)
            continue
        step = 0.005 if p > 0.5 else -0.005
        lo, hi = mid, mid + step
        while (p_one_exact(design, hi, temperature) - p) * (1 if p > 0.5 else -1) < 0:
            hi += step
            if abs(hi - mid) > 0.3:
                raise SimulationError(f"no bias within 0.3 V of v_mid gives P(1) = {p:g} at {temperature:g} K")
        a, b = sorted((lo, hi))
        out.append(float(brentq(lambda v: p_one_exact(design, v, temperature) - p, a, b, xtol=1e-6)))
    return out


def _sensitivity_budget(design, v_bias, temperature, calibrations, p_ref, tau_ref,
                        capacitance_budget=CAPACITANCE_BUDGET):
    """Model-mismatch budget of P(1) [-] and of ln tau [-] (module docstring).

    Perturbations, each by the calibration's largest weak-inversion error ε of the device
    type: latch nmos (MNa, MNb) current × e^{±ε_n}; latch pmos × e^{±ε_p}; MNbias against
    MNref (different gate voltages, so their errors need not cancel): ``ref_width_ratio`` ×
    e^{±ε_b}; node capacitance × (1 + ``capacitance_budget``) (and × (1 − it) for a
    geometry-consistent design, whose extracted capacitance is uncertain both ways). The
    budget is the sum of the largest changes.
    """
    from noisecircuits.circuits.pbit import PBit

    variants = []
    for name in ("nmos", "pmos"):
        eps = calibrations[name].max_abs_log_error
        dev = getattr(design, name)
        variants.append([replace(design, **{name: replace(dev, current_factor=dev.current_factor * math.exp(sg * eps))})
                         for sg in (1.0, -1.0)])
    eps_b = calibrations["bias_nmos"].max_abs_log_error
    variants.append([replace(design, ref_width_ratio=design.ref_width_ratio * math.exp(sg * eps_b)) for sg in (1.0, -1.0)])
    signs = (1.0,) if capacitance_budget == CAPACITANCE_BUDGET else (1.0, -1.0)
    variants.append([replace(design, node_capacitance=design.node_capacitance * (1 + sg * capacitance_budget))
                     for sg in signs])
    dp, dlt = 0.0, 0.0
    for group in variants:
        models = [PBit(d, v_bias, temperature) for d in group]
        dp += max(abs(m.p_one_exact() - p_ref) for m in models)
        # NaN (no correlation time to compare) propagates: any NaN makes the sum NaN
        changes = [_log_tau_change(m, tau_ref) for m in models]
        dlt += math.nan if any(math.isnan(c) for c in changes) else max(changes)
    return dp, dlt


def _log_tau_change(pbit, tau_ref):
    if not math.isfinite(tau_ref):
        return math.nan
    try:
        return abs(math.log(pbit.correlation_time_exact() / tau_ref))
    except SimulationError:
        return math.nan


def check_pbit(card: str = "generic", temperatures=_DEFAULT_TEMPERATURES, biases=None, *, seed=0,
               correlation_times: float = 100.0, workers: int = 2, keep=None, timeout: float = 1800.0,
               probabilities=_DEFAULT_PROBABILITIES, show_progress=None, light: bool = False,
               copies_per_deck: int | None = 1, design=None, full_capacitance: bool | None = None) -> pd.DataFrame:
    """P(1) and correlation time of the p-bit: ngspice transient noise vs the SDE model.

    The checked circuit is the reference design (:func:`check_pbit_design`), on the card's
    capacitance-free variant with the SDE's node capacitor; or, with ``design``, a design
    from the design tool, geometry-consistent: on the full card, with its explicit capacitor,
    its latch threshold shift as ``delvto`` and the SDE node capacitance extracted from
    ngspice (:func:`check_pbit_geometry_design`). Each bias point
    runs as its own ngspice deck, ``workers`` decks at a time; with ``copies_per_deck`` > 1 the
    points of one temperature run instead as independent copies of the cell in fewer decks
    (:func:`noisecircuits.spice.pbit.render_pbit_copies`: one time grid, each copy with its own
    noise sources). docs/spice.md "Cost of the check" gives what each saves.

    Parameters
    ----------
    card : str
        Model card ("generic") [-].
    temperatures : sequence of float
        Check temperatures [K].
    biases : sequence of float, optional
        Gate voltages of MNbias, the same at every temperature; default: the biases where
        the SDE gives ``probabilities`` at each temperature [V].
    seed : int, SeedSequence or Generator
        Seed; each deck gets its own spawned ngspice seed [-].
    correlation_times : float
        SPICE duration per point, in SDE correlation times at v_mid [-].
    workers : int
        Concurrent ngspice runs [-].
    keep : path-like, optional
        Keep every run's netlist and output [-].
    timeout : float
        Per-run limit [s].
    probabilities : sequence of float
        Targets for the automatic biases [-].
    show_progress : bool or None
        Progress on stderr (:mod:`noisecircuits.progress`): a stage line, a bar over the
        ngspice runs and a summary line; ``None`` draws the bar only on a terminal, ``False``
        is quiet [-].
    light : bool
        Check the lighter check design (:func:`check_pbit_design`) instead of the reference design [-].
    copies_per_deck : int or None
        Most bias points per ngspice deck: 1 (default) runs each point alone; None splits a
        temperature's points evenly over ``workers`` decks [-].
    design : dict or path-like, optional
        A design document to check instead of the reference design [-].
    full_capacitance : bool or None
        The deck's capacitance mode; None: full card for ``design``, capacitance-free for the
        reference design (the only modes each can use; asking for the other is refused) [-].

    Returns
    -------
    pandas.DataFrame
        One row per (temperature, bias): ``temperature_K, v_bias_V, p_one_spice,
        p_one_spice_stderr, p_one_sde`` (Itô, the value compared; also as ``p_one_sde_ito``), ``p_one_sde_stratonovich``,
        ``p_one_budget`` (model mismatch), ``p_one_tolerance``, ``p_one_agrees``,
        ``tau_spice_s, tau_spice_stderr_s, tau_sde_s, tau_log_budget, tau_tolerance_s,
        tau_agrees`` (None where not checkable), ``n_switches_spice, duration_s, noise_step_s, seed``
        (of the point's deck), ``deck, copies_in_deck``, ``p_one_design_model`` and
        ``tau_design_model_s`` (the uncalibrated design that ``simulate`` runs, exact, not compared:
        how far the checked card-calibrated circuit is from it); with ``design`` also
        ``node_capacitance_F`` (extracted), ``design_tool_capacitance_F``, ``capacitance_budget``,
        ``threshold_shift_V`` [SI].
    """
    import sys

    from noisecircuits.circuits.pbit import PBit, v_mid
    from noisecircuits.progress import progress
    from noisecircuits.spice.pbit import copies_readouts, copy_columns, render_pbit_copies
    from noisecircuits.spice.runner import run_netlists
    from noisecircuits.spice.seeds import spice_seeds

    geometric = design is not None
    if full_capacitance is not None and bool(full_capacitance) != geometric:
        if geometric:
            raise ParameterError("a design-tool design is checked with the card's device capacitances only "
                                 "(its node capacitance comes from its devices); drop full_capacitance=False")
        raise ParameterError(_REFERENCE_REFUSAL.format(why=""))
    if not geometric and card == "sky130":
        raise ParameterError(_REFERENCE_REFUSAL.format(why="the sky130 card has no capacitance-free variant, and "))
    deck, _ = check_card(card, full_capacitance=geometric)
    temps = [in_range("temperature", t, *TEMPERATURE_RANGE, "K") for t in temperatures]
    if not temps:
        raise ParameterError("temperatures must list at least one temperature [K]")
    positive("correlation_times", correlation_times)
    workers = positive_int("workers", workers)
    if copies_per_deck is not None:
        copies_per_deck = positive_int("copies_per_deck", copies_per_deck)
    if show_progress is not False:
        sys.stderr.write(f"spice check pbit: calibrating the {card} card's three device types at "
                         f"{', '.join(f'{t:g}' for t in temps)} K in ngspice\n")
    if geometric:
        if light:
            raise ParameterError("light applies to the reference design, not to a design file")
        if show_progress is not False:
            sys.stderr.write("spice check pbit: extracting the node capacitance from ngspice\n")
        prepared = check_pbit_geometry_design(design, card, temps, workers=workers)
        designs, cals, options = prepared.designs, prepared.calibrations, prepared.options
        budgets = prepared.capacitance_budgets
    else:
        from noisecircuits.circuits.pbit import PBitDesign

        reference, cals = check_pbit_design(card, temps, workers=workers, light=light)
        designs, options, budgets = {t: reference for t in temps}, None, {t: CAPACITANCE_BUDGET for t in temps}
    design_model = prepared.design_model if geometric else (light_check_design() if light else PBitDesign.default())
    groups = []  # one per deck: (temperature, noise step, duration, [(bias, model), ...])
    for t in temps:
        design = designs[t]
        vbs = list(biases) if biases is not None else pbit_biases(design, t, probabilities)
        mid_model = PBit(design, v_mid(design, t), t)
        tau_mid = mid_model.correlation_time_exact()
        noise_step = round_significant(NOISE_STEP_PER_TIMESCALE * mid_model.timescale, 3)
        per_deck = copies_per_deck or max(1, math.ceil(len(vbs) / workers))
        points = [(float(vb), PBit(design, float(vb), t)) for vb in vbs]
        for k in range(0, len(points), per_deck):
            groups.append((t, noise_step, correlation_times * tau_mid, points[k:k + per_deck]))
    seeds = spice_seeds(seed, len(groups))
    jobs = []
    for k, ((t, nt, dur, points), s) in enumerate(zip(groups, seeds)):
        vbs = [vb for vb, _ in points]
        design = designs[t]
        starts = [start_point(model, design) for _, model in points]
        if len(points) == 1:
            jobs.append((f"pbit_{k:02d}", render_pbit(design, deck, vbs[0], t, nt, dur, s, starts[0], options),
                         ["v_out_V", "v_outb_V"]))
        else:
            jobs.append((f"pbit_{k:02d}", render_pbit_copies(design, deck, vbs, t, nt, dur, s, starts, options),
                         copy_columns(len(points))))
    with progress(len(jobs), "spice check pbit", unit="deck", enabled=show_progress,
                  summary=show_progress is not False) as bar:
        runs = run_netlists(jobs, workers=workers, keep=keep, timeout=timeout, on_done=bar.update)
    rows = []
    for k, ((t, nt, dur, points), s, run) in enumerate(zip(groups, seeds, runs)):
        if len(points) == 1:
            frame = run.data.assign(readout_0_V=run.data["v_out_V"] - run.data["v_outb_V"])
        else:
            frame = run.data
        readouts = copies_readouts(frame, len(points), nt)
        for (vb, model), readout in zip(points, readouts):
            row = _pbit_row(designs[t], cals, model, t, vb, readout, nt, dur, s, budgets[t])
            row |= {"deck": k, "copies_in_deck": len(points), **_design_model_values(design_model, vb, t)}
            if geometric:
                row |= {"node_capacitance_F": designs[t].node_capacitance,
                        "design_tool_capacitance_F": prepared.design_tool_capacitance,
                        "capacitance_budget": budgets[t], "threshold_shift_V": options.threshold_shift}
            rows.append(row)
    use("bsim4", "ekv", "sarpeshkar1993", "wongzakai1965")
    return pd.DataFrame(rows)


def _pbit_row(design, cals, model, t, vb, readout, nt, dur, s, capacitance_budget=CAPACITANCE_BUDGET) -> dict:
    """One check row: SPICE statistics of ``readout`` against the exact SDE values and the tolerance."""
    sample = nt / SAMPLES_PER_NOISE_STEP
    if model.bistable:
        wells, tau_sde = model.wells, model.correlation_time_exact()
    else:
        wells, tau_sde = None, math.nan
    p_sp, p_se, tau_sp, tau_se, n_sw = readout_statistics(readout, sample, wells)
    p_ito = model.p_one_exact()
    p_str = stratonovich_p_one(model)
    budget_p, budget_lt = _sensitivity_budget(design, vb, t, cals, p_ito, tau_sde, capacitance_budget)
    tol_p = STATISTICAL_SIGMAS * p_se + budget_p
    tol_tau = STATISTICAL_SIGMAS * tau_se + tau_sde * (math.exp(budget_lt) - 1) if math.isfinite(tau_sde) else math.nan
    return {
        "temperature_K": t, "v_bias_V": vb,
        "p_one_spice": p_sp, "p_one_spice_stderr": p_se, "p_one_sde": p_ito, "p_one_sde_ito": p_ito,
        "p_one_sde_stratonovich": p_str,
        "p_one_budget": budget_p, "p_one_tolerance": tol_p, "p_one_agrees": bool(abs(p_sp - p_ito) <= tol_p),
        "tau_spice_s": tau_sp, "tau_spice_stderr_s": tau_se, "tau_sde_s": tau_sde, "tau_log_budget": budget_lt,
        "tau_tolerance_s": tol_tau,
        # None: not checked (latch not bistable at this bias, or no completed dwells in SPICE)
        "tau_agrees": bool(abs(tau_sp - tau_sde) <= tol_tau) if math.isfinite(tol_tau) and math.isfinite(tau_sp)
        else None,
        "n_switches_spice": int(n_sw), "duration_s": dur, "noise_step_s": nt, "seed": int(s),
    }


def _design_model_values(design, v_bias, temperature) -> dict:
    """Exact P(1) and tau_c [s] of the uncalibrated design (the circuit ``simulate`` runs) at the point; not
    compared: they show how far the card-calibrated circuit of the check is from the simulated one."""
    from noisecircuits.circuits.pbit import PBit

    model = PBit(design, float(v_bias), temperature)
    return {"p_one_design_model": model.p_one_exact(),
            "tau_design_model_s": model.correlation_time_exact() if model.bistable else math.nan}


def _calibrated(card_name, device, temperature, workers):
    from noisecircuits.validation.calibration import calibrate_card

    return calibrate_card(card_name, device.polarity, device.width, device.length, (temperature,),
                          t_ref=temperature, workers=workers)


def _conditional_moments(y, mask):
    """Mean [V], its SE [V], variance [V²] and its SE [V²] of ``y`` over the samples where ``mask`` holds.

    SEs are autocorrelation-aware (Sokal window) over the selected samples taken as one record.
    """
    from noisecircuits.analysis.autocorrelation import mean_and_stderr

    seg = y[mask]
    if seg.size < 20:
        return (math.nan,) * 4
    mean, mean_se = mean_and_stderr(seg)
    var, var_se = mean_and_stderr((seg - mean) ** 2)
    return float(mean), float(mean_se), float(var), float(var_se)


#: Mode voltages of the continuous check (v_mode_a, selected in state 1; v_mode_b, state 0) [V].
CONTINUOUS_V_MODES = (0.04, 0.0)


def check_continuous(card: str = "generic", temperature: float = 300.0, *, v_modes=CONTINUOUS_V_MODES, seed=0,
                     correlation_times: float = 100.0, workers: int = 2, keep=None,
                     timeout: float = 1800.0) -> pd.DataFrame:
    r"""Mixture weight, mode positions and mode variances of the continuous cell: ngspice vs its Itô model.

    The p-bit is the light check design of :func:`check_pbit_design` at its v_mid; the pass
    devices are the default design's, calibrated from the card. The netlist carries the Itô
    drift correction on out, outb and y (MA and MB have their drains on y and their sources on
    the fixed mode sources). Compared (SDE values exact):

    * weight: SPICE P(1) against the p-bit's exact Itô P(1) (Fokker–Planck); budget as for
      the p-bit check (:func:`_sensitivity_budget`);
    * mode positions: mean of V(y) over the samples in each latch state against the model's
      component mean (:meth:`ContinuousCell.component_moments`); budget: the largest shift of
      that mean when MA's current is scaled against MB's by e^{±2ε} (each device within ε =
      the pass calibration's ``max_abs_log_error`` of BSIM4, so their ratio within 2ε);
    * mode variances: variance of V(y) in each latch state against the model's
      (frozen-latch law + latch-induced part); budget: the largest change under the same
      ratio scaling plus ``CAPACITANCE_BUDGET`` × the variance (residual capacitance and
      held-noise deficit, both smaller on the 0.2 fF y node than on a 70 aF latch node).

    Tolerance = 4 × SE + budget.

    Returns
    -------
    pandas.DataFrame
        One row per quantity (``weight_one``, ``mean_V_mode0``, ``mean_V_mode1``,
        ``var_V2_mode0``, ``var_V2_mode1``): ``quantity, spice, spice_stderr, sde, sde_stderr
        (0), budget, tolerance, agrees, temperature_K, v_bias_V, v_mode_a_V, v_mode_b_V,
        n_switches_spice, seed, duration_s`` [SI].
    """
    from noisecircuits.circuits.continuous import ContinuousCell, ContinuousDesign
    from noisecircuits.circuits.pbit import PBit, v_mid
    from noisecircuits.spice.generate import continuous_netlist_text
    from noisecircuits.spice.runner import run_netlist
    from noisecircuits.spice.seeds import spice_seeds
    from noisecircuits.validation.cell_laws import agreement_frame

    deck, cal_card = check_card(card)
    t = in_range("temperature", temperature, *TEMPERATURE_RANGE, "K")
    positive("correlation_times", correlation_times)
    pdesign, cals = check_pbit_design(card, (t,), workers=workers, light=True)
    base = ContinuousDesign.default()
    cal_pass = _calibrated(cal_card, base.pass_nmos, t, workers)
    design = replace(base, pbit=pdesign, pass_nmos=cal_pass.params)
    vb = v_mid(pdesign, t)
    cell = ContinuousCell(design, vb, tuple(v_modes), t)
    pbit = PBit(pdesign, vb, t)
    noise_step = round_significant(NOISE_STEP_PER_TIMESCALE * min(cell.timescale, pbit.timescale), 3)
    duration = correlation_times * pbit.correlation_time_exact()
    (s,) = spice_seeds(seed, 1)
    netlist = continuous_netlist_text(design, deck, v_bias=vb, v_modes=cell.v_modes, temperature=t,
                                      noise_step=noise_step, duration=duration, seed=s,
                                      start=(*start_point(pbit, pdesign), float(np.mean(cell.v_modes))),
                                      sample_step=noise_step / SAMPLES_PER_NOISE_STEP,
                                      max_step=noise_step * MAX_STEP_PER_NOISE_STEP)
    run = run_netlist(netlist, ["v_out_V", "v_outb_V", "v_y_V"], name="continuous", keep=keep, timeout=timeout)
    frame = run.data[run.data["x"] > 0]
    readout = (frame["v_out_V"] - frame["v_outb_V"]).to_numpy()
    y = frame["v_y_V"].to_numpy()
    sample = noise_step / SAMPLES_PER_NOISE_STEP
    p_sp, p_se, _, _, n_sw = readout_statistics(readout, sample, pbit.wells)
    p_ito = pbit.p_one_exact()
    budget_p, _ = _sensitivity_budget(pdesign, vb, t, cals, p_ito, math.nan)
    moments = cell.component_moments()
    mean_budget, var_budget = _pass_ratio_budgets(design, vb, cell.v_modes, t, moments, cal_pass.max_abs_log_error)
    per_mode = [_conditional_moments(y, (readout > 0) == bool(mode)) for mode in (0, 1)]
    rows = [("weight_one", p_sp, p_se, p_ito, 0.0, budget_p)]
    for mode, (mean, mean_se, _, _) in enumerate(per_mode):
        rows.append((f"mean_V_mode{mode}", mean, mean_se, float(moments["mean_V"][mode]), 0.0, mean_budget[mode]))
    for mode, (_, _, var, var_se) in enumerate(per_mode):
        rows.append((f"var_V2_mode{mode}", var, var_se, float(moments["std_V"][mode]) ** 2, 0.0, var_budget[mode]))
    use("bsim4", "ekv", "sarpeshkar1993", "wongzakai1965")
    return agreement_frame(rows, STATISTICAL_SIGMAS, {
        "temperature_K": t, "v_bias_V": vb, "v_mode_a_V": float(cell.v_modes[0]), "v_mode_b_V": float(cell.v_modes[1]),
        "n_switches_spice": int(n_sw), "seed": int(s), "duration_s": duration})


def _pass_ratio_budgets(design, v_bias, v_modes, t, moments, eps):
    """Budgets of the mode means [V] and variances [V²] (docstring of :func:`check_continuous`)."""
    from noisecircuits.validation.cell_laws import continuous_with_pass_ratio

    var = np.asarray(moments["std_V"]) ** 2
    mean_budget, var_budget = np.zeros(2), CAPACITANCE_BUDGET * var
    dm, dv = np.zeros(2), np.zeros(2)
    for sg in (1.0, -1.0):
        other = continuous_with_pass_ratio(design, v_bias, v_modes, t, sg * 2.0 * eps).component_moments()
        dm = np.maximum(dm, np.abs(np.asarray(other["mean_V"]) - moments["mean_V"]))
        dv = np.maximum(dv, np.abs(np.asarray(other["std_V"]) ** 2 - var))
    return mean_budget + dm, var_budget + dv


#: Offsets of the categorical check's four control voltages from ``v_nominal`` [V]: distinct, so
#: that the occupations spread (about 0.45, 0.28, 0.17, 0.10 with the generic card's devices
#: at 300 K, softmax width w ≈ 5 mV) and calibration errors are not common to all branches.
CATEGORICAL_CONTROL_OFFSETS = (-0.0035, -0.0012, 0.0012, 0.0035)
#: |V_SD| at which the pull-ups' BSIM4-vs-EKV mismatch is measured, spanning a node's swing
#: (0 to V_dd = 120 mV of the default design) [V].
_PULLUP_V_SD = (0.01, 0.06, 0.11)
#: Residual device capacitance of a categorical node with the capacitance-free card [F] (AC analysis:
#: Im(Y)/ω of out_0 at 100 GHz, 40.78 aF with the 40 aF capacitor, 0.78 aF without it).
_CATEGORICAL_RESIDUAL_CAPACITANCE = 7.8e-19
#: SDE ensemble length over the SPICE record length (its SE is then ~1/3 of SPICE's) [-].
_CATEGORICAL_SDE_FACTOR = 10.0


def check_categorical_design(card: str = "generic", temperature: float = 300.0, *, workers: int = 2):
    """The checked categorical cell: the default design with its devices calibrated from ``card``.

    Parameters
    ----------
    card : str
        Model card ("generic") [-].
    temperature : float
        Calibration (and check) temperature [K].
    workers : int
        Concurrent ngspice runs [-].

    Returns
    -------
    (CategoricalDesign, dict, tuple)
        The design, ``{"nmos": Calibration, "pmos": Calibration}`` and the check's control
        voltages ``v_nominal + CATEGORICAL_CONTROL_OFFSETS`` [V].
    """
    from noisecircuits.circuits.categorical import CategoricalDesign

    _, cal_card = check_card(card)
    t = in_range("temperature", temperature, *TEMPERATURE_RANGE, "K")
    base = CategoricalDesign.default()
    if base.n_states != 4:
        raise ParameterError("the categorical netlist template has 4 states")
    cals = {"nmos": _calibrated(cal_card, base.nmos, t, workers), "pmos": _calibrated(cal_card, base.pmos, t, workers)}
    design = replace(base, nmos=cals["nmos"].params, pmos=cals["pmos"].params)
    controls = tuple(design.v_nominal + d for d in CATEGORICAL_CONTROL_OFFSETS)
    return design, cals, controls


def _categorical_budgets(design, cals, controls, t, law, duration, sample, seed, cal_card, workers):
    """Model-mismatch budgets of the occupations [-] and of ln τ [-] (docstring of check_categorical)."""
    from noisecircuits.validation.cell_laws import (
        categorical_law,
        differential_log_errors,
        softmax_budget,
        softmax_width,
        thermal_gate_scale,
    )

    occ, tau = law["occupations"], law["tau_s"]
    width = softmax_width(controls, occ)
    v_sg = [design.supply_voltage - v for v in controls]
    diff = differential_log_errors(cal_card, design.pmos, t, v_sg, _PULLUP_V_SD, workers=workers)
    gate_errors = thermal_gate_scale(design.pmos, t) * np.abs(diff).max(axis=0)
    budget_occ = softmax_budget(occ, width, gate_errors)
    variants = []
    for name in ("nmos", "pmos"):
        eps = cals[name].max_abs_log_error
        dev = getattr(design, name)
        variants.append([replace(design, **{name: replace(dev, current_factor=dev.current_factor * math.exp(sg * eps))})
                         for sg in (1.0, -1.0)])
    variants.append([replace(design, node_capacitance=design.node_capacitance * (1 + _categorical_capacitance_budget()))])
    budget_lt = 0.0
    for group in variants:
        laws = [categorical_law(d, controls, t, duration, sample, seed) for d in group]
        budget_occ = budget_occ + np.max([np.abs(lw["occupations"] - occ) for lw in laws], axis=0)
        budget_lt += max(abs(math.log(lw["tau_s"] / tau)) for lw in laws)
    return budget_occ, budget_lt, width, gate_errors


def _categorical_capacitance_budget() -> float:
    """Relative node-capacitance budget of the categorical check [-]: residual device capacitance
    of a node of the capacitance-free card (measured by an AC analysis at 100 GHz at the check's
    controls, calibrated generic-dc devices: 0.78 aF, 1.9 % of 40 aF), the held-noise variance deficit
    of the fastest mode at N_T = timescale/4 (7.8 %), and the SDE ensemble's Euler–Maruyama variance
    excess dt/2τ (1.25 %)."""
    from noisecircuits.validation.cell_laws import SDE_STEPS_PER_TIMESCALE

    residual = _CATEGORICAL_RESIDUAL_CAPACITANCE / 4e-17
    return residual + (1.0 - held_noise_variance_ratio(_CATEGORICAL_NOISE_STEP_PER_TIMESCALE)) + \
        0.5 / SDE_STEPS_PER_TIMESCALE


def check_categorical(card: str = "generic", temperature: float = 300.0, *, seed=0, correlation_times: float = 400.0,
                      workers: int = 2, keep=None, timeout: float = 1800.0, v_controls=None) -> pd.DataFrame:
    r"""Occupations and correlation time of the 4-state categorical cell at 4 distinct controls: ngspice vs its Itô law.

    Circuit: :func:`check_categorical_design` (default design, devices calibrated from the
    card) at the distinct controls ``v_nominal + CATEGORICAL_CONTROL_OFFSETS``. The netlist
    carries the Itô drift correction on every node (``@ito``). The cell's own law is its Itô
    SDE, estimated by an Euler–Maruyama ensemble (16 paths, 10× the SPICE record) with the
    estimators applied to the SPICE record: occupation of the highest node, correlation time
    = the integrated autocorrelation time of the state indicators pooled over the states
    (:func:`noisecircuits.validation.cell_laws.tau_and_stderr`).

    Budget (model mismatch, derived from measured errors):

    * occupations: (i) the pull-ups' current error *relative to each other* (MP0..MP3 are
      identical devices a few mV apart; a common error is a common factor), measured in
      ngspice as ln(I_BSIM4/I_EKV) at each pull-up's V_SG, minus the mean over the four, at
      |V_SD| = 10, 60, 110 mV (largest of the three), converted to a gate-voltage error
      n_p U_T δ_k and propagated through the softmax law with the width w fitted to the SDE
      occupations; (ii) the common errors: the largest occupation change of the SDE law when
      all inhibitors' or all pull-ups' current is scaled by e^{±ε} (ε = the calibration's
      ``max_abs_log_error``), and for C × (1 + δ) (residual device capacitance, held-noise
      deficit at N_T = timescale/4, Euler–Maruyama variance excess);
    * correlation time: the largest |Δ ln τ| of the SDE law under the same three common
      perturbations, summed.

    Each perturbed law is an ensemble with the nominal one's seed; its statistical error (about
    √2 × the SDE SE) is part of the budget, which it enlarges. Tolerance = 4 × combined SE +
    budget.

    Parameters
    ----------
    card : str
        Model card ("generic") [-].
    temperature : float
        [K].
    seed : int or SeedSequence
        Root seed (SDE and ngspice seeds are spawned from it) [-].
    correlation_times : float
        SPICE record length in SDE correlation times [-].
    workers : int
        Concurrent ngspice runs (calibration) [-].
    keep : path-like, optional
        Keep the netlist and output [-].
    timeout : float
        ngspice limit [s].
    v_controls : sequence of 4 float, optional
        Control voltages instead of the check's [V].

    Returns
    -------
    pandas.DataFrame
        One row per quantity (``occupation_0..3``, ``correlation_time_s``): ``quantity, spice,
        spice_stderr, sde, sde_stderr, budget, tolerance, agrees, temperature_K, v_control_V,
        softmax_width_V, seed, duration_s, noise_step_s`` [SI].
    """
    from noisecircuits.analysis.occupation import state_occupations
    from noisecircuits.circuits.categorical import CategoricalCell
    from noisecircuits.spice.generate import categorical_netlist_text
    from noisecircuits.spice.runner import run_netlist
    from noisecircuits.spice.seeds import spice_seeds
    from noisecircuits.validation.cell_laws import agreement_frame, categorical_law, tau_and_stderr

    deck, cal_card = check_card(card)
    t = in_range("temperature", temperature, *TEMPERATURE_RANGE, "K")
    positive("correlation_times", correlation_times)
    design, cals, controls = check_categorical_design(card, t, workers=workers)
    if v_controls is not None:
        controls = tuple(float(v) for v in v_controls)
    cell = CategoricalCell(design, controls, t)
    noise_step = round_significant(_CATEGORICAL_NOISE_STEP_PER_TIMESCALE * cell.timescale, 3)
    sample = noise_step / 2
    sde_seed, spice_seed_root = _seed_children(seed)
    probe = categorical_law(design, controls, t, 2000 * cell.timescale, sample, sde_seed)
    duration = max(correlation_times * probe["tau_s"], _MIN_CATEGORICAL_SAMPLES * sample)
    law = categorical_law(design, controls, t, _CATEGORICAL_SDE_FACTOR * duration, sample, sde_seed)
    (s,) = spice_seeds(spice_seed_root, 1)
    netlist = categorical_netlist_text(design, deck, v_controls=controls, temperature=t, noise_step=noise_step,
                                       duration=duration, seed=s, sample_step=sample, max_step=sample)
    run = run_netlist(netlist, [f"v_out_{k}" for k in range(4)], name="categorical", keep=keep, timeout=timeout)
    frame = run.data[run.data["x"] > 0]
    spice_states = np.argmax(frame[[f"v_out_{k}" for k in range(4)]].to_numpy(), axis=1)
    occ_sp, occ_sp_se = state_occupations(spice_states, 4)
    tau_sp, tau_sp_se = tau_and_stderr(spice_states, 4, sample)
    budget_occ, budget_lt, width, _ = _categorical_budgets(design, cals, controls, t, law,
                                                           _CATEGORICAL_SDE_FACTOR * duration, sample, sde_seed,
                                                           cal_card, workers)
    rows = [(f"occupation_{k}", occ_sp[k], occ_sp_se[k], law["occupations"][k], law["occupations_stderr"][k],
             budget_occ[k]) for k in range(4)]
    rows.append(("correlation_time_s", tau_sp, tau_sp_se, law["tau_s"], law["tau_stderr_s"],
                 law["tau_s"] * (math.exp(budget_lt) - 1)))
    out = agreement_frame(rows, STATISTICAL_SIGMAS, {"temperature_K": t, "softmax_width_V": width, "seed": int(s),
                                                     "duration_s": duration, "noise_step_s": noise_step})
    out.insert(1, "v_control_V", [*controls, math.nan])
    use("bsim4", "ekv", "sarpeshkar1993", "wongzakai1965")
    return out


def _seed_children(seed):
    """Two independent child seeds (SDE, SPICE) of ``seed``."""
    from noisecircuits.spice.seeds import seed_sequence

    return tuple(seed_sequence(seed).spawn(2))
