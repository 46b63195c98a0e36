"""Hardware-aware updates: a calibrated p-bit cell model drives every spin update.

The local field :math:`I_i = \\sum_j J_{ij} s_j + h_i` becomes a control voltage through a
bias network of gain :math:`g` [V per unit field] and offset :math:`V_0` [V]:

.. math:: v_i = V_0 + g\\, I_i .

The cell then outputs +1 with its fitted probability :math:`P_1(v_i, T)` at the chip
temperature. Per-cell mismatch shifts the midpoint by :math:`\\delta_i \\sim N(0,
\\sigma_{v_{mid}})` and scales the width by :math:`1+\\epsilon_i`,
:math:`\\epsilon_i \\sim N(0, \\sigma_{rel})` (the cell's ``mismatch`` statistics, seeded):
:math:`P_{1,i}(v) = F((v - v_{mid} - \\delta_i) / (w (1 + \\epsilon_i)))` with
:math:`F(x) = P_1(v_{mid} + w x)` the nominal curve in units of its width :math:`w = v_{width}(T)`.

Ideal bias network: :math:`V_0 = v_{mid}(T)` and :math:`g = 2\\beta / (4 P_1'(v_{mid}))`, which
matches the slope of :math:`\\sigma(2\\beta I)` at :math:`I = 0`; for a logistic cell
:math:`P_1 = \\sigma((v - v_{mid})/v_{width})` this is exactly :math:`g = 2\\beta v_{width}(T)` and
the hardware update equals the heat-bath update :math:`P(s_i = 1) = \\sigma(2\\beta I_i)`.

Calibrated (inverse) bias network: a lookup-table DAC that sets

.. math:: v(I) = P_1^{-1}\\big(\\sigma(2\\beta I);\\ T_{design}\\big),

the inverse of the cell's own transfer law at the design temperature, so a cell at
:math:`T = T_{design}` outputs +1 with probability exactly :math:`\\sigma(2\\beta I)` whatever the
shape of its curve (probit, asymmetric two-rate law...), while a chip at another temperature
shows the distortion its drift causes. The linear network matches only the slope at
:math:`I = 0`, so a curve that is not logistic distorts the law even at the design temperature.
The map is tabulated on :data:`FIELD_POINTS` fields across the model's largest local field
(:math:`\\max_i |h_i| + \\sum_j |J_{ij}|`) and interpolated linearly, as the kernel reads it.

Finite correlation time: a cell read every ``update_interval`` :math:`\\Delta t` keeps its
previous output with probability :math:`e^{-\\Delta t / \\tau_c(v)}` and otherwise draws a fresh
sample (docs/physics.md §2: lag-1 correlation of a cell read every :math:`\\Delta t`).

The nominal curve and the keep probability are tabulated on a uniform grid of
:math:`x = (v - v_{mid})/w \\in [-40, 40]` (step 0.01; linear interpolation error below 1e-5)
and handed to the numba kernel, so any cell form (logistic, probit, measured) works. Outside
a calibrated cell's validity range the fitted law is extrapolated (its ``"ignore"`` policy).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from noisecircuits import _validate
from noisecircuits.citations import use
from noisecircuits.errors import NoisecircuitsError, ParameterError
from noisecircuits.gibbs._rng import as_seed_sequence

__all__ = ["HardwareMode", "KernelTables", "BIAS_NETWORKS", "FIELD_POINTS", "largest_field"]

_X_SPAN = 40.0
_X_STEP = 0.01
#: Bias networks from local field to cell bias (module docstring).
BIAS_NETWORKS = ("linear", "inverse")
#: Points of the tabulated inverse network across [-largest field, +largest field] [-].
FIELD_POINTS = 4001


def largest_field(model) -> float:
    """Largest |local field| any node of an Ising model can see: max_i |h_i| + sum_j |J_ij| [field unit]."""
    weights = np.abs(np.asarray(model.weights, dtype=float))
    sums = np.zeros(model.n_nodes)
    rows = np.repeat(np.arange(model.n_nodes), np.diff(np.asarray(model.indptr)))
    np.add.at(sums, rows, weights)
    return float(np.max(np.abs(np.asarray(model.biases, dtype=float)) + sums)) if model.n_nodes else 0.0


@dataclass(frozen=True)
class KernelTables:
    """Arrays the Ising kernel needs for hardware-aware updates.

    Attributes
    ----------
    offset_x, gain_x : ndarray, shape (n,)
        Per-node normalised control :math:`x_i = a_i + b_i I_i` [-].
    x0, dx : float
        First grid point and step of the tables [-].
    p_one, keep : ndarray
        Nominal :math:`F(x)` and keep probability :math:`e^{-\\Delta t/\\tau_c}` on the grid [-].
    network : ndarray, shape (m,)
        Inverse bias network: normalised bias :math:`u = (v(I) - v_{mid})/w` on the fields
        ``field0 + k dfield``, and then :math:`x_i = a_i + b_i u`; empty for the linear network
        (:math:`x_i = a_i + b_i I`) [-].
    field0, dfield : float
        First field and step of ``network`` [field unit].
    """

    offset_x: np.ndarray
    gain_x: np.ndarray
    x0: float
    dx: float
    p_one: np.ndarray
    keep: np.ndarray
    network: np.ndarray = field(default_factory=lambda: np.zeros(0))
    field0: float = 0.0
    dfield: float = 1.0

    def control(self, field) -> np.ndarray:
        """Normalised control :math:`x` of every node at local fields ``field`` (shape (..., n)) [-]."""
        field = np.asarray(field, dtype=float)
        if self.network.size:
            grid = self.field0 + self.dfield * np.arange(self.network.size)
            field = np.interp(field, grid, self.network)
        return self.offset_x + self.gain_x * field


@dataclass(frozen=True, eq=False)
class HardwareMode:
    """A calibrated cell model in place of the ideal heat-bath update.

    Parameters
    ----------
    cell : object
        Any object with ``p_one(v_bias, temperature)``, ``v_mid(temperature)``,
        ``v_width(temperature)``, ``correlation_time(v_bias, temperature)`` and a
        ``mismatch`` dict (``v_mid_sigma_V``, ``v_width_rel_sigma``) — e.g. a
        ``noisecircuits.load_cell`` result.
    temperature : float
        Chip temperature [K].
    update_interval : float
        Time between two updates of the same cell [s]; 0 means every read is fresh.
    gain : float, optional
        Bias-network gain g [V per unit field]; default: the ideal gain at the design
        temperature (see module). Linear network only.
    offset : float, optional
        Bias-network offset :math:`V_0` [V]; default :math:`v_{mid}(T_{design})`. Linear network only.
    mismatch : bool
        Draw per-cell mismatch from the cell's statistics.
    mismatch_seed : int, SeedSequence or Generator, optional
        Seed of the mismatch draw (the chip instance).
    bias_network : str
        ``"linear"`` (:math:`v = V_0 + g I`) or ``"inverse"`` (the lookup-table DAC
        :math:`v = P_1^{-1}(\\sigma(2\\beta I); T_{design})`) [-].
    design_temperature : float, optional
        Temperature the bias network is calibrated at; default the chip ``temperature`` [K].
    """

    cell: object
    temperature: float = 300.0
    update_interval: float = 0.0
    gain: float | None = None
    offset: float | None = None
    mismatch: bool = False
    mismatch_seed: object = 0
    bias_network: str = "linear"
    design_temperature: float | None = None

    def __post_init__(self):
        _validate.positive("temperature", self.temperature, "K")
        _validate.non_negative("update_interval", self.update_interval, "s")
        if self.gain is not None:
            _validate.finite("gain", self.gain, "V")
        if self.offset is not None:
            _validate.finite("offset", self.offset, "V")
        for method in ("p_one", "v_mid", "v_width", "correlation_time"):
            if not callable(getattr(self.cell, method, None)):
                raise ParameterError(f"cell must provide {method}(...); got an object of type {type(self.cell).__name__}")
        if self.bias_network not in BIAS_NETWORKS:
            raise ParameterError(f"bias network must be one of {', '.join(BIAS_NETWORKS)}, got {self.bias_network!r}")
        if self.bias_network == "inverse" and (self.gain is not None or self.offset is not None):
            raise ParameterError("a gain or offset applies to the linear bias network only, not to the inverse one")
        if self.design_temperature is not None:
            _validate.positive("design temperature", self.design_temperature, "K")

    @property
    def network_temperature(self) -> float:
        """Temperature the bias network is calibrated at [K]."""
        return float(self.temperature if self.design_temperature is None else self.design_temperature)

    def describe_network(self) -> dict:
        """The bias network as JSON-ready data: ``kind`` and ``design_temperature_K`` [-, K]."""
        return {"kind": self.bias_network, "design_temperature_K": self.network_temperature}

    def _nominal(self, temperature=None):
        temperature = self.temperature if temperature is None else temperature
        v_mid = float(self.cell.v_mid(temperature))
        width = float(self.cell.v_width(temperature))
        if not np.isfinite(width) or width <= 0:
            raise ParameterError(f"cell v_width must be > 0 [V], got {width!r}")
        return v_mid, width

    def _curve_cell(self):
        """The cell used to tabulate its curves: outside the validity range the fitted law is
        extrapolated silently (a calibrated model's ``on_out_of_range="ignore"``), since the
        table spans ±40 widths while the calibration data cover only the transition."""
        relax = getattr(self.cell, "with_out_of_range", None)
        return relax("ignore") if callable(relax) else self.cell

    def _evaluate(self, method, volts, temperature=None):
        """Evaluate a cell method on a voltage grid; points where it refuses take the nearest value it gives."""
        temperature = self.temperature if temperature is None else temperature
        try:
            return np.asarray(method(volts, temperature), dtype=float) * np.ones_like(volts)
        except NoisecircuitsError:
            values = np.full(volts.shape, np.nan)
            for k, v in enumerate(volts):
                try:
                    values[k] = float(method(float(v), temperature))
                except NoisecircuitsError:
                    pass
            valid = np.flatnonzero(np.isfinite(values))
            if valid.size == 0:
                raise ParameterError("the cell model cannot be evaluated anywhere near its midpoint") from None
            return np.interp(np.arange(volts.size), valid, values[valid])

    def ideal_gain(self, beta: float) -> float:
        """Gain that matches :math:`\\sigma(2\\beta I)` at I = 0 at the design temperature [V per unit field]."""
        temperature = self.network_temperature
        v_mid, width = self._nominal(temperature)
        h = 1e-3 * width
        slope = (self.cell.p_one(v_mid + h, temperature) - self.cell.p_one(v_mid - h, temperature)) / (2 * h)
        if not np.isfinite(slope) or slope <= 0:
            raise ParameterError(f"cell P(1) must increase through v_mid, got slope {slope!r} [1/V]")
        return 2.0 * beta / (4.0 * float(slope))

    def inverse_bias(self, field, beta: float) -> np.ndarray:
        """Bias :math:`v(I) = P_1^{-1}(\\sigma(2\\beta I); T_{design})` of the inverse network [V].

        The cell's curve at the design temperature is tabulated on ±40 widths about its
        midpoint and inverted in log-odds (linear interpolation over the branch through the
        midpoint on which it rises strictly); a target beyond that branch's odds takes its end
        bias (the DAC's rail).

        Parameters
        ----------
        field : array_like
            Local fields [field unit].
        beta : float
            Inverse temperature of the model [1/field unit].
        """
        temperature = self.network_temperature
        v_mid, width = self._nominal(temperature)
        volts = v_mid + width * np.arange(-_X_SPAN, _X_SPAN + 0.5 * _X_STEP, _X_STEP)
        p = np.clip(self._evaluate(self._curve_cell().p_one, volts, temperature), 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = np.log(p) - np.log1p(-p)
        # the branch through the midpoint on which the log-odds rise strictly (a fitted law
        # extrapolated far into its tails may turn back; the DAC never leaves this branch)
        centre = volts.size // 2
        rises = np.isfinite(odds[1:]) & np.isfinite(odds[:-1]) & (odds[1:] > odds[:-1])
        right = centre + int(np.argmin(np.append(rises[centre:], False)))
        left = centre - int(np.argmin(np.append(rises[:centre][::-1], False)))
        odds, volts = odds[left : right + 1], volts[left : right + 1]
        if odds.size < 2:
            raise ParameterError("the cell's P(1) must rise with v_bias near its midpoint to build the inverse bias network")
        return np.interp(2.0 * float(beta) * np.asarray(field, dtype=float), odds, volts)

    def tables(self, n_nodes: int, beta: float, field_bound: float | None = None) -> KernelTables:
        """Per-node coefficients and the tabulated curve for ``n_nodes`` cells at inverse temperature ``beta``.

        ``field_bound`` [field unit] is the largest |local field| of the model; the inverse
        network is tabulated across ±``field_bound`` and needs it.
        """
        use("camsari2017")
        v_mid, width = self._nominal()
        if self.bias_network == "inverse":
            if field_bound is None or not np.isfinite(field_bound) or field_bound < 0:
                raise ParameterError("the inverse bias network needs the model's largest local field (>= 0)")
            bound = max(float(field_bound), 1e-12)
            field0, dfield = -bound, 2.0 * bound / (FIELD_POINTS - 1)
            network = (self.inverse_bias(field0 + dfield * np.arange(FIELD_POINTS), beta) - v_mid) / width
            # x_i = (v - v_mid - shift_i) / cell_width_i = u width / cell_width_i - shift_i / cell_width_i
            gain, offset = width, v_mid
        else:
            network, field0, dfield = np.zeros(0), 0.0, 1.0
            gain = self.ideal_gain(beta) if self.gain is None else float(self.gain)
            offset = float(self.cell.v_mid(self.network_temperature)) if self.offset is None else float(self.offset)
        shift = np.zeros(n_nodes)
        scale = np.ones(n_nodes)
        if self.mismatch:
            stats = dict(getattr(self.cell, "mismatch", {}) or {})
            sigma_mid = _validate.non_negative("mismatch v_mid_sigma_V", stats.get("v_mid_sigma_V", 0.0), "V")
            sigma_rel = _validate.non_negative("mismatch v_width_rel_sigma", stats.get("v_width_rel_sigma", 0.0))
            rng = np.random.default_rng(as_seed_sequence(self.mismatch_seed))
            shift = rng.normal(0.0, sigma_mid, n_nodes) if sigma_mid > 0 else shift
            scale = np.maximum(1.0 + rng.normal(0.0, sigma_rel, n_nodes), 0.05) if sigma_rel > 0 else scale
        cell_width = width * scale
        x = np.arange(-_X_SPAN, _X_SPAN + 0.5 * _X_STEP, _X_STEP)
        volts = v_mid + width * x
        curve_cell = self._curve_cell()
        p_one = np.clip(self._evaluate(curve_cell.p_one, volts), 0.0, 1.0)
        if self.update_interval > 0:
            tau = self._evaluate(curve_cell.correlation_time, volts)
            if np.any(~np.isfinite(tau)) or np.any(tau <= 0):
                raise ParameterError("cell correlation_time must be finite and > 0 [s]")
            keep = np.exp(-self.update_interval / tau)
        else:
            keep = np.zeros_like(x)
        return KernelTables(
            offset_x=(offset - v_mid - shift) / cell_width,
            gain_x=gain / cell_width,
            x0=float(x[0]),
            dx=_X_STEP,
            p_one=np.ascontiguousarray(p_one),
            keep=np.ascontiguousarray(keep),
            network=np.ascontiguousarray(network),
            field0=float(field0),
            dfield=float(dfield),
        )
