r"""Weak-inversion I–V fit: slope factor and the weak-inversion current prefactor, jointly.

In weak inversion (source at bulk potential)

.. math::

    I_D = I_0\, e^{-V_{th}/(n U_T)}\; e^{V_{GS}/(n U_T)}\; \left(1 - e^{-V_{DS}/U_T}\right),

so only the product :math:`A = I_0 e^{-V_{th}/(n U_T)}` and the slope factor :math:`n` are
identifiable from I–V data (docs/physics.md §4; Enz, Krummenacher and Vittoz 1995). The fit is
ordinary least squares of :math:`y = \ln I_D - \ln(1 - e^{-V_{DS}/U_T}) = \ln A + V_{GS}/(nU_T)`
over the weak-inversion points; the covariance of :math:`(n, \ln A)` comes from the residual
variance (data from a simulator carry no noise, so the residuals measure model misfit) by the
delta method.
"""

from __future__ import annotations

import math

import numpy as np

from noisecircuits._validate import in_range
from noisecircuits.citations import use
from noisecircuits.constants import PHYSICAL_TEMPERATURE_RANGE, thermal_voltage
from noisecircuits.errors import FitError
from noisecircuits.fitting.result import FitResult

__all__ = ["fit_subthreshold_iv_least_squares", "weak_inversion_region"]

#: points whose local slope factor is within this fraction of the sweep's minimum count as
#: weak inversion
_REGION_TOLERANCE = 0.03
_MIN_POINTS = 5


def _local_slope_factor(v, logi, u_t, half=2):
    n_loc = np.full(len(v), np.inf)
    for k in range(half, len(v) - half):
        sl = slice(k - half, k + half + 1)
        slope = np.polyfit(v[sl], logi[sl], 1)[0]
        if slope > 0:
            n_loc[k] = 1.0 / (slope * u_t)
    return n_loc


def weak_inversion_region(v_gs, i_d, temperature, *, tolerance: float = _REGION_TOLERANCE) -> np.ndarray:
    """Boolean mask of the contiguous weak-inversion points of a sweep.

    The region is the run of points around the minimum local slope factor whose local slope
    factor (from a 5-point line through ln I) stays within ``tolerance`` of that minimum.

    Parameters
    ----------
    v_gs : array_like
        Gate-source voltage, increasing [V].
    i_d : array_like
        Drain current magnitude [A].
    temperature : float
        [K].
    tolerance : float
        Relative tolerance on the local slope factor [-].
    """
    v = np.asarray(v_gs, float)
    i = np.asarray(i_d, float)
    if np.any(np.diff(v) <= 0):
        raise FitError("v_gs must be strictly increasing")
    if np.any(~(i > 0)):
        raise FitError("i_d must be positive and finite in a subthreshold fit")
    n_loc = _local_slope_factor(v, np.log(i), thermal_voltage(temperature))
    if not np.any(np.isfinite(n_loc)):
        raise FitError("the sweep has no rising region")
    k0 = int(np.argmin(n_loc))
    limit = n_loc[k0] * (1 + tolerance)
    lo = k0
    while lo - 1 >= 0 and n_loc[lo - 1] <= limit:
        lo -= 1
    hi = k0
    while hi + 1 < len(v) and n_loc[hi + 1] <= limit:
        hi += 1
    mask = np.zeros(len(v), bool)
    mask[lo : hi + 1] = True
    return mask


def fit_subthreshold_iv_least_squares(v_gs, i_d, v_ds, temperature, *, mask=None) -> FitResult:
    r"""Fit :math:`n` and :math:`\ln A` of the weak-inversion law to an I–V sweep.

    Parameters
    ----------
    v_gs : array_like
        Gate-source voltage magnitude, increasing [V].
    i_d : array_like
        Drain current magnitude [A].
    v_ds : float
        Drain-source voltage magnitude of the sweep [V].
    temperature : float
        Device temperature [K].
    mask : array_like of bool, optional
        Points to fit; default :func:`weak_inversion_region` [-].

    Returns
    -------
    FitResult
        ``slope_factor`` [-], ``ln_weak_inversion_current_A`` (= ln A, A in amperes)
        [ln A], their covariance (that order), and fixed ``temperature_K`` [K], ``v_ds_V`` [V];
        ``goodness_of_fit`` has ``rms_log_residual`` and ``max_abs_log_residual`` [-];
        ``details`` has ``v_gs_range_V`` and ``swing_V_per_decade`` [V/dec].
    """
    t = in_range("temperature", temperature, *PHYSICAL_TEMPERATURE_RANGE, "K")
    vds = in_range("v_ds", v_ds, 1e-6, 100.0, "V")
    v = np.asarray(v_gs, float)
    i = np.asarray(i_d, float)
    if v.shape != i.shape or v.ndim != 1:
        raise FitError("v_gs and i_d must be 1-D arrays of the same length")
    if mask is None:
        mask = weak_inversion_region(v, i, t)
    mask = np.asarray(mask, bool)
    if mask.sum() < _MIN_POINTS:
        raise FitError(f"need at least {_MIN_POINTS} weak-inversion points, got {int(mask.sum())}")
    if np.any(~(i[mask] > 0)):
        raise FitError("i_d must be positive in the fitted region")
    u_t = thermal_voltage(t)
    x = v[mask]
    y = np.log(i[mask]) - math.log1p(-math.exp(-vds / u_t))
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    dof = max(len(x) - 2, 1)
    sigma2 = float(residual @ residual) / dof
    cov_ab = sigma2 * np.linalg.inv(design.T @ design)
    ln_a, b = float(coef[0]), float(coef[1])
    if b <= 0:
        raise FitError("the fitted region does not rise with v_gs")
    n = 1.0 / (b * u_t)
    # delta method: (n, ln A) = (1/(b U_T), a)
    jac = np.array([[0.0, -1.0 / (b * b * u_t)], [1.0, 0.0]])
    cov = jac @ cov_ab @ jac.T
    use("ekv")
    return FitResult(
        parameters={"slope_factor": n, "ln_weak_inversion_current_A": ln_a, "temperature_K": t, "v_ds_V": vds},
        stderr={"slope_factor": math.sqrt(cov[0, 0]), "ln_weak_inversion_current_A": math.sqrt(cov[1, 1]),
                "temperature_K": math.nan, "v_ds_V": math.nan},
        covariance=cov,
        parameter_names=("slope_factor", "ln_weak_inversion_current_A"),
        log_likelihood=-0.5 * len(x) * (math.log(2 * math.pi * max(sigma2, 1e-300)) + 1),
        n_points=int(len(x)),
        goodness_of_fit={"rms_log_residual": float(np.sqrt(np.mean(residual**2))),
                         "max_abs_log_residual": float(np.max(np.abs(residual))), "dof": dof},
        form="weak_inversion",
        method="least_squares",
        details={"v_gs_range_V": [float(x.min()), float(x.max())], "swing_V_per_decade": n * u_t * math.log(10)},
    )
