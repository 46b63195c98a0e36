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

Finite correlation time: a cell read every ``update_interval`` :math:`\\Delta t` keeps its
previous output with probability :math:`e^{-\\Delta t / \\tau_c(v)}` and otherwise draws a fresh
sample (docs/physics.md §2: lag-1 correlation of a cell read every :math:`\\Delta t`).

The nominal curve and the keep probability are tabulated on a uniform grid of
:math:`x = (v - v_{mid})/w \\in [-40, 40]` (step 0.01; linear interpolation error below 1e-5)
and handed to the numba kernel, so any cell form (logistic, probit, measured) works. Outside
a calibrated cell's validity range the fitted law is extrapolated (its ``"ignore"`` policy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noisecircuits import _validate
from noisecircuits.citations import use
from noisecircuits.errors import NoisecircuitsError, ParameterError
from noisecircuits.gibbs._rng import as_seed_sequence

__all__ = ["HardwareMode", "KernelTables"]

_X_SPAN = 40.0
_X_STEP = 0.01


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
    """

    offset_x: np.ndarray
    gain_x: np.ndarray
    x0: float
    dx: float
    p_one: np.ndarray
    keep: np.ndarray


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
        Bias-network gain g [V per unit field]; default: the ideal gain (see module).
    offset : float, optional
        Bias-network offset :math:`V_0` [V]; default :math:`v_{mid}(T)`.
    mismatch : bool
        Draw per-cell mismatch from the cell's statistics.
    mismatch_seed : int, SeedSequence or Generator, optional
        Seed of the mismatch draw (the chip instance).
    """

    cell: object
    temperature: float = 300.0
    update_interval: float = 0.0
    gain: float | None = None
    offset: float | None = None
    mismatch: bool = False
    mismatch_seed: object = 0

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

    def _nominal(self):
        v_mid = float(self.cell.v_mid(self.temperature))
        width = float(self.cell.v_width(self.temperature))
        if not np.isfinite(width) or width <= 0:
            raise ParameterError(f"cell v_width must be > 0 [V], got {width!r}")
        return v_mid, width

    def _curve_cell(self):
        """The cell used to tabulate its curves: outside the validity range the fitted law is
        extrapolated silently (a calibrated model's ``on_out_of_range="ignore"``), since the
        table spans ±40 widths while the calibration data cover only the transition."""
        relax = getattr(self.cell, "with_out_of_range", None)
        return relax("ignore") if callable(relax) else self.cell

    def _evaluate(self, method, volts):
        """Evaluate a cell method on a voltage grid; points where it refuses take the nearest value it gives."""
        try:
            return np.asarray(method(volts, self.temperature), dtype=float) * np.ones_like(volts)
        except NoisecircuitsError:
            values = np.full(volts.shape, np.nan)
            for k, v in enumerate(volts):
                try:
                    values[k] = float(method(float(v), self.temperature))
                except NoisecircuitsError:
                    pass
            valid = np.flatnonzero(np.isfinite(values))
            if valid.size == 0:
                raise ParameterError("the cell model cannot be evaluated anywhere near its midpoint") from None
            return np.interp(np.arange(volts.size), valid, values[valid])

    def ideal_gain(self, beta: float) -> float:
        """Gain that matches :math:`\\sigma(2\\beta I)` at I = 0 [V per unit field]."""
        v_mid, width = self._nominal()
        h = 1e-3 * width
        slope = (self.cell.p_one(v_mid + h, self.temperature) - self.cell.p_one(v_mid - h, self.temperature)) / (2 * h)
        if not np.isfinite(slope) or slope <= 0:
            raise ParameterError(f"cell P(1) must increase through v_mid, got slope {slope!r} [1/V]")
        return 2.0 * beta / (4.0 * float(slope))

    def tables(self, n_nodes: int, beta: float) -> KernelTables:
        """Per-node coefficients and the tabulated curve for ``n_nodes`` cells at inverse temperature ``beta``."""
        use("camsari2017")
        v_mid, width = self._nominal()
        gain = self.ideal_gain(beta) if self.gain is None else float(self.gain)
        offset = v_mid if self.offset is None else float(self.offset)
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
        )
