r"""Bias extraction: the fraction of time in the high state and the tilt it implies.

For the reduced double well the exact occupation is
:math:`P_\text{right}(h, b) = \int_0^\infty e^{-u} / \int e^{-u}`, which tends to
:math:`\sigma(2b)` when the barrier is high (docs/physics.md §3). :func:`implied_tilt` inverts
either relation.
"""

from __future__ import annotations

import math

import numpy as np

from noisecircuits import _validate
from noisecircuits.analysis.occupation import occupation
from noisecircuits.errors import ParameterError

__all__ = ["fraction_high", "implied_tilt"]


def fraction_high(readout, threshold: float = 0.0) -> tuple[float, float]:
    """Fraction of samples above ``threshold`` and its standard error.

    Parameters
    ----------
    readout : array_like, shape (n,) or (paths, n)
        Read-out samples [read-out unit].
    threshold : float
        Dividing value [read-out unit].

    Returns
    -------
    (float, float)
        Fraction [-] and autocorrelation-corrected standard error [-].
    """
    return occupation(np.asarray(readout, dtype=float) > threshold)


def implied_tilt(p_right: float, barrier: float | None = None) -> float:
    r"""Tilt b [kT] of a reduced double well whose stationary :math:`P(x > 0)` is ``p_right``.

    Parameters
    ----------
    p_right : float
        Occupation of the right well, in (0, 1) [-].
    barrier : float, optional
        Barrier height h [kT]; ``None`` uses the high-barrier law
        :math:`P = \sigma(2b)`, i.e. :math:`b = \tfrac12\ln(P/(1-P))`.

    Returns
    -------
    float
        Tilt b [kT].
    """
    p = _validate.in_range("p_right", p_right, 0.0, 1.0, inclusive=False)
    logit_half = 0.5 * math.log(p / (1.0 - p))
    if barrier is None:
        return logit_half
    from scipy.optimize import brentq

    from noisecircuits.physics.oracles import double_well_p_right
    from noisecircuits.physics.potentials import DoubleWellPotential

    limit = 0.999 * DoubleWellPotential(barrier, 0.0).critical_tilt
    lo, hi = double_well_p_right(barrier, -limit), double_well_p_right(barrier, limit)
    if not lo < p < hi:
        raise ParameterError(
            f"p_right must be in ({lo:.6g}, {hi:.6g}) for a two-well potential of barrier {barrier:g} kT, got {p_right!r}"
        )
    return float(brentq(lambda b: double_well_p_right(barrier, b) - p, -limit, limit, xtol=1e-12))
