r"""Choosing the p-bit transfer law: every candidate form fitted, the best by an information criterion.

Candidates: the sigmoid forms (``logistic``, ``probit``; :mod:`noisecircuits.fitting.pbit`) and
the monotone spline (:mod:`noisecircuits.fitting.spline`, :data:`SPLINE_INTERVALS` knot
intervals) with the ``power_arrhenius`` correlation-time law beside them, and the two-rate law
(:mod:`noisecircuits.fitting.rates_fit`) at the degrees :data:`~noisecircuits.fitting.rates_fit.RATE_DEGREES`
and in its mid-point frame (:mod:`noisecircuits.fitting.rates_midpoint`) at the shape degrees
:data:`~noisecircuits.fitting.rates_midpoint.MIDPOINT_SHAPE_DEGREES` (both only when the data hold
correlation times). Every candidate is scored on the same observations
(counts and, where measured, log correlation times with their standard errors):

.. math::

    \mathrm{AIC} = 2k - 2\ell,\qquad
    \mathrm{AIC_c} = \mathrm{AIC} + \frac{2k(k+1)}{N-k-1},\qquad \mathrm{BIC} = k\ln N - 2\ell

with :math:`\ell` the joint log-likelihood, :math:`k` the number of fitted parameters of the
transfer and correlation-time laws together and :math:`N` the number of observations (Akaike
1974; Hurvich and Tsai 1989 for the small-sample correction; Schwarz 1978). The smallest
criterion wins (default :math:`\mathrm{AIC_c}`, which is AIC for many points and keeps a
few-point sweep from choosing a many-coefficient law); a candidate with :math:`k \ge N - 1`
is not admissible.

A fit whose goodness-of-fit p-value is below :data:`POOR_FIT_P_VALUE` warns
(:class:`PoorFitWarning`, one line) and is flagged ``poor_fit`` in the cell.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats

from noisecircuits.citations import use
from noisecircuits.errors import FitError, ParameterError
from noisecircuits.fitting import cell_laws
from noisecircuits.fitting.correlation import correlation_time as _power_time
from noisecircuits.fitting.correlation import fit_correlation_time_ls
from noisecircuits.fitting.data import read_pbit_data
from noisecircuits.fitting.pbit import fit_pbit_temperature_ml, fit_pbit_transfer_ml
from noisecircuits.fitting.spline import fit_pbit_spline_ml
from noisecircuits.fitting.spline import law_from_fit as spline_law_from_fit
from noisecircuits.fitting.rates_fit import DEFAULT_TAU_REL_STDERR, RATE_DEGREES, fit_pbit_rates_ml, log_time_likelihood, \
    time_relative_errors
from noisecircuits.fitting.rates_midpoint import MIDPOINT_SHAPE_DEGREES, fit_pbit_rates_midpoint_ml

__all__ = ["POOR_FIT_P_VALUE", "SELECTABLE_FORMS", "CRITERIA", "PoorFitWarning", "LawFit", "fit_pbit_law", "warn_if_poor",
           "warn_if_poor_statistics"]

#: Goodness-of-fit p-values below this mark a fit as poor.
POOR_FIT_P_VALUE = 0.01
#: ``form`` values :func:`fit_pbit_law` accepts.
SELECTABLE_FORMS = ("auto", "logistic", "probit", "two_rate", "monotone_spline")
#: Knot intervals of the monotone-spline candidates compared by ``form="auto"``.
SPLINE_INTERVALS = (2, 3, 4, 6)
CRITERIA = ("aicc", "aic", "bic")


class PoorFitWarning(UserWarning):
    """A fitted law is rejected by its own goodness-of-fit test (p below 0.01)."""


class LawFit:
    """The chosen transfer fit, its separate correlation-time fit (sigmoid forms) and the comparison.

    Attributes
    ----------
    transfer : FitResult
        The chosen transfer law [-].
    tau : FitResult or None
        The ``power_arrhenius`` correlation-time fit beside a sigmoid form (None for ``two_rate``,
        whose times come from the same rates, and without correlation times) [-].
    scores : dict
        ``{candidate: criterion value}`` of every candidate that could be fitted [-].
    criterion : str
        ``"aic"``, ``"bic"`` or ``"given"`` (one form asked for) [-].
    quality : dict
        ``aic``, ``bic``, ``poor_fit`` and the count and time log-likelihoods of the chosen law [-].
    tau_quality : dict or None
        ``p_value`` and ``poor_fit`` of the separate correlation-time fit [-].
    """

    def __init__(self, transfer, tau, scores, criterion, quality, tau_quality):
        self.transfer, self.tau, self.scores, self.criterion = transfer, tau, scores, criterion
        self.quality, self.tau_quality = quality, tau_quality


def _times(data, correlation_time_stderr_s, rel_stderr):
    keep = data.n_effective > 0
    if "correlation_time_s" not in data:
        return None
    tau = np.asarray(data["correlation_time_s"], dtype=float)
    rel = time_relative_errors(tau, correlation_time_stderr_s, rel_stderr)
    ok = keep & np.isfinite(rel)
    if not np.any(ok):
        return None
    return ok, tau, rel


def _sigmoid_candidate(data, form, several, times, intervals=None):
    if form == "monotone_spline":
        fit = fit_pbit_spline_ml(data, intervals=intervals)
        law = spline_law_from_fit(fit)
    else:
        fit = fit_pbit_temperature_ml(data, form=form) if several else fit_pbit_transfer_ml(data, form=form)
        law = dict(fit.parameters)
    if form == "monotone_spline":
        pass
    elif not several:
        law = {"v_mid_ref_V": law["v_mid_V"], "dv_mid_dT_V_per_K": 0.0, "v_width_ref_V": law["v_width_V"],
               "width_exponent": 0.0, "t_ref_K": law["temperature_K"]}
    k = len(fit.parameter_names)
    tau_fit, ll_tau, tau_quality = None, 0.0, None
    if times is not None:
        ok, tau, rel = times
        temperature = data["temperature_K"]
        p = cell_laws.p_one(fit.form, law, data["v_bias_V"], temperature)
        try:
            tau_fit = fit_correlation_time_ls(p, temperature, np.where(ok, tau, np.nan), t_ref=law["t_ref_K"])
        except FitError:
            tau_fit = None
        if tau_fit is not None:
            model = np.log(_power_time(tau_fit.parameters, p[ok], temperature[ok]))
            ll_tau, chi2 = log_time_likelihood(np.log(tau[ok]), model, rel[ok])
            k += len(tau_fit.parameter_names)
            dof = int(np.count_nonzero(ok) - len(tau_fit.parameter_names))
            p_value = float(stats.chi2.sf(chi2, dof)) if dof > 0 else float("nan")
            tau_quality = {"chi_square": chi2, "dof": dof, "p_value": p_value,
                           "poor_fit": bool(p_value < POOR_FIT_P_VALUE)}
    return fit, tau_fit, fit.log_likelihood + ll_tau, k, tau_quality, ll_tau


def fit_pbit_law(data, *, form: str = "auto", criterion: str = "aicc", correlation_time_stderr_s=None,
                 correlation_time_rel_stderr: float = DEFAULT_TAU_REL_STDERR) -> LawFit:
    """Fit the p-bit transfer law (and its correlation-time law) in one form or the best of all.

    Parameters
    ----------
    data : DataFrame, path or PBitData
        Transfer data (see :func:`~noisecircuits.fitting.data.read_pbit_data`) [-].
    form : {"auto", "logistic", "probit", "two_rate", "monotone_spline"}
        The form, or ``"auto"`` for the smallest ``criterion`` among all candidates [-].
    criterion : {"aicc", "aic", "bic"}
        Information criterion of ``form="auto"`` [-].
    correlation_time_stderr_s : array_like, optional
        Standard error of each row's correlation time [s].
    correlation_time_rel_stderr : float
        Relative standard error of the correlation times when ``correlation_time_stderr_s`` is
        not given [-].

    Returns
    -------
    LawFit
        The chosen fits and the scores of every candidate.

    Raises
    ------
    FitError
        No candidate could be fitted (the message of the last failure), or ``two_rate`` asked for
        data without correlation times.
    """
    if form not in SELECTABLE_FORMS:
        raise ParameterError(f"form must be one of {', '.join(SELECTABLE_FORMS)}, got {form!r}")
    if criterion not in CRITERIA:
        raise ParameterError(f"--criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    if form == "auto":
        use({"aicc": "hurvich1989", "aic": "akaike1974", "bic": "schwarz1978"}[criterion])
    if not (isinstance(correlation_time_rel_stderr, (int, float)) and 0 < correlation_time_rel_stderr < 10):
        raise ParameterError("the relative standard error of the correlation times (--correlation-time-rel-stderr) "
                             f"must be in (0, 10), got {correlation_time_rel_stderr!r}")
    data = read_pbit_data(data)
    several = np.unique(data["temperature_K"]).size > 1
    times = _times(data, correlation_time_stderr_s, correlation_time_rel_stderr)
    n_obs = int(np.count_nonzero(data.n_effective > 0)) + (0 if times is None else int(np.count_nonzero(times[0])))
    candidates = {}
    failures = []
    sigmoids = ("logistic", "probit") if form == "auto" else ((form,) if form in ("logistic", "probit") else ())
    splines = SPLINE_INTERVALS if form in ("auto", "monotone_spline") else ()
    for name, intervals in [(s, None) for s in sigmoids] + [("monotone_spline", k) for k in splines]:
        try:
            fit, tau_fit, ll, k, tau_quality, ll_tau = _sigmoid_candidate(data, name, several, times, intervals)
        except FitError as exc:
            failures.append(exc)
            continue
        candidates[name if intervals is None else f"{name}_{intervals}"] = (fit, tau_fit, ll, k, tau_quality, ll_tau)
    if form in ("auto", "two_rate"):
        if times is None and form == "two_rate":
            raise FitError("the two_rate form needs correlation_time_s: the data have no correlation times")
        for bias_degree, activation_degree in (RATE_DEGREES if times is not None else ()):
            try:
                fit = fit_pbit_rates_ml(data, bias_degree=bias_degree, activation_degree=activation_degree,
                                        correlation_time_stderr_s=correlation_time_stderr_s,
                                        correlation_time_rel_stderr=correlation_time_rel_stderr)
            except FitError as exc:
                failures.append(exc)
                continue
            name = f"two_rate_{bias_degree}_{activation_degree}"
            candidates[name] = (fit, None, fit.log_likelihood, len(fit.parameter_names), None,
                                fit.details["log_likelihood_times"])
        for degree in (MIDPOINT_SHAPE_DEGREES if times is not None else ()):
            try:
                fit = fit_pbit_rates_midpoint_ml(data, shape_degree=degree,
                                                 correlation_time_stderr_s=correlation_time_stderr_s,
                                                 correlation_time_rel_stderr=correlation_time_rel_stderr)
            except FitError as exc:
                failures.append(exc)
                continue
            candidates[f"two_rate_midpoint_{degree}"] = (fit, None, fit.log_likelihood, fit.details["n_coefficients"], None,
                                                         fit.details["log_likelihood_times"])
    if not candidates:
        raise failures[-1] if failures else FitError("no transfer law could be fitted")
    aic = {c: 2.0 * v[3] - 2.0 * v[2] for c, v in candidates.items()}
    aicc = {c: (aic[c] + 2.0 * v[3] * (v[3] + 1) / (n_obs - v[3] - 1)) if n_obs - v[3] - 1 > 0 else math.inf
            for c, v in candidates.items()}
    bic = {c: v[3] * math.log(max(n_obs, 1)) - 2.0 * v[2] for c, v in candidates.items()}
    scores = {"aic": aic, "aicc": aicc, "bic": bic}[criterion]
    if form == "auto":
        admissible = {c: v for c, v in scores.items() if math.isfinite(v)}
        scores = admissible or scores
    chosen = min(scores, key=scores.get)
    fit, tau_fit, ll, k, tau_quality, ll_tau = candidates[chosen]
    p_value = fit.goodness_of_fit.get("p_value", float("nan"))
    quality = {
        "aic": aic[chosen],
        "aicc": aicc[chosen] if math.isfinite(aicc[chosen]) else None,
        "bic": bic[chosen],
        "criterion": criterion if len(candidates) > 1 or form == "auto" else "given",
        "poor_fit": bool(p_value < POOR_FIT_P_VALUE),
        "log_likelihood_times": ll_tau,
        **{f"{criterion}_{c}": v for c, v in scores.items()},
    }
    if fit.form == "monotone_spline":
        quality["spline_intervals"] = len(fit.details["knots"]) - 1
    if fit.form == "two_rate" and "shape_degree" in fit.details:
        quality.update(frame="midpoint", shape_degree=fit.details["shape_degree"],
                       temperature_degree=fit.details["temperature_degree"])
    elif fit.form == "two_rate":
        quality["bias_degree"] = fit.details["bias_degree"]
        quality["activation_degree"] = fit.details["activation_degree"]
    return LawFit(fit, tau_fit, scores, quality["criterion"], quality, tau_quality)


def warn_if_poor(result: LawFit, origin: str = "") -> None:
    """Warn (one line, :class:`PoorFitWarning`) for every law of ``result`` whose p-value is below 0.01."""
    where = f" of {origin}" if origin else ""
    fit = result.transfer
    if result.quality["poor_fit"]:
        gof = fit.goodness_of_fit
        warnings.warn(
            f"poor fit{where}: the {fit.form} transfer law is rejected by its goodness-of-fit test "
            f"(deviance {gof.get('deviance', float('nan')):.4g} on {gof.get('dof')} degrees of freedom, "
            f"p = {gof.get('p_value', float('nan')):.3g} < {POOR_FIT_P_VALUE:g}); the cell may misdescribe the device",
            PoorFitWarning, stacklevel=3,
        )
    if result.tau_quality is not None and result.tau_quality["poor_fit"]:
        q = result.tau_quality
        warnings.warn(
            f"poor fit{where}: the correlation-time law is rejected by its goodness-of-fit test (chi-square "
            f"{q['chi_square']:.4g} on {q['dof']} degrees of freedom, p = {q['p_value']:.3g} < {POOR_FIT_P_VALUE:g})",
            PoorFitWarning, stacklevel=3,
        )


def warn_if_poor_statistics(fit, what: str) -> bool:
    """Warn (one line) if ``fit.goodness_of_fit["p_value"]`` is below 0.01; return whether it is [-].

    Parameters
    ----------
    fit : FitResult
        Any fit with a goodness-of-fit p-value (softmax, mixture ...) [-].
    what : str
        What was fitted, for the message (``"softmax law"``) [-].
    """
    p_value = fit.goodness_of_fit.get("p_value")
    if p_value is None or not p_value < POOR_FIT_P_VALUE:
        return False
    gof = fit.goodness_of_fit
    warnings.warn(
        f"poor fit: the {what} is rejected by its goodness-of-fit test (deviance {gof.get('deviance', float('nan')):.4g} "
        f"on {gof.get('dof')} degrees of freedom, p = {p_value:.3g} < {POOR_FIT_P_VALUE:g}); the cell may misdescribe the device",
        PoorFitWarning, stacklevel=3,
    )
    return True
