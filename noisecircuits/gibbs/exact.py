"""Exact oracles: enumeration of small models, Kaufman's finite torus, Onsager, Yang, Potts.

* Enumeration: :math:`p(s) = e^{-\\beta E(s)}/Z` over all :math:`2^n` states (n <= 24).
  State codes: bit ``i`` of the code is 1 when spin ``i`` is +1.
* Kaufman (1949), in the form of Beale (1996), for the m x n torus, :math:`K = \\beta J`:

  .. math::
      Z = \\tfrac12 (2\\sinh 2K)^{mn/2} \\sum_{a=1}^{4} Z_a,\\quad
      Z_{1,2} = \\prod_{r=0}^{n-1} 2\\{\\cosh,\\sinh\\}(\\tfrac m2 \\gamma_{2r+1}),\\quad
      Z_{3,4} = \\prod_{r=0}^{n-1} 2\\{\\cosh,\\sinh\\}(\\tfrac m2 \\gamma_{2r}),

  :math:`\\cosh\\gamma_l = \\cosh 2K \\coth 2K - \\cos(\\pi l/n)` (l >= 1, :math:`\\gamma_l > 0`),
  :math:`\\gamma_0 = 2K + \\ln\\tanh K`.
* Onsager energy per site :math:`u = -J\\coth 2K[1 + \\tfrac2\\pi(2\\tanh^2 2K - 1)K_1(\\kappa)]`,
  :math:`\\kappa = 2\\sinh 2K/\\cosh^2 2K`; Yang :math:`M = (1-\\sinh^{-4}2K)^{1/8}` below
  :math:`K_c = \\tfrac12\\ln(1+\\sqrt2)`.
* Potts on the square lattice: :math:`\\beta_c J = \\ln(1+\\sqrt q)`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from noisecircuits import _validate
from noisecircuits.citations import use
from noisecircuits.errors import ParameterError
from noisecircuits.gibbs.models import IsingModel

__all__ = [
    "MAX_ENUMERATION_SPINS",
    "state_spins",
    "state_string",
    "exact_distribution",
    "exact_mean_energy",
    "kl_divergence",
    "kaufman_log_partition",
    "kaufman_energy_per_site",
    "onsager_energy_per_site",
    "yang_magnetisation",
    "ising_critical_beta",
    "potts_critical_beta",
]

MAX_ENUMERATION_SPINS = 24


def state_spins(codes, n_spins: int) -> np.ndarray:
    """±1 spins (len(codes), n) of state codes (bit i set <=> spin i = +1)."""
    codes = np.asarray(codes, dtype=np.int64)
    bits = (codes[:, None] >> np.arange(n_spins)) & 1
    return (2 * bits - 1).astype(np.int8)


def state_string(code: int, n_spins: int) -> str:
    """String of n characters, '1' for +1 and '0' for -1, spin 0 first."""
    return "".join("1" if (int(code) >> i) & 1 else "0" for i in range(n_spins))


def _state_energies(model: IsingModel) -> np.ndarray:
    n = model.n_nodes
    if n > MAX_ENUMERATION_SPINS:
        raise ParameterError(f"exact enumeration is limited to {MAX_ENUMERATION_SPINS} spins, got {n}")
    couplings = model.dense_couplings()
    out = np.empty(1 << n)
    chunk = 1 << 16
    for start in range(0, 1 << n, chunk):
        codes = np.arange(start, min(start + chunk, 1 << n))
        s = state_spins(codes, n).astype(np.float64)
        out[codes] = -(s @ model.biases + 0.5 * np.einsum("ki,ki->k", s @ couplings, s))
    return out


def exact_distribution(model: IsingModel, clamp=None) -> np.ndarray:
    """Boltzmann probabilities of all :math:`2^n` states, indexed by state code.

    Parameters
    ----------
    model : IsingModel
        Model with n <= 24 spins.
    clamp : dict of int to int, optional
        Spins held at ±1; states that disagree get probability 0 (conditional law).
    """
    energies = _state_energies(model)
    logw = -model.beta * energies
    if clamp:
        spins = state_spins(np.arange(1 << model.n_nodes), model.n_nodes)
        for node, value in clamp.items():
            logw[spins[:, node] != value] = -np.inf
    logw -= logw.max()
    w = np.exp(logw)
    return w / w.sum()


def exact_mean_energy(model: IsingModel) -> float:
    """:math:`\\langle E \\rangle` by enumeration [energy unit]."""
    return float(exact_distribution(model) @ _state_energies(model))


def kl_divergence(p_sampled, p_exact) -> float:
    """:math:`D_{KL}(p_{sampled} \\| p_{exact}) = \\sum p_s \\ln(p_s/p_e)` [nats]."""
    p = np.asarray(p_sampled, dtype=float)
    q = np.asarray(p_exact, dtype=float)
    mask = p > 0
    if np.any(q[mask] <= 0):
        return math.inf
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def _log_abs_prod(values):
    """(sign, log|prod|) of a product."""
    return float(np.prod(np.sign(values))), float(np.sum(np.log(np.abs(values))))


def kaufman_log_partition(rows: int, cols: int, coupling_beta: float) -> float:
    """:math:`\\ln Z` of the zero-field Ising model on a ``rows`` x ``cols`` torus (Kaufman).

    Parameters
    ----------
    rows, cols : int
        Torus sides m, n [-] (each >= 2).
    coupling_beta : float
        :math:`K = \\beta J` > 0 [-].
    """
    m = _validate.positive_int("rows", rows, minimum=2)
    n = _validate.positive_int("cols", cols, minimum=2)
    k = _validate.positive("coupling_beta", coupling_beta)
    use("kaufman1949", "beale1996")
    c2, s2 = math.cosh(2 * k), math.sinh(2 * k)
    l_all = np.arange(2 * n)
    gamma = np.empty(2 * n)
    gamma[1:] = np.arccosh(c2 * c2 / s2 - np.cos(np.pi * l_all[1:] / n))
    gamma[0] = 2 * k + math.log(math.tanh(k))
    odd, even = gamma[1::2], gamma[0::2]
    terms = [
        _log_abs_prod(2 * np.cosh(0.5 * m * odd)),
        _log_abs_prod(2 * np.sinh(0.5 * m * odd)),
        _log_abs_prod(2 * np.cosh(0.5 * m * even)),
        _log_abs_prod(2 * np.sinh(0.5 * m * even)),
    ]
    top = max(t[1] for t in terms)
    total = sum(sign * math.exp(logv - top) for sign, logv in terms)
    return -math.log(2) + 0.5 * m * n * math.log(2 * s2) + top + math.log(total)


def kaufman_energy_per_site(rows: int, cols: int, coupling_beta: float, coupling: float = 1.0) -> float:
    """Mean energy per site :math:`-\\partial_\\beta \\ln Z / (mn)` on the torus [energy unit].

    Central difference of :func:`kaufman_log_partition` with step 1e-5 in K (truncation
    error ~1e-10 relative).
    """
    h = 1e-5
    dlogz = (kaufman_log_partition(rows, cols, coupling_beta + h) - kaufman_log_partition(rows, cols, coupling_beta - h)) / (
        2 * h
    )
    return -coupling * dlogz / (rows * cols)


def ising_critical_beta(coupling: float = 1.0) -> float:
    """:math:`\\beta_c = \\ln(1+\\sqrt2)/(2J)` of the square lattice [1/energy unit]."""
    return 0.5 * math.log(1 + math.sqrt(2)) / coupling


def onsager_energy_per_site(coupling_beta: float, coupling: float = 1.0) -> float:
    """Onsager's infinite-lattice energy per site [energy unit] at :math:`K = \\beta J`."""
    k = _validate.positive("coupling_beta", coupling_beta)
    use("onsager1944")
    kappa = 2 * math.sinh(2 * k) / math.cosh(2 * k) ** 2
    t2 = math.tanh(2 * k) ** 2
    return -coupling / math.tanh(2 * k) * (1 + 2 / math.pi * (2 * t2 - 1) * special.ellipk(kappa**2))


def yang_magnetisation(coupling_beta: float) -> float:
    """Yang's spontaneous magnetisation per site [-]; 0 above the critical temperature."""
    k = _validate.positive("coupling_beta", coupling_beta)
    use("yang1952")
    if k <= ising_critical_beta():
        return 0.0
    return (1 - math.sinh(2 * k) ** -4) ** 0.125


def potts_critical_beta(n_states: int, coupling: float = 1.0) -> float:
    """:math:`\\beta_c = \\ln(1+\\sqrt q)/J` of the q-state Potts model on the square lattice."""
    q = _validate.positive_int("n_states", n_states, minimum=2)
    use("wu1982")
    return math.log(1 + math.sqrt(q)) / coupling
