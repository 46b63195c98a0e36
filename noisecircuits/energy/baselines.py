"""Baselines: a GPU running the same Gibbs updates, conventional TRNGs, AI inference scenarios.

* GPU: :math:`E = N_{FLOP} \\cdot e_{FLOP}` with H100 figures (docs/physics.md §6): 700 W at
  989 TFLOP/s dense BF16 → 0.71 pJ/FLOP; FP32 (non-tensor) 10.5 pJ/FLOP. These are peak
  efficiencies, so the baseline is optimistic for the GPU (sparse Gibbs is memory bound).
  FLOPs assigned to one Gibbs update of a node of degree d:

  .. math:: N_{FLOP} = 2d\\ (\\text{multiply-adds}) + 4\\ (\\text{sigmoid: negate, exp, add, divide})
            + 10\\ (\\text{one Philox random number}) + 1\\ (\\text{compare}).

* TRNG: 2.9 pJ per random bit (Intel 45 nm); a heat-bath update compares the sigmoid with an
  8-bit random number by default.
* AI inference scenario: :math:`E = 2 \\cdot \\text{parameters} \\cdot \\text{tokens} \\cdot
  m_{reasoning} \\cdot e_{FLOP}` (transformer inference ≈ 2 FLOPs per parameter per token).
"""

from __future__ import annotations

from noisecircuits import _validate
from noisecircuits.citations import use

__all__ = [
    "H100_BF16_J_PER_FLOP",
    "H100_FP32_J_PER_FLOP",
    "TRNG_J_PER_BIT",
    "SIGMOID_FLOPS",
    "RANDOM_NUMBER_FLOPS",
    "COMPARE_FLOPS",
    "gibbs_update_flops",
    "gpu_gibbs_energy",
    "trng_energy",
    "inference_energy",
    "inference_power",
]

#: H100 dense BF16 at peak: 700 W / 989e12 FLOP/s [J/FLOP]
H100_BF16_J_PER_FLOP = 0.71e-12
#: H100 FP32 non-tensor [J/FLOP]
H100_FP32_J_PER_FLOP = 10.5e-12
#: Conventional TRNG, Intel 45 nm [J/bit]
TRNG_J_PER_BIT = 2.9e-12
SIGMOID_FLOPS = 4
RANDOM_NUMBER_FLOPS = 10
COMPARE_FLOPS = 1


def gibbs_update_flops(degree: float) -> float:
    """FLOPs of one Gibbs update of a node with ``degree`` neighbours on a GPU [-]."""
    d = _validate.non_negative("degree", degree)
    return 2.0 * d + SIGMOID_FLOPS + RANDOM_NUMBER_FLOPS + COMPARE_FLOPS


def gpu_gibbs_energy(n_updates: float, degree: float, energy_per_flop: float = H100_BF16_J_PER_FLOP) -> float:
    """GPU energy of ``n_updates`` Gibbs updates [J].

    Parameters
    ----------
    n_updates : float
        Number of node updates [-].
    degree : float
        Mean degree [-].
    energy_per_flop : float
        [J/FLOP]; default H100 dense BF16.
    """
    use("nvidia_h100")
    n = _validate.non_negative("n_updates", n_updates)
    e = _validate.positive("energy_per_flop", energy_per_flop, "J/FLOP")
    return n * gibbs_update_flops(degree) * e


def trng_energy(n_bits: float, energy_per_bit: float = TRNG_J_PER_BIT) -> float:
    """Energy of ``n_bits`` random bits from a conventional TRNG [J] (``energy_per_bit`` [J/bit])."""
    use("mathew2012")
    return _validate.non_negative("n_bits", n_bits) * _validate.positive("energy_per_bit", energy_per_bit, "J/bit")


def inference_energy(
    parameters: float, tokens: float, reasoning_multiplier: float = 1.0, energy_per_flop: float = H100_BF16_J_PER_FLOP
) -> float:
    """Energy of transformer inference, :math:`2 P\\, n_{tok}\\, m\\, e_{FLOP}` [J].

    Parameters
    ----------
    parameters : float
        Model parameters P [-].
    tokens : float
        Tokens generated [-].
    reasoning_multiplier : float
        Extra tokens spent reasoning per answer token, m >= 1 [-].
    energy_per_flop : float
        [J/FLOP].
    """
    p = _validate.positive("parameters", parameters)
    t = _validate.non_negative("tokens", tokens)
    m = _validate.in_range("reasoning_multiplier", reasoning_multiplier, 1.0, float("inf"))
    return 2.0 * p * t * m * _validate.positive("energy_per_flop", energy_per_flop, "J/FLOP")


def inference_power(
    parameters: float,
    tokens_per_second: float,
    reasoning_multiplier: float = 1.0,
    energy_per_flop: float = H100_BF16_J_PER_FLOP,
) -> float:
    """Power of sustained inference at ``tokens_per_second`` [1/s] [W]; other parameters as :func:`inference_energy`."""
    return inference_energy(parameters, tokens_per_second, reasoning_multiplier, energy_per_flop)
