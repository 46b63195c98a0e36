"""Decision variables, objective and constraints of a p-bit design, declared as data.

A :class:`DesignProblem` holds everything the optimiser needs, so a user can change a bound,
drop a constraint or add one without touching the optimiser:

* :class:`Variable`: a drawn size or voltage with its box, searched on a log scale where it
  spans decades;
* :class:`Constraint`: ``lower <= value(metrics) <= upper`` on the exact figures of
  :class:`~noisecircuits.design.evaluate.DesignMetrics`;
* the objective: energy per independent sample ``2 P τ_c`` plus an optional read-out energy
  per sample, or (under an energy budget) the correlation time itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from noisecircuits import _validate
from noisecircuits.design.evaluate import WEAK_INVERSION_LIMIT
from noisecircuits.design.geometry import BIAS_WIDTH, PBitGeometry
from noisecircuits.design.process import Process
from noisecircuits.errors import ParameterError

__all__ = ["Variable", "Constraint", "DesignProblem", "default_variables", "default_constraints"]

#: Default smallest effective barrier over the temperature range [kT]: clearly two wells.
MIN_BARRIER_KT = 0.5
#: Default band of the logistic transfer width over the temperature range [V].
TRANSFER_WIDTH_BAND = (0.5e-3, 50e-3)
#: Default largest first-order sigma of v_mid under mismatch (a per-cell trim range of +-3 sigma
#: must fit the control range) [V].
MAX_OFFSET_SIGMA = 0.1
#: Largest inversion coefficient accepted as weak inversion [-] (where 2qI holds: evaluate.py).
MAX_INVERSION_COEFFICIENT = WEAK_INVERSION_LIMIT
#: Relative band around the target correlation time accepted by the optimiser [-].
TAU_TOLERANCE = 0.05
#: Box of V_dd at the target temperature (searched, or solved for the target where the threshold
#: shift cannot reach it): a minimum-size latch loses bistability near 56-64 mV, larger nodes
#: lower (their barrier grows with C), and from 75 mV the card's fF latches carry over 10 kT
#: (tau_c of ms and more) [V].
SUPPLY_BOX = (0.045, 0.09)
#: Span of the searched supply above the latch's bistable edge, with the threshold shift solved:
#: the energy at a fixed target rises about e-fold per mV above the edge (docs/design.md), so
#: the useful supplies are a few mV of the 45 mV box [V].
SUPPLY_MARGIN = 8e-3
#: Supply tracking of the search unless stated (measured choice: docs/design.md) [-].
DEFAULT_SUPPLY_TRACKING = "ptat"
#: Geometry fields a variable may be (all but the supply-tracking choice and its reference).
NUMERIC_FIELDS = frozenset(PBitGeometry.__dataclass_fields__) - {"supply_tracking", "supply_reference_temperature"}
#: Variables that can be solved for the target, in the order ``solve_for="auto"`` prefers them
#: (:mod:`noisecircuits.design.target_solve`).
SOLVED_VARIABLES = ("threshold_shift", "supply_voltage")
#: Choices of :attr:`DesignProblem.solve_for`.
SOLVE_FOR = ("auto", *SOLVED_VARIABLES, "none")
#: A variable that stands for v_ref: the log of the tilt-to-latch current ratio (:func:`v_ref_for_tilt`).
TILT_LOG_RATIO = "tilt_log_ratio"
#: Box of the tilt-to-latch log current ratio: above about -1.5 the tilt devices out-pull the
#: latch and it is not bistable; below about -8 the offset spread leaves any trim range [-].
TILT_LOG_RATIO_BOX = (-8.0, 0.0)


@dataclass(frozen=True)
class Variable:
    """One decision variable: a field of :class:`~noisecircuits.design.geometry.PBitGeometry`.

    Parameters
    ----------
    name : str
        The geometry field [-].
    low, high : float
        Box of the search, in the field's unit ([V], [m] or [F]).
    log : bool
        Search on a logarithmic scale (needs ``low > 0``) [-].
    """

    name: str
    low: float
    high: float
    log: bool = True

    def __post_init__(self):
        if self.name not in NUMERIC_FIELDS | {TILT_LOG_RATIO}:
            raise ParameterError(f"design variable must be one of {sorted(NUMERIC_FIELDS | {TILT_LOG_RATIO})}, "
                                 f"got {self.name!r}")
        _validate.finite(f"{self.name} low", self.low)
        _validate.finite(f"{self.name} high", self.high)
        if not self.low < self.high or (self.log and self.low <= 0):
            raise ParameterError(f"design variable {self.name}: need 0 < low < high for a log scale, or low < high")

    def from_unit(self, u: float) -> float:
        """Value at position ``u`` in [0, 1] of the box."""
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            return math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)

    def to_unit(self, value: float) -> float:
        """Position of ``value`` in the box, in [0, 1]."""
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (value - self.low) / (self.high - self.low)


@dataclass(frozen=True)
class Constraint:
    """``lower <= value(metrics, problem) <= upper``; either bound may be None.

    Parameters
    ----------
    name : str
        Name reported in ``active_constraints`` [-].
    value : callable
        ``value(metrics, problem) -> float`` in the constraint's unit.
    lower, upper : float or None
        Bounds, in the constraint's unit.
    unit : str
        Unit of the value, e.g. ``"kT"`` or ``"V"``.
    scale : float
        Typical size of the value, used to normalise violations [unit].
    description : str
        One line saying what the constraint asks.
    """

    name: str
    value: Callable
    lower: float | None = None
    upper: float | None = None
    unit: str = ""
    scale: float = 1.0
    description: str = ""

    def slacks(self, metrics, problem) -> list[float]:
        """Normalised slack of each bound (>= 0 when met); a non-finite value violates by 1e3."""
        v = self.value(metrics, problem)
        out = []
        for bound, sign in ((self.lower, 1.0), (self.upper, -1.0)):
            if bound is None:
                continue
            out.append(sign * (v - bound) / self.scale if math.isfinite(v) else -1e3)
        return out


def _tau_log_ratio(m, problem):
    return math.log(m.correlation_time_s / problem.target_tau) if problem.target_tau else 0.0


def _control_margin(m, problem):
    from noisecircuits.circuits.pbit import V_BIAS_RANGE

    reach = 3.0 * m.max_transfer_width_V  # P(1) = sigma(3) = 0.95 at three widths
    return min(m.v_bias_V - reach - V_BIAS_RANGE[0], V_BIAS_RANGE[1] - m.v_bias_V - reach)


def default_constraints(target_tau: float | None, max_energy: float | None) -> tuple[Constraint, ...]:
    """The stated constraints (docs/design.md): target, barrier, control range, width, offset, weak inversion."""
    constraints = []
    if target_tau is not None:
        band = math.log1p(TAU_TOLERANCE)
        constraints.append(Constraint("correlation_time", _tau_log_ratio, -band, band, "ln(tau/target)", band,
                                      "exact tau_c within 5 % of the target at the target temperature"))
    if max_energy is not None:
        constraints.append(Constraint("max_energy", lambda m, p: math.log(m.energy_per_sample_J / p.max_energy),
                                      None, 0.0, "ln(E/E_max)", 0.05, "energy per sample within the budget"))
    constraints += [
        Constraint("min_barrier", lambda m, p: m.min_barrier_kT, MIN_BARRIER_KT, None, "kT", 0.5,
                   "effective barrier over the temperature range: the latch stays bistable"),
        Constraint("control_range", _control_margin, 0.0, None, "V", 0.01,
                   "P(1) from 0.05 to 0.95 reachable inside the control-voltage range"),
        Constraint("transfer_width", lambda m, p: m.transfer_width_V, TRANSFER_WIDTH_BAND[0], None, "V", 1e-3,
                   "transfer width not below the control resolution"),
        Constraint("transfer_width_max", lambda m, p: m.max_transfer_width_V, None, TRANSFER_WIDTH_BAND[1], "V",
                   1e-2, "transfer width not above the band"),
        Constraint("offset_spread", lambda m, p: m.offset_sigma_V, None, MAX_OFFSET_SIGMA, "V", 0.02,
                   "first-order sigma of v_mid under Pelgrom mismatch within the trim range"),
        Constraint("weak_inversion", lambda m, p: m.max_inversion_coefficient, None, MAX_INVERSION_COEFFICIENT, "-",
                   0.05, "every device in weak inversion at the fixed points"),
    ]
    return tuple(constraints)


def default_variables(process: Process) -> tuple[Variable, ...]:
    """Supply voltage, latch W and L, tilt-device W and L, explicit capacitor, the tilt reference
    voltage (as the tilt-to-latch log current ratio, :func:`v_ref_for_tilt`),
    latch threshold shift (only where the card offers one: a card with ``max_threshold_shift`` = 0
    has no such variable); boxes inside the card, the supply box the card's own where it states one."""
    shift = (Variable("threshold_shift", 0.0, process.max_threshold_shift, log=False),) \
        if process.max_threshold_shift > 0 else ()
    return (
        Variable("supply_voltage", *(process.supply_box or SUPPLY_BOX), log=False),
        Variable("latch_width", process.min_width, min(4e-6, process.max_width)),
        Variable("latch_length", process.min_length, min(4e-6, process.max_length)),
        Variable("bias_width", process.min_width, min(2e-6, process.max_width)),
        Variable("bias_length", max(0.5e-6, process.min_length), min(20e-6, process.max_length)),
        Variable("extra_capacitance", 0.0, 2e-15, log=False),
        Variable(TILT_LOG_RATIO, *TILT_LOG_RATIO_BOX, log=False),
        *shift,
    )


def v_ref_for_tilt(log_ratio: float, values: dict, process: Process, temperature: float) -> float:
    r"""The v_ref at which MNbias at v_mid carries ``e**log_ratio`` times a latch pull-up's current [V].

    In weak inversion (EKV, :math:`I_{spec} = 2n\beta U_T^2`) a latch pull-up (gate at 0, source
    at V_dd) carries :math:`2n_p\beta_p U_T^2 e^{(V_{dd} - |V_{Tp}| + \Delta V_T)/(n_pU_T)}` and
    MNbias, at the bias :math:`v_{ref} + n_nU_T\ln 2` near v_mid,
    :math:`2\cdot 2n_n\beta_b U_T^2 e^{(v_{ref} - V_{Tn})/(n_nU_T)}`, each times the same drain
    factor :math:`1 - e^{-V_{DS}/U_T}` at equal drain voltages. A ratio :math:`\rho` of the two fixes

    .. math:: v_{ref} = V_{Tn} + n_nU_T\left(\rho - \ln\frac{2n_n\beta_b}{n_p\beta_p}\right)
              + \frac{n_n}{n_p}\,(V_{dd} - |V_{Tp}| + \Delta V_T).

    Searching :math:`\rho` instead of v_ref keeps the latch bistable over most of the box: at a
    fixed v_ref, a few tens of mV of V_dd or threshold shift move the ratio by e-folds, and
    the bistable set is a thin sheet (docs/design.md).

    Parameters
    ----------
    log_ratio : float
        ln(I_MNbias / I_pull-up) [-].
    values : dict
        Geometry fields (``supply_voltage``, ``threshold_shift``, the four sizes) [V, m].
    process : Process
        The card [-].
    temperature : float
        Temperature of the target, at which the ratio holds [K].
    """
    from noisecircuits.constants import thermal_voltage

    u_t = thermal_voltage(temperature)
    n_n, n_p = process.nmos_slope_factor, process.pmos_slope_factor
    beta_b = process.nmos_mobility_cox * values.get("bias_width", BIAS_WIDTH) / values["bias_length"]
    beta_p = process.pmos_mobility_cox * values["latch_width"] / values["latch_length"]
    pull_up_drive = values["supply_voltage"] - process.pmos_threshold + values.get("threshold_shift", 0.0)
    return (process.nmos_threshold + n_n * u_t * (log_ratio - math.log(2.0 * n_n * beta_b / (n_p * beta_p)))
            + (n_n / n_p) * pull_up_drive)


@dataclass(frozen=True)
class DesignProblem:
    """Everything the optimiser needs.

    Parameters
    ----------
    process : Process
        The card [-].
    target_tau : float or None
        Target correlation time at ``temperature`` [s]; None under an energy budget only.
    temperature : float
        Temperature of the target [K].
    temperature_range : (float, float)
        Range over which the constraints hold [K].
    max_energy : float or None
        Energy budget per sample; with no target the fastest cell under it is sought [J].
    readout_energy : float
        Read-out energy added to every sample's energy in the objective [J].
    variables : tuple of Variable
        Decision variables; the rest of the geometry from ``fixed`` [-].
    constraints : tuple of Constraint
        Constraints on the exact figures [-].
    fixed : dict
        Geometry fields that are not searched (e.g. ``v_ref``) [field units].
    supply_tracking : str
        ``"fixed"`` or ``"ptat"``; a PTAT supply takes ``supply_voltage`` at ``temperature`` [-].
    solve_for : str
        With a target, the variable solved for it at each point instead of searched
        (:mod:`noisecircuits.design.target_solve`): ``"threshold_shift"`` (where the box of the
        shift cannot reach the target, the shift is held at that end and the supply solved
        instead), ``"supply_voltage"``, ``"none"`` (every variable searched, the target a
        constraint band), or ``"auto"``: the shift where it is a variable, else the supply [-].
    supply_margin : float or None
        With the shift solved, the searched supply coordinate spans V_dd from the latch's
        bistable edge over the temperatures (at the full shift, :func:`~noisecircuits.design.
        target_solve.bistable_edge`) to this far above it, clipped to the supply box; None: the
        supply box itself [V].
    """

    process: Process
    target_tau: float | None
    temperature: float = 300.0
    temperature_range: tuple[float, float] = (280.0, 340.0)
    max_energy: float | None = None
    readout_energy: float = 0.0
    variables: tuple = ()
    constraints: tuple = ()
    fixed: dict = field(default_factory=dict)
    supply_tracking: str = DEFAULT_SUPPLY_TRACKING
    solve_for: str = "auto"
    supply_margin: float | None = SUPPLY_MARGIN

    def __post_init__(self):
        from noisecircuits.circuits.pbit import SUPPLY_TRACKING

        if self.supply_tracking not in SUPPLY_TRACKING:
            raise ParameterError(f"--supply must be one of {', '.join(SUPPLY_TRACKING)}, got {self.supply_tracking!r}")
        if self.target_tau is None and self.max_energy is None:
            raise ParameterError("give --target-tau S, --max-energy J or both")
        if self.target_tau is not None:
            _validate.positive("--target-tau", self.target_tau, "s")
        if self.max_energy is not None:
            _validate.positive("--max-energy", self.max_energy, "J")
        _validate.non_negative("readout_energy", self.readout_energy, "J")
        low, high = self.temperature_range
        if not low <= self.temperature <= high:
            raise ParameterError(f"--temperature {self.temperature:g} K must lie inside --temperature-range "
                                 f"{low:g}:{high:g} K")
        if not self.variables:
            object.__setattr__(self, "variables", default_variables(self.process))
        if not self.constraints:
            object.__setattr__(self, "constraints", default_constraints(self.target_tau, self.max_energy))
        names = [v.name for v in self.variables]
        if self.solve_for not in SOLVE_FOR:
            raise ParameterError(f"solve_for must be one of {', '.join(SOLVE_FOR)}, got {self.solve_for!r}")
        if self.solve_for in SOLVED_VARIABLES and self.solve_for not in names:
            raise ParameterError(f"solve_for {self.solve_for!r} is not among the variables ({', '.join(names)})")

    def margin_index(self) -> int | None:
        """Index of the supply where it is searched as a margin above the bistable edge (else None)."""
        return self.fallback_index() if self.supply_margin is not None else None

    def solved_name(self) -> str | None:
        """The variable solved for the target (None when every variable is searched)."""
        if self.target_tau is None or self.solve_for == "none":
            return None
        names = [v.name for v in self.variables]
        if self.solve_for != "auto":
            return self.solve_for
        return next((name for name in SOLVED_VARIABLES if name in names), None)

    def solved_index(self) -> int | None:
        """Index among the variables of the one solved for the target, or None when all are searched."""
        name = self.solved_name()
        return None if name is None else [v.name for v in self.variables].index(name)

    def fallback_index(self) -> int | None:
        """Index of the supply, solved where the threshold shift's box cannot reach the target (else None)."""
        names = [v.name for v in self.variables]
        if self.solved_name() != "threshold_shift" or "supply_voltage" not in names:
            return None
        return names.index("supply_voltage")

    def searched_variables(self) -> tuple:
        """The variables the optimiser draws (all but the solved one)."""
        index = self.solved_index()
        return tuple(v for k, v in enumerate(self.variables) if k != index)

    def geometry(self, unit_point) -> PBitGeometry:
        """Geometry at a point of the unit cube of the variables."""
        values = {"supply_tracking": self.supply_tracking, "supply_reference_temperature": self.temperature,
                  **self.fixed}
        values.update({v.name: v.from_unit(u) for v, u in zip(self.variables, unit_point, strict=True)})
        defaults = {"supply_voltage": 0.08, "latch_width": 1e-6, "latch_length": 1e-6, "bias_length": 20e-6}
        values = {**defaults, **values}
        if TILT_LOG_RATIO in values:
            values["v_ref"] = v_ref_for_tilt(values.pop(TILT_LOG_RATIO), values, self.process, self.temperature)
        return PBitGeometry(**values)

    def unit_point(self, geometry: PBitGeometry) -> tuple:
        """Position of ``geometry`` in the unit cube of the variables (inverse of :meth:`geometry`) [-].

        The tilt ratio comes from the geometry's v_ref by inverting :func:`v_ref_for_tilt` (linear
        in the ratio); a value outside a variable's box gives a position outside [0, 1].
        """
        from noisecircuits.constants import thermal_voltage

        values = {name: getattr(geometry, name) for name in PBitGeometry.__dataclass_fields__}
        out = []
        for v in self.variables:
            if v.name == TILT_LOG_RATIO:
                offset = v_ref_for_tilt(0.0, values, self.process, self.temperature)
                value = (geometry.v_ref - offset) / (self.process.nmos_slope_factor * thermal_voltage(self.temperature))
            else:
                value = values[v.name]
            out.append(v.to_unit(value))
        return tuple(out)

    def with_bound(self, name: str, lower=None, upper=None) -> DesignProblem:
        """A copy with constraint ``name``'s bounds replaced where given."""
        changed = tuple(replace(c, lower=c.lower if lower is None else lower, upper=c.upper if upper is None else upper)
                        if c.name == name else c for c in self.constraints)
        return replace(self, constraints=changed)
