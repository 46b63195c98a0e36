"""Monte Carlo device mismatch: Pelgrom threshold-voltage spread applied to a design.

Each transistor's threshold voltage is shifted by an independent normal draw of standard
deviation (Pelgrom's area law)

.. math::

    \\sigma_{V_{th}} = \\frac{A_{VT}}{\\sqrt{W L}},

with :data:`DEFAULT_A_VT` = 3.5 mV·µm, typical of 130–180 nm bulk CMOS (Pelgrom 1989 reports
A_VT ≈ 1 mV·µm per nm of oxide; see :func:`noisecircuits.cite` key ``pelgrom1989``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from noisecircuits import _validate
from noisecircuits.citations import use

__all__ = ["DEFAULT_A_VT", "threshold_sigma", "perturb_thresholds"]

#: Pelgrom threshold-matching coefficient A_VT = 3.5 mV·µm [V·m]
DEFAULT_A_VT: float = 3.5e-3 * 1e-6


def threshold_sigma(width, length, a_vt: float = DEFAULT_A_VT) -> float:
    r"""Standard deviation of a transistor's threshold voltage, :math:`A_{VT}/\sqrt{W L}`.

    Parameters
    ----------
    width : float
        Gate width W [m].
    length : float
        Gate length L [m].
    a_vt : float
        Pelgrom coefficient A_VT [V·m].

    Returns
    -------
    float
        σ_Vth [V] (3.5 mV for W = L = 1 µm at the default A_VT).

    References
    ----------
    M. J. M. Pelgrom, A. C. J. Duinmaijer, A. P. G. Welbers, IEEE JSSC 24, 1433 (1989).
    """
    w = _validate.positive("width", width, "m")
    l_ = _validate.positive("length", length, "m")
    a = _validate.non_negative("a_vt", a_vt, "V·m")
    use("pelgrom1989")
    return a / math.sqrt(w * l_)


def _is_transistor(value) -> bool:
    return dataclasses.is_dataclass(value) and all(
        hasattr(value, name) for name in ("threshold_voltage", "width", "length")
    )


def perturb_thresholds(design, rng: np.random.Generator, a_vt: float = DEFAULT_A_VT):
    """Return a copy of ``design`` with every transistor's threshold voltage randomly shifted.

    ``design`` is a (frozen) dataclass; every field holding a transistor (a dataclass with
    ``threshold_voltage``, ``width`` and ``length``, e.g.
    :class:`noisecircuits.physics.mosfet.MosfetParams`), directly or in a tuple/list, gets
    ``threshold_voltage + N(0, σ_Vth²)``. Fields are visited in declaration order, so the
    same generator state gives the same instance.

    Parameters
    ----------
    design : dataclass
        The nominal design (or a single transistor).
    rng : numpy.random.Generator
        Source of the mismatch draws.
    a_vt : float
        Pelgrom coefficient A_VT [V·m].

    Returns
    -------
    (design, dict)
        The perturbed design and the applied shifts ``{field path: ΔV_th [V]}``.
    """
    shifts: dict[str, float] = {}

    def visit(value, path):
        if _is_transistor(value):
            delta = float(rng.normal(0.0, threshold_sigma(value.width, value.length, a_vt)))
            shifts[path or "transistor"] = delta
            return dataclasses.replace(value, threshold_voltage=value.threshold_voltage + delta)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for f in dataclasses.fields(value):
                if not f.init:
                    continue
                old = getattr(value, f.name)
                new = visit(old, f"{path}.{f.name}" if path else f.name)
                if new is not old:
                    changes[f.name] = new
            return dataclasses.replace(value, **changes) if changes else value
        if isinstance(value, (tuple, list)):
            items = [visit(item, f"{path}[{i}]") for i, item in enumerate(value)]
            if any(a is not b for a, b in zip(items, value)):
                return type(value)(items)
        return value

    return visit(design, ""), shifts
