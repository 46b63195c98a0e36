r"""Calibrated cell models: the objects :func:`noisecircuits.load_cell` returns.

* :class:`PBitCellModel` — ``p_one(v_bias, temperature)``, ``v_mid(T)``, ``v_width(T)``,
  ``correlation_time(v_bias, T)``, ``supply_power(T)``, ``energy_per_sample(v_bias, T)``,
  ``mismatch``, ``validity``, ``form``, ``parameters`` (docs/architecture.md).
* :class:`CategoricalCellModel` — ``probabilities(v_controls, temperature)``:
  :math:`P(k) = e^{\theta_k}/\sum_j e^{\theta_j}`, :math:`\theta_k = a_k + b\,v_k`.
* :class:`ContinuousCellModel` — ``mixture(v_bias, temperature)``: the two-component Gaussian
  mixture (weights, means, standard deviations).

All methods are vectorised over numpy arrays (broadcasting ``v_bias`` against ``temperature``)
and never evaluate silently outside the validity range: ``on_out_of_range`` is ``"warn"``
(:class:`~noisecircuits.cells.validity.ValidityRangeWarning`), ``"raise"``
(:class:`~noisecircuits.errors.ValidityRangeError`) or ``"ignore"``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

import numpy as np

from noisecircuits.cells.schema import validate_document
from noisecircuits.cells.validity import check_policy, enforce_range
from noisecircuits.errors import ParameterError
from noisecircuits.fitting import cell_laws as _laws
from noisecircuits.fitting import power as _power_law
from noisecircuits.fitting._forms import cdf
from noisecircuits.physics.sampling import energy_per_sample

__all__ = ["PBitCellModel", "CategoricalCellModel", "ContinuousCellModel", "cell_from_document"]


def _scalar_or_array(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


@dataclass(frozen=True)
class _CellBase:
    document: dict = field(repr=False)
    on_out_of_range: str = "warn"

    def __post_init__(self):
        check_policy(self.on_out_of_range)
        object.__setattr__(self, "document", copy.deepcopy(validate_document(self.document)))

    @property
    def kind(self) -> str:
        """``"pbit"``, ``"categorical"`` or ``"continuous"`` [-]."""
        return self.document["kind"]

    @property
    def name(self) -> str:
        """Cell name (SPICE subcircuit / Verilog-A module name) [-]."""
        return self.document["name"]

    @property
    def parameters(self) -> dict:
        """Fitted parameters, units in the names (a copy) [various]."""
        return copy.deepcopy(self.document["parameters"])

    @property
    def parameter_stderr(self) -> dict:
        """Standard errors of the parameters (None where held fixed) [various]."""
        return copy.deepcopy(self.document["parameter_stderr"])

    @property
    def validity(self) -> dict:
        """Validity ranges, e.g. ``{"v_bias_V": [lo, hi], "temperature_K": [lo, hi]}`` [V, K]."""
        return copy.deepcopy(self.document["validity"])

    @property
    def provenance(self) -> dict:
        """Toolkit version, source-data SHA-256, creation time, fit quality [-]."""
        return copy.deepcopy(self.document["provenance"])

    def with_out_of_range(self, policy: str):
        """A copy of this model with another out-of-range policy (``warn``, ``raise``, ``ignore``)."""
        return replace(self, on_out_of_range=policy)

    def to_document(self) -> dict:
        """The JSON document of this model (a deep copy)."""
        return copy.deepcopy(self.document)

    def _check_temperature(self, temperature):
        low, high = self.document["validity"]["temperature_K"]
        enforce_range(self.on_out_of_range, "temperature", temperature, low, high, "K")

    def _check_bias(self, v_bias, key="v_bias_V", label="v_bias"):
        low, high = self.document["validity"][key]
        enforce_range(self.on_out_of_range, label, v_bias, low, high, "V")


@dataclass(frozen=True)
class PBitCellModel(_CellBase):
    r"""Calibrated p-bit: transfer law, correlation time, supply power and energy per sample.

    Parameters
    ----------
    document : dict
        A schema-valid cell-model document of kind ``pbit`` [-].
    on_out_of_range : {"warn", "raise", "ignore"}
        Behaviour outside the validity range [-].
    """

    @property
    def form(self) -> str:
        """``"logistic"``, ``"probit"`` or ``"two_rate"`` [-]."""
        return self.document["form"]

    @property
    def fit_quality(self) -> dict:
        """Goodness of fit of the transfer law (``p_value``, ``poor_fit``, ``aic`` ...), {} when unknown [-]."""
        return dict(self.document["provenance"]["fit_quality"].get("transfer") or {})

    @property
    def poor_fit(self) -> bool:
        """True when the fit's goodness-of-fit p-value was below 0.01 [-]."""
        return bool(self.fit_quality.get("poor_fit", False))

    @property
    def parameter_covariance(self):
        """``(names, matrix)`` covariance of the fitted transfer parameters, or None when not stored [various]."""
        cov = self.document.get("parameter_covariance")
        if cov is None:
            return None
        return tuple(cov["names"]), np.array(cov["matrix"], dtype=float)

    @property
    def mismatch(self) -> dict:
        """``v_mid_sigma_V`` [V] and ``v_width_rel_sigma`` [-] (zeros when unknown)."""
        return dict(self.document["mismatch"])

    @property
    def correlation_time_law(self) -> dict | None:
        """Parameters of the correlation-time law, or None when the source data had none [various]."""
        law = self.document["correlation_time"]
        return None if law is None else dict(law)

    @property
    def supply_power_law(self) -> dict | None:
        """Parameters of the supply-power law, or None when the source data had none [various]."""
        law = self.document["supply_power"]
        return None if law is None else dict(law)

    def _law(self, key: str, column: str) -> dict:
        law = self.document[key]
        if law is None:
            raise ParameterError(
                f"cell {self.name!r} has no {key.replace('_', ' ')} model (its source data had no {column} column)"
            )
        return law

    def v_mid(self, temperature):
        """Mid-point bias where P(1) = 1/2 at ``temperature`` [K]; returns [V]."""
        self._check_temperature(temperature)
        return _scalar_or_array(_laws.v_mid(self.form, self.document["parameters"], temperature))

    def v_width(self, temperature):
        """Transfer width at ``temperature`` [K]; returns [V]."""
        self._check_temperature(temperature)
        return _scalar_or_array(_laws.v_width(self.form, self.document["parameters"], temperature))

    def _p_one(self, v_bias, temperature):
        return _laws.p_one(self.form, self.document["parameters"], v_bias, temperature)

    def p_one(self, v_bias, temperature):
        r""":math:`P(1)` of the cell's law: :math:`F((v - v_\mathrm{mid}(T))/v_\mathrm{width}(T))` or :math:`k_{01}/(k_{01}+k_{10})`.

        Parameters
        ----------
        v_bias : float or array_like
            Control voltage [V].
        temperature : float or array_like
            Temperature [K].

        Returns
        -------
        float or ndarray
            Probability of state 1 [-].
        """
        self._check_bias(v_bias)
        self._check_temperature(temperature)
        return _scalar_or_array(self._p_one(v_bias, temperature))

    def correlation_time(self, v_bias, temperature):
        """Autocorrelation time of the output at (``v_bias`` [V], ``temperature`` [K]); returns [s]."""
        self._check_bias(v_bias)
        self._check_temperature(temperature)
        return _scalar_or_array(self._tau(v_bias, temperature))

    def _tau(self, v_bias, temperature):
        law = self._law("correlation_time", "correlation_time_s")
        return _laws.correlation_time(self.form, self.document["parameters"], law, v_bias, temperature)

    def supply_power(self, temperature):
        """Static supply power at ``temperature`` [K]; returns [W]."""
        self._check_temperature(temperature)
        law = self._law("supply_power", "supply_power_W")
        return _scalar_or_array(_power_law.supply_power(law, temperature))

    def energy_per_sample(self, v_bias, temperature):
        r"""Energy per independent sample :math:`P_\mathrm{supply}(T)\cdot 2\tau_c(v, T)`; returns [J].

        Parameters
        ----------
        v_bias : float or array_like
            Control voltage [V].
        temperature : float or array_like
            Temperature [K].
        """
        self._check_bias(v_bias)
        self._check_temperature(temperature)
        power_law = self._law("supply_power", "supply_power_W")
        tau = self._tau(v_bias, temperature)
        power = _power_law.supply_power(power_law, temperature)
        return _scalar_or_array(energy_per_sample(power, tau))


@dataclass(frozen=True)
class CategoricalCellModel(_CellBase):
    r"""Calibrated categorical (p-dit) cell: :math:`P(k) \propto \exp(a_k + b\,v_k + \sum_j c_j u_k^j)`.

    The powers :math:`c_j` (``control_powers``, j = 2, 3, ...) of the reduced control
    :math:`u_k = (v_k - v_c)/v_s` (``control_center_V``, ``control_scale_V``) are present when
    the law was fitted with ``degree`` > 1 (:func:`~noisecircuits.fitting.categorical.fit_categorical_softmax_ml`).

    The law is calibrated at the temperatures in ``validity``; it has no temperature
    dependence of its own, so temperature is only checked against the validity range.
    """

    @property
    def n_states(self) -> int:
        """Number of states N [-]."""
        return int(self.document["parameters"]["n_states"])

    def probabilities(self, v_controls, temperature):
        """State probabilities for control voltages ``v_controls`` [V], shape (..., N), at ``temperature`` [K].

        Returns
        -------
        ndarray, shape (..., N)
            Probabilities, each row summing to 1 [-].
        """
        v = np.asarray(v_controls, dtype=float)
        if v.shape[-1:] != (self.n_states,):
            raise ParameterError(f"v_controls must have last dimension {self.n_states} (one voltage per state), got shape {v.shape}")
        self._check_bias(v, "v_control_V", "v_control")
        self._check_temperature(temperature)
        from noisecircuits.fitting.categorical import softmax_probabilities

        params = self.document["parameters"]
        return softmax_probabilities(params["theta_offsets"], params["gain_per_V"], v, params.get("control_powers", ()),
                                     params.get("control_center_V", 0.0), params.get("control_scale_V", 1.0))


@dataclass(frozen=True)
class ContinuousCellModel(_CellBase):
    r"""Calibrated continuous (Gaussian-mixture) cell.

    Weight of mode 1: :math:`w_1 = F(z + \sum_j c_j z^j)`, :math:`z = (v - v_\mathrm{mid})/v_\mathrm{width}`
    (``weight_powers`` :math:`c_2, c_3, ...` present for a flexible law); modes
    :math:`\mathcal N(\mu_0, \sigma_0^2)` and :math:`\mathcal N(\mu_1, \sigma_1^2)`.
    Calibrated at the temperatures in ``validity`` (no temperature law of its own).
    """

    @property
    def form(self) -> str:
        """Sigmoid form of the weight law [-]."""
        return self.document["form"]

    def mixture(self, v_bias, temperature):
        """Mixture at ``v_bias`` [V] and ``temperature`` [K].

        Returns
        -------
        dict
            ``weights`` (..., 2) [-], ``means_V`` (..., 2) [V], ``stds_V`` (..., 2) [V].
        """
        self._check_bias(v_bias)
        self._check_temperature(temperature)
        p = self.document["parameters"]
        v = np.asarray(v_bias, dtype=float)
        from noisecircuits.fitting.mixture import weight_argument

        eta, _ = weight_argument((v - p["weight_v_mid_V"]) / p["weight_v_width_V"], p.get("weight_powers", ()))
        w1 = cdf(self.form, eta)
        ones = np.ones_like(w1)
        return {
            "weights": np.stack([1.0 - w1, w1], axis=-1),
            "means_V": np.stack([p["mean_zero_V"] * ones, p["mean_one_V"] * ones], axis=-1),
            "stds_V": np.stack([p["std_zero_V"] * ones, p["std_one_V"] * ones], axis=-1),
        }


_CLASSES = {"pbit": PBitCellModel, "categorical": CategoricalCellModel, "continuous": ContinuousCellModel}


def cell_from_document(document: dict, *, on_out_of_range: str = "warn"):
    """Build the model object for a cell-model document (version 1 documents are upgraded to 2)."""
    document = validate_document(document)
    return _CLASSES[document["kind"]](document, on_out_of_range=on_out_of_range)
