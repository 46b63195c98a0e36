"""Hardware-aware Potts updates: a calibrated categorical (p-dit) cell draws every node.

A categorical cell with N = q states outputs state a with the calibrated log-linear law

.. math:: P(a \\mid v) \\propto \\exp(\\theta_a + b\\, v_a),

one control voltage :math:`v_a` per state (:class:`noisecircuits.cells.model.CategoricalCellModel`).
A bias network turns the Potts logit of node i, :math:`L_{i,a} = h_{i,a} + \\sum_j J_{ij}\\,
\\delta(a, s_j)`, into the controls

.. math:: v_{i,a} = V_a + \\delta_{i,a} + g\\, L_{i,a},

with offsets :math:`V_a` [V], a per-cell offset mismatch :math:`\\delta_{i,a} \\sim N(0, \\sigma)`
[V] (seeded) and gain g [V per unit logit]. The cell then draws a with probability
:math:`\\propto \\exp(b g L_{i,a} + \\theta_a + b V_a + b \\delta_{i,a})`: exactly a heat-bath Potts
update at :math:`\\beta' = b g` with fields :math:`h'_{i,a} = h_{i,a} + (\\theta_a + b V_a + b
\\delta_{i,a})/\\beta'`. The ideal network, :math:`V_a = -\\theta_a / b` and :math:`g = \\beta / b`,
reproduces the ideal update; any other choice is a known, enumerable distortion.

The law's :math:`\\theta` and b are read through the cell's own ``probabilities`` (probed at the
centre of its control range and checked to be log-linear there), so any cell object with that
method works.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noisecircuits import _validate
from noisecircuits.errors import ParameterError
from noisecircuits.gibbs._rng import as_seed_sequence

__all__ = ["CategoricalHardwareMode"]

_PROBE = 0.01  # control-voltage step of the law probe [V]


@dataclass(frozen=True, eq=False)
class CategoricalHardwareMode:
    """A calibrated categorical cell in place of the ideal Potts heat-bath update.

    Parameters
    ----------
    cell : object
        Has ``n_states``, ``probabilities(v_controls, temperature)`` and a ``validity`` dict with
        ``v_control_V`` — e.g. a ``noisecircuits.load_cell`` result of kind ``categorical``.
    temperature : float
        Chip temperature [K].
    gain : float, optional
        Bias-network gain g [V per unit logit]; default the ideal :math:`\\beta / b`.
    offsets : array_like of float, shape (q,), optional
        Offsets :math:`V_a` [V]; default the ideal :math:`-\\theta_a / b`.
    offset_sigma : float
        Standard deviation of the per-cell, per-state offset mismatch [V].
    mismatch_seed : int, SeedSequence or Generator, optional
        Seed of the mismatch draw (the chip instance).
    """

    cell: object
    temperature: float = 300.0
    gain: float | None = None
    offsets: tuple | None = None
    offset_sigma: float = 0.0
    mismatch_seed: object = 0

    def __post_init__(self):
        _validate.positive("temperature", self.temperature, "K")
        _validate.non_negative("offset_sigma", self.offset_sigma, "V")
        if self.gain is not None:
            _validate.finite("gain", self.gain, "V")
        if not callable(getattr(self.cell, "probabilities", None)):
            raise ParameterError(f"cell must provide probabilities(v_controls, temperature); got {type(self.cell).__name__}")

    def _centre(self, q: int) -> np.ndarray:
        validity = dict(getattr(self.cell, "validity", {}) or {})
        low, high = validity.get("v_control_V", (0.0, 0.0))
        return np.full(q, 0.5 * (float(low) + float(high)))

    def law(self) -> tuple[np.ndarray, float]:
        """The cell's log-linear law: :math:`\\theta` (shape (q,), state 0 at 0) [-] and slope b [1/V]."""
        q = int(self.cell.n_states)
        centre = self._centre(q)

        def log_p(v):
            p = np.asarray(self.cell.probabilities(v, self.temperature), dtype=float)
            if p.shape != (q,) or np.any(~np.isfinite(p)) or np.any(p <= 0):
                raise ParameterError("the categorical cell's probabilities must be finite and > 0 for every state")
            return np.log(p)

        base = log_p(centre)
        slopes = np.empty(q)
        for a in range(q):
            shifted = centre.copy()
            shifted[a] += _PROBE
            up = log_p(shifted)
            shifted[a] += _PROBE
            twice = log_p(shifted)
            # log P_a rises by b (1 - P_a) dv to first order; use the log-odds against the other states
            others = [k for k in range(q) if k != a]
            step = (up[a] - base[a]) - np.mean(up[others] - base[others])
            step2 = (twice[a] - up[a]) - np.mean(twice[others] - up[others])
            if not np.isclose(step, step2, rtol=1e-6, atol=1e-12):
                raise ParameterError("the categorical cell's law must be log-linear in each control voltage")
            slopes[a] = step / _PROBE
        if not np.allclose(slopes, slopes[0], rtol=1e-6) or slopes[0] == 0:
            raise ParameterError("the categorical cell's law must have one non-zero slope b shared by all states")
        b = float(slopes[0])
        theta = base - b * centre
        return theta - theta[0], b

    def update_law(self, model) -> tuple[float, np.ndarray]:
        """The equivalent heat-bath update of ``model``: :math:`\\beta'` [1/energy unit] and fields h' (n, q) [-]."""
        q = model.n_states
        if int(self.cell.n_states) != q:
            raise ParameterError(f"the categorical cell has {self.cell.n_states} states but the Potts model has {q}")
        theta, b = self.law()
        gain = float(model.beta) / b if self.gain is None else float(self.gain)
        beta_update = b * gain
        if not np.isfinite(beta_update) or beta_update <= 0:
            raise ParameterError(f"the bias-network gain must give a positive beta, got b*g = {beta_update!r}")
        offsets = -theta / b if self.offsets is None else np.asarray(self.offsets, dtype=float)
        if offsets.shape != (q,) or np.any(~np.isfinite(offsets)):
            raise ParameterError(f"offsets must be {q} finite voltages [V]")
        shift = np.broadcast_to(theta + b * offsets, (model.n_nodes, q)).copy()
        if self.offset_sigma > 0:
            rng = np.random.default_rng(as_seed_sequence(self.mismatch_seed))
            shift += b * rng.normal(0.0, self.offset_sigma, size=(model.n_nodes, q))
        return beta_update, model.fields + shift / beta_update
