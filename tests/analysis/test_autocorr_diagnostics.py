"""Split-R-hat, bulk/tail ESS and multi-chain standard errors.

arviz-stats (a test dependency) is the reference for R-hat and ESS: the same draws must give
the same numbers to 1e-6 (relative), including chains that do not mix.
"""

import numpy as np
import pytest

from noisecircuits.analysis import diagnostics as dg
from noisecircuits.analysis.autocorrelation import integrated_autocorrelation_time
from noisecircuits.errors import DataError, ParameterError

arviz = pytest.importorskip("arviz_stats.base", reason="arviz-stats is the reference (pip install arviz-stats)")
ref = arviz.array_stats


def _ar1(rho, n, chains, seed):
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(chains, n))
    x = np.empty((chains, n))
    x[:, 0] = noise[:, 0] / np.sqrt(1 - rho**2)
    for t in range(1, n):
        x[:, t] = rho * x[:, t - 1] + noise[:, t]
    return x


def _draw_sets():
    rng = np.random.default_rng(7)
    stuck = np.vstack([_ar1(0.95, 1000, 1, 1) - 3.0, _ar1(0.95, 1000, 1, 2) + 3.0])  # two chains that never meet
    ising_like = np.where(_ar1(0.99, 801, 4, 5) > 0, 1.0, -1.0)  # discrete draws with many ties, odd length
    return {
        "white, 4 chains": rng.normal(size=(4, 500)),
        "ar1 0.9, 4 chains": _ar1(0.9, 2000, 4, 3),
        "ar1 0.5, 1 chain": _ar1(0.5, 3001, 1, 4),
        "non-mixing pair": stuck,
        "ties, odd length": ising_like,
        "skewed, 3 chains": np.exp(_ar1(0.7, 400, 3, 6)),
    }


@pytest.mark.parametrize("name", list(_draw_sets()))
def test_r_hat_and_ess_match_arviz(name):
    x = _draw_sets()[name]
    # same definitions (Vehtari et al. 2021), only floating-point rounding differs: 1e-6 relative
    assert dg.ess_bulk(x) == pytest.approx(float(ref.ess(x, method="bulk")), rel=1e-6)
    assert dg.ess_tail(x) == pytest.approx(float(ref.ess(x, method="tail", prob=(0.05, 0.95))), rel=1e-6)
    assert dg.ess_mean(x) == pytest.approx(float(ref.ess(x, method="mean")), rel=1e-6)
    if x.shape[0] >= 2:  # arviz gives R-hat for two or more chains only
        assert dg.split_r_hat(x) == pytest.approx(float(ref.rhat(x, method="rank")), rel=1e-6)


def test_non_mixing_chains_are_flagged_and_their_error_covers_the_spread():
    x = _draw_sets()["non-mixing pair"]
    s = dg.summarise_series(x)
    assert s.r_hat > 1.5 and s.ess_bulk < 100
    problems = dg.convergence_problems({"x": s})
    assert any("R-hat" in p for p in problems) and any("ESS" in p for p in problems)
    # the two chain means are -3 and +3: the error is at least their spread / sqrt(2)
    means = x.mean(axis=1)
    assert s.stderr >= means.std(ddof=1) / np.sqrt(2) - 1e-12


def test_well_mixed_chains_pass():
    s = dg.summarise_series(_ar1(0.5, 5000, 4, seed=21))
    assert dg.convergence_problems({"x": s}) == []
    # the true mean is 0: 4 standard errors
    assert abs(s.mean) < 4 * s.stderr


def test_pooled_error_includes_between_chain_spread():
    # 8 chains, each mixing well inside a state but offset by a chain-level shift (sd 0.02):
    # the honest error is the spread of the chain means / sqrt(8), not the pooled white-noise error
    rng = np.random.default_rng(2)
    x = rng.normal(0.0, 0.1, size=(8, 4000)) + rng.normal(0.0, 0.02, size=(8, 1))
    s = dg.summarise_series(x)
    assert s.stderr >= x.mean(axis=1).std(ddof=1) / np.sqrt(8) - 1e-12
    assert s.stderr > 2 * 0.1 / np.sqrt(x.size)


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_ar1_tau_matches_closed_form(rho):
    x = _ar1(rho, 20000, 4, seed=11)
    exact = (1 + rho) / (2 * (1 - rho))  # tau_int = 1/2 + sum rho^t
    # relative error of tau_int is about sqrt(2 (2W+1)/N) (Sokal eq. 3.19); W <= 5 tau + 1:
    # 4 such standard errors plus the window bias exp(-5)
    sd = np.sqrt(2 * (2 * (5 * exact + 1) + 1) / x.size)
    assert integrated_autocorrelation_time(x) == pytest.approx(exact, rel=4 * sd + np.exp(-5))
    # ESS of the mean: N / (2 tau_int) within the same relative error
    assert dg.ess_mean(x) == pytest.approx(x.size / (2 * exact), rel=4 * sd + np.exp(-5))


def test_stderr_covers_the_true_mean():
    x = _ar1(0.8, 5000, 2, seed=3)
    summary = dg.summarise_series(x)
    # the true mean is 0: within 4 standard errors
    assert abs(summary.mean) < 4 * summary.stderr
    assert summary.n_effective == pytest.approx(summary.variance / summary.stderr**2)


def test_constant_and_short_series():
    s = dg.summarise_series(np.ones((3, 50)))
    assert s.stderr == 0 and s.r_hat == 1.0 and s.ess_bulk == 150
    assert dg.split_r_hat(np.vstack([np.zeros(10), np.ones(10)])) == np.inf
    assert np.isnan(dg.summarise_series(np.ones((2, 3))).r_hat)
    assert integrated_autocorrelation_time(np.ones(50)) == 0.5
    with pytest.raises(DataError, match="n >= 2"):
        integrated_autocorrelation_time([1.0])
    with pytest.raises(DataError, match="n >= 4"):
        dg.ess_bulk([1.0, 2.0])
    with pytest.raises(ParameterError, match="R-hat threshold must be > 1"):
        dg.convergence_problems({}, r_hat_max=1.0)


def test_too_few_draws_is_one_problem_per_quantity():
    s = dg.summarise_series(np.random.default_rng(1).normal(size=(4, 3)))
    assert dg.convergence_problems({"energy": s}) == ["fewer than 4 draws per chain to diagnose energy"]
