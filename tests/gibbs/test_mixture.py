"""Binary-Gaussian nodes (ideal and through a calibrated continuous cell) against exact enumeration."""

import numpy as np
import pytest
from scipy import special, stats

from noisecircuits.cells.build import continuous_cell_from_fit
from noisecircuits.errors import ParameterError
from noisecircuits.fitting.result import FitResult
from noisecircuits.gibbs.exact import exact_distribution, state_spins
from noisecircuits.gibbs.mixture import BinaryGaussianModel, ContinuousHardwareMode, sample_binary_gaussian
from noisecircuits.gibbs.models import IsingModel

P_REJECT = 1e-3  # Kolmogorov-Smirnov rejection level


def _cell(form):
    names = ("weight_v_mid_V", "weight_v_width_V", "mean_zero_V", "mean_one_V", "std_zero_V", "std_one_V")
    values = (0.4, 0.05, 0.2, 0.7, 0.08, 0.05)
    fit = FitResult(dict(zip(names, values)), dict.fromkeys(names, 0.001), np.eye(6) * 1e-6, names, 0.0, 9,
                    form=form, details={"bias_range_V": [0.2, 0.6]})  # fmt: skip
    return continuous_cell_from_fit(fit, temperature_range_K=[290.0, 310.0])


def _ring(beta=0.8):
    edges = [[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]]
    return IsingModel.from_edges(4, edges, [0.6, -0.4, 0.5, 0.3, -0.2], [0.2, -0.3, 0.1, 0.0], beta)


def _exact_moments(model):
    """Exact <y_i>, Var y_i, <y_0 y_1> and Var(y_0 y_1) by enumerating the spins (Gaussians integrated in closed form)."""
    p = exact_distribution(model.ising)
    spins = state_spins(np.arange(p.size), model.n_nodes)
    mu, sd = model.mode_means(spins), model.mode_stds(spins)
    first = p @ mu
    second = p @ (mu**2 + sd**2)
    product = p @ (mu[:, 0] * mu[:, 1])
    product_second = p @ ((mu[:, 0] ** 2 + sd[:, 0] ** 2) * (mu[:, 1] ** 2 + sd[:, 1] ** 2))
    return first, second - first**2, product, product_second - product**2


def _check(run, model):
    first, variance, product, product_var = _exact_moments(model)
    y = run.values.reshape(-1, model.n_nodes)
    n = y.shape[0]
    # independent chains, one sample each: SE = exact sd / sqrt(N); 4 SE
    assert np.all(np.abs(y.mean(axis=0) - first) < 4 * np.sqrt(variance / n))
    assert abs(np.mean(y[:, 0] * y[:, 1]) - product) < 4 * np.sqrt(product_var / n)
    # second moment: Var of y^2 from the sample (4th moments of a mixture); 4 SE
    squares = y**2
    assert np.all(np.abs(squares.mean(axis=0) - (variance + first**2)) < 4 * squares.std(axis=0) / np.sqrt(n))


def test_ideal_binary_gaussian_nodes_match_enumeration():
    means = np.array([[-1.0, 1.0], [0.0, 2.0], [0.5, 0.7], [-0.3, 0.3]])
    stds = np.array([[0.3, 0.2], [0.5, 0.5], [0.05, 0.1], [1.0, 0.4]])
    model = BinaryGaussianModel(_ring(), means, stds)
    run = sample_binary_gaussian(model, 1, burn_in=50, chains=20000, seed=3)
    assert run.values.shape == (1, 20000, 4)
    _check(run, model)
    # the whole marginal law of y_0: the exact two-mode mixture with weight P(s_0 = +1)
    p = exact_distribution(model.ising)
    w = float(p @ (state_spins(np.arange(p.size), 4)[:, 0] > 0))

    def mixture_cdf(x):
        return (1 - w) * special.ndtr((x - means[0, 0]) / stds[0, 0]) + w * special.ndtr((x - means[0, 1]) / stds[0, 1])

    assert stats.kstest(run.values[0, :, 0], mixture_cdf).pvalue > P_REJECT


def test_logistic_continuous_cell_with_ideal_gain_realises_the_model():
    mode = ContinuousHardwareMode(_cell("logistic"))
    ising = _ring()
    model = mode.node_model(ising)
    assert np.allclose(model.means, [0.2, 0.7]) and np.allclose(model.stds, [0.08, 0.05])
    run = sample_binary_gaussian(BinaryGaussianModel(ising, [0.0, 1.0], [1.0, 1.0]), 1, burn_in=50, chains=20000,
                                 seed=4, hardware=mode)  # fmt: skip
    # the cell's modes replace the given ones; the weight law sigma(2 beta I): the exact model
    assert np.allclose(run.model.means, [0.2, 0.7])
    _check(run, model)


@pytest.mark.parametrize("form", ["logistic", "probit"])
def test_conditional_read_out_is_the_cells_mixture(form):
    # node 1 held at +1: node 0's read-out is exactly the cell mixture at v = V0 + g I, I = h_0 + J
    cell = _cell(form)
    mode = ContinuousHardwareMode(cell, gain=0.04)
    ising = IsingModel.from_edges(2, [[0, 1]], [0.8], [0.1, 0.0], beta=1.0)
    run = sample_binary_gaussian(BinaryGaussianModel(ising, [0, 1], [1, 1]), 1, burn_in=3, chains=20000, seed=5,
                                 hardware=mode, clamp={1: 1})  # fmt: skip
    mixture = cell.mixture(0.4 + 0.04 * 0.9, 300.0)
    w, mu, sd = mixture["weights"][1], mixture["means_V"], mixture["stds_V"]

    def mixture_cdf(x):
        return (1 - w) * special.ndtr((x - mu[0]) / sd[0]) + w * special.ndtr((x - mu[1]) / sd[1])

    y = run.values[0, :, 0]
    mean = (1 - w) * mu[0] + w * mu[1]
    variance = (1 - w) * (mu[0] ** 2 + sd[0] ** 2) + w * (mu[1] ** 2 + sd[1] ** 2) - mean**2
    assert abs(y.mean() - mean) < 4 * np.sqrt(variance / y.size)  # 4 SE, independent chains
    assert stats.kstest(y, mixture_cdf).pvalue > P_REJECT
    assert np.mean(run.values[0, :, 1] < 0.45) < 1e-3  # clamped s_1 = +1: mode N(0.7 V, 0.05 V), 5 sd above 0.45


def test_read_outs_are_seeded_and_per_chain():
    model = BinaryGaussianModel(_ring(), [0.0, 1.0], [0.2, 0.2])
    two = sample_binary_gaussian(model, 5, burn_in=2, chains=2, seed=8)
    again = sample_binary_gaussian(model, 5, burn_in=2, chains=2, seed=8)
    three = sample_binary_gaussian(model, 5, burn_in=2, chains=3, seed=8)
    assert np.array_equal(two.values, again.values)
    assert np.array_equal(three.values[:, :2], two.values)
    assert two.means().shape == (4,) and two.covariance().shape == (4, 4)


def test_bad_binary_gaussian_input():
    ising = _ring()
    with pytest.raises(ParameterError, match="means"):
        BinaryGaussianModel(ising, np.zeros((3, 2)), [1.0, 1.0])
    with pytest.raises(ParameterError, match="stds"):
        BinaryGaussianModel(ising, [0.0, 1.0], [1.0, 0.0])
    with pytest.raises(ParameterError, match="mixture"):
        ContinuousHardwareMode(object())
    with pytest.raises(ParameterError, match="BinaryGaussianModel"):
        sample_binary_gaussian(ising, 1)
