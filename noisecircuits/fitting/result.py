"""The result every ``fit_<model>_<method>`` function returns.

:class:`FitResult` is shared by all fits of the toolkit (transfer curves, temperature laws,
softmax, Gaussian mixtures, subthreshold I–V): the fitted parameters by name, their standard
errors, the covariance matrix in the order of :attr:`FitResult.parameter_names`, the maximised
log-likelihood and a goodness-of-fit summary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from noisecircuits.errors import FitError

__all__ = ["FitResult"]


@dataclass(frozen=True)
class FitResult:
    """Outcome of a maximum-likelihood (or least-squares) fit.

    Parameters
    ----------
    parameters : dict of str to float
        Fitted values by name; units are in the names (``v_mid_ref_V``) [various].
    stderr : dict of str to float
        One-sigma standard errors, same keys and units as ``parameters``
        (``sqrt(diag(covariance))``; ``nan`` for a parameter held fixed) [various].
    covariance : ndarray, shape (k, k)
        Covariance of the free parameters, rows and columns in the order of
        ``parameter_names`` (inverse of the observed information) [products of units].
    parameter_names : tuple of str
        Order of the rows and columns of ``covariance``; a subset of ``parameters``'s keys
        (fixed parameters such as a reference temperature are in ``parameters`` only) [-].
    log_likelihood : float
        Maximised log-likelihood (including the constant terms, so different forms fitted
        to the same data compare directly) [-].
    n_points : int
        Number of data points (rows) the fit used [-].
    goodness_of_fit : dict
        E.g. ``deviance``, ``dof``, ``p_value`` (chi-square tail of the deviance) [-].
    form : str
        Model form, e.g. ``"logistic"`` or ``"probit"`` [-].
    method : str
        Estimation method, e.g. ``"binomial_ml"`` [-].
    details : dict
        Method-specific extras, e.g. the log-likelihood of every form compared [-].
    """

    parameters: dict
    stderr: dict
    covariance: np.ndarray
    parameter_names: tuple
    log_likelihood: float
    n_points: int
    goodness_of_fit: dict = field(default_factory=dict)
    form: str = ""
    method: str = ""
    details: dict = field(default_factory=dict)

    def __post_init__(self):
        names = tuple(self.parameter_names)
        object.__setattr__(self, "parameter_names", names)
        cov = np.array(self.covariance, dtype=float, copy=True)
        if cov.shape != (len(names), len(names)):
            raise FitError(
                f"covariance must be a {len(names)}x{len(names)} matrix (one row per name in parameter_names), "
                f"got shape {cov.shape}"
            )
        cov.setflags(write=False)
        object.__setattr__(self, "covariance", cov)
        missing = [n for n in names if n not in self.parameters]
        if missing:
            raise FitError(f"parameter_names {missing} are not keys of parameters")
        if set(self.stderr) != set(self.parameters):
            raise FitError("stderr must have exactly the keys of parameters")
        object.__setattr__(self, "parameters", {k: float(v) for k, v in self.parameters.items()})
        object.__setattr__(self, "stderr", {k: float(v) for k, v in self.stderr.items()})
        object.__setattr__(self, "log_likelihood", float(self.log_likelihood))
        object.__setattr__(self, "n_points", int(self.n_points))

    @property
    def correlation(self) -> np.ndarray:
        """Correlation matrix of the free parameters (order of ``parameter_names``) [-]."""
        s = np.sqrt(np.diag(self.covariance))
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.covariance / np.outer(s, s)

    def to_dict(self) -> dict:
        """Plain-JSON view: floats, lists and dicts only (non-finite floats become ``None``)."""

        def clean(value):
            if isinstance(value, dict):
                return {str(k): clean(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [clean(v) for v in value]
            if isinstance(value, np.ndarray):
                return clean(value.tolist())
            if isinstance(value, (np.integer,)):
                return int(value)
            if isinstance(value, (float, np.floating)):
                v = float(value)
                return v if math.isfinite(v) else None
            return value

        return clean(
            {
                "form": self.form,
                "method": self.method,
                "parameters": self.parameters,
                "stderr": self.stderr,
                "parameter_names": list(self.parameter_names),
                "covariance": self.covariance,
                "log_likelihood": self.log_likelihood,
                "n_points": self.n_points,
                "goodness_of_fit": self.goodness_of_fit,
                "details": self.details,
            }
        )
