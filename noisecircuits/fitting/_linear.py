"""Ordinary least squares with its covariance, shared by the log-linear fits."""

from __future__ import annotations

import numpy as np

from noisecircuits.errors import FitError

__all__ = ["least_squares"]


def least_squares(design, y):
    """Solve ``y ≈ design @ beta``; return beta, covariance, residual variance and Gaussian log-likelihood.

    The residual variance is RSS / (N - p) when N > p, else the covariance is ``nan``.
    """
    design = np.asarray(design, dtype=float)
    y = np.asarray(y, dtype=float)
    n, p = design.shape
    if np.linalg.matrix_rank(design) < p:
        raise FitError("the least-squares design is rank deficient: the parameters are not identifiable from these points")
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    rss = float(resid @ resid)
    if n > p:
        s2 = rss / (n - p)
        cov = s2 * np.linalg.inv(design.T @ design)
    else:
        s2 = float("nan")
        cov = np.full((p, p), np.nan)
    sigma2_ml = max(rss / n, 1e-300)
    loglik = -0.5 * n * (np.log(2.0 * np.pi * sigma2_ml) + 1.0)
    return beta, cov, s2, float(loglik)
