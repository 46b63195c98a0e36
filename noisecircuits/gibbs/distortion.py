"""How far a (hardware-aware) sampler is from ideal Boltzmann sampling.

* :func:`effective_beta_from_energy` — the :math:`\\beta_{eff}` at which the exact mean energy
  (enumeration, n <= 24) equals the sampled one: :math:`\\langle E\\rangle_{\\beta_{eff}} = \\bar E`.
* :func:`pseudolikelihood_beta` — maximum pseudo-likelihood (Besag 1975) over a scalar
  :math:`\\beta`: maximise :math:`\\sum_{samples}\\sum_i \\ln\\sigma(2\\beta s_i I_i)`; works at any size.
* :func:`distortion_report` — KL divergence of the sampled state histogram to the exact law
  (small models) and the two :math:`\\beta_{eff}` estimates.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

from noisecircuits.citations import use
from noisecircuits.errors import ParameterError
from noisecircuits.gibbs.exact import MAX_ENUMERATION_SPINS, exact_distribution, exact_mean_energy, kl_divergence
from noisecircuits.gibbs.models import IsingModel

__all__ = ["effective_beta_from_energy", "pseudolikelihood_beta", "distortion_report"]

_BETA_MAX = 50.0


def effective_beta_from_energy(model: IsingModel, mean_energy: float) -> float:
    """:math:`\\beta_{eff}` with exact :math:`\\langle E\\rangle_{\\beta_{eff}}` = ``mean_energy``.

    Parameters
    ----------
    model : IsingModel
        Model of n <= 24 spins (its own beta is ignored).
    mean_energy : float
        Sampled mean energy [energy unit].

    Returns
    -------
    float
        :math:`\\beta_{eff}` [1/energy unit]; 0 or the search bound 50 when the energy lies
        outside the reachable range.
    """

    def gap(beta):
        return exact_mean_energy(model.with_beta(beta)) - mean_energy

    low, high = gap(0.0), gap(_BETA_MAX)
    if low <= 0:
        return 0.0
    if high >= 0:
        return _BETA_MAX
    return float(optimize.brentq(gap, 0.0, _BETA_MAX, xtol=1e-10))


def pseudolikelihood_beta(model: IsingModel, spins) -> float:
    """Maximum pseudo-likelihood :math:`\\beta` from sampled configurations.

    Parameters
    ----------
    model : IsingModel
        Couplings and fields (its own beta is ignored).
    spins : array_like, shape (samples, n)
        ±1 configurations.

    Returns
    -------
    float
        :math:`\\hat\\beta` [1/energy unit].
    """
    s = np.asarray(spins, dtype=np.float64).reshape(-1, model.n_nodes)
    if s.shape[0] < 1:
        raise ParameterError("pseudo-likelihood needs at least one sampled configuration")
    use("besag1975")
    a = (2.0 * s * model.local_fields(s)).ravel()

    def slope(beta):
        return float(np.sum(a * special.expit(-beta * a)))

    if slope(0.0) <= 0:
        return 0.0
    if slope(_BETA_MAX) >= 0:
        return _BETA_MAX
    return float(optimize.brentq(slope, 0.0, _BETA_MAX, xtol=1e-10))


def distortion_report(run) -> dict:
    """Distortion of a sampling run against the exact law of ``run.model``.

    Parameters
    ----------
    run : IsingRun
        A finished run (histogram for KL; snapshots for the pseudo-likelihood estimate).

    Returns
    -------
    dict
        ``beta`` (nominal), ``beta_eff_energy`` and ``kl_divergence_nats`` (n <= 20 with a
        histogram), ``beta_eff_pseudolikelihood`` (when snapshots were kept), and
        ``kl_finite_sample_bias_nats`` ≈ (visited states − 1)/(2 N_eff), the KL an ideal
        sampler shows from finite samples alone.
    """
    model = run.model
    out = {"beta": float(model.beta)}
    if model.n_nodes <= MAX_ENUMERATION_SPINS and not run.clamp:
        out["beta_eff_energy"] = effective_beta_from_energy(model, float(run.energies.mean()))
    if run.histogram is not None:
        p_sampled = run.state_probabilities()
        p_exact = exact_distribution(model, clamp=run.clamp or None)
        out["kl_divergence_nats"] = kl_divergence(p_sampled, p_exact)
        n_eff = run.energy().n_effective
        support = int(np.count_nonzero(p_exact > 1e-12))
        out["kl_finite_sample_bias_nats"] = (support - 1) / (2.0 * n_eff)
    if run.snapshots.size:
        out["beta_eff_pseudolikelihood"] = pseudolikelihood_beta(model, run.snapshots.reshape(-1, model.n_nodes))
    return out
