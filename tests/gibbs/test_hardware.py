"""Hardware-aware mode with small in-test cell objects (duck-typed cell API)."""

import numpy as np
import pytest
from scipy import special, stats

from noisecircuits.constants import thermal_voltage
from noisecircuits.errors import ParameterError
from noisecircuits.gibbs.distortion import distortion_report, effective_beta_from_energy, pseudolikelihood_beta
from noisecircuits.gibbs.exact import exact_distribution
from noisecircuits.gibbs.graphs import erdos_renyi_edges, ising_lattice
from noisecircuits.gibbs.hardware import HardwareMode
from noisecircuits.gibbs.models import IsingModel
from noisecircuits.gibbs.sampler import sample_ising

P_REJECT = 1e-3  # chi-square rejection level


class LogisticCell:
    """P(1) = sigma((v - v_mid)/v_width), v_width = n U_T: a subthreshold-biased p-bit."""

    form = "logistic"

    def __init__(self, v_mid_sigma=0.0, width_rel_sigma=0.0, tau=100e-9):
        self.mismatch = {"v_mid_sigma_V": v_mid_sigma, "v_width_rel_sigma": width_rel_sigma}
        self.tau = tau

    def v_mid(self, temperature):
        return 0.4 - 1e-3 * (temperature - 300.0)

    def v_width(self, temperature):
        return 1.4 * thermal_voltage(temperature)

    def p_one(self, v_bias, temperature):
        return special.expit((np.asarray(v_bias) - self.v_mid(temperature)) / self.v_width(temperature))

    def correlation_time(self, v_bias, temperature):
        return np.full(np.shape(v_bias), self.tau)


class ProbitCell(LogisticCell):
    form = "probit"

    def p_one(self, v_bias, temperature):
        return special.ndtr((np.asarray(v_bias) - self.v_mid(temperature)) / self.v_width(temperature))


def _model(n=7, beta=0.7, seed=3):
    rng = np.random.default_rng(seed)
    edges = erdos_renyi_edges(n, 3.0, seed=seed)
    return IsingModel.from_edges(n, edges, rng.normal(0, 0.7, len(edges)), rng.normal(0, 0.4, n), beta)


def _chi_square_p(counts, probabilities):
    mask = probabilities > 0
    expected = probabilities[mask] * counts.sum()
    return stats.chi2.sf(float(np.sum((counts[mask] - expected) ** 2 / expected)), mask.sum() - 1)


def test_ideal_gain_of_a_logistic_cell_is_two_beta_width():
    mode = HardwareMode(LogisticCell(), temperature=320.0)
    # slope-matched gain equals 2 beta v_width for a logistic cell (central difference: 1e-7 rel)
    assert mode.ideal_gain(0.7) == pytest.approx(2 * 0.7 * 1.4 * thermal_voltage(320.0), rel=1e-6)


def test_ideal_cell_reproduces_ideal_sampling():
    model = _model()
    mode = HardwareMode(LogisticCell(), temperature=310.0)
    run = sample_ising(model, sweeps=1, burn_in=60, chains=20000, seed=5, hardware=mode)
    assert _chi_square_p(run.histogram, exact_distribution(model)) > P_REJECT
    report = distortion_report(run)
    # KL of an exact sampler is its finite-sample bias ~ (K-1)/(2N); allow 3x
    assert report["kl_divergence_nats"] < 3 * report["kl_finite_sample_bias_nats"]


@pytest.mark.slow
def test_finite_correlation_time_keeps_the_law_but_slows_mixing():
    model = _model(n=6, seed=8)
    fast = sample_ising(model, sweeps=20000, burn_in=200, chains=2, seed=1, hardware=HardwareMode(LogisticCell()))
    slow_mode = HardwareMode(LogisticCell(tau=100e-9), update_interval=50e-9)  # keep with e^{-1/2} = 0.61
    slow = sample_ising(model, sweeps=20000, burn_in=200, chains=2, seed=1, hardware=slow_mode)
    e_fast, e_slow = fast.energy(), slow.energy()
    # keeping a state is a lazy Gibbs step: same law, longer correlations (tau scales ~ 1/(1-0.61) = 2.5)
    assert e_slow.tau_int > 1.8 * e_fast.tau_int
    exact_energy = float(exact_distribution(model) @ model.energy(_all_states(model.n_nodes)))
    assert abs(e_slow.mean - exact_energy) < 5 * e_slow.stderr  # 5 standard errors


def _all_states(n):
    codes = np.arange(1 << n)
    return 2 * ((codes[:, None] >> np.arange(n)) & 1) - 1


def test_mismatch_is_applied_per_cell_exactly():
    # uncoupled spins: each samples P_i = F(a_i + b_i h_i) exactly, F the nominal curve
    n = 12
    h = np.linspace(-0.5, 0.5, n)
    model = IsingModel.from_edges(n, np.zeros((0, 2), dtype=int), [], h, beta=1.0)
    mode = HardwareMode(LogisticCell(v_mid_sigma=0.02, width_rel_sigma=0.2), mismatch=True, mismatch_seed=4)
    tables = mode.tables(n, model.beta)
    expected = 2 * special.expit(tables.offset_x + tables.gain_x * h) - 1
    # three colour classes reorder the nodes internally: the per-cell tables must follow them
    run = sample_ising(
        model, sweeps=1, burn_in=1, chains=20000, seed=2, hardware=mode, histogram=False, colours=np.arange(n) % 3
    )
    sigma = np.sqrt((1 - expected**2) / 20000)  # independent +-1 samples
    assert np.all(np.abs(run.mean_spins() - expected) < 5 * sigma)  # 5 sigma per spin
    ideal = np.tanh(h)
    assert np.max(np.abs(expected - ideal)) > 0.1  # mismatch really moved the curves


def test_mismatch_reports_a_distortion():
    model = _model()
    mode = HardwareMode(LogisticCell(v_mid_sigma=0.03, width_rel_sigma=0.3), mismatch=True, mismatch_seed=1)
    run = sample_ising(model, sweeps=1, burn_in=60, chains=20000, seed=5, hardware=mode)
    report = distortion_report(run)
    # the exact law is rejected at the 0.1 % level, and the KL is 10x what finite sampling gives
    assert _chi_square_p(run.histogram, exact_distribution(model)) < P_REJECT
    assert report["kl_divergence_nats"] > 10 * report["kl_finite_sample_bias_nats"]
    # beta_eff moves by more than 5 of its standard errors, sd(beta_eff) = stderr(E) / Var(E)
    energy = run.energy()
    assert abs(report["beta_eff_energy"] - model.beta) > 5 * energy.stderr / energy.variance


def test_probit_cell_with_slope_matched_gain_is_close_but_not_exact():
    model = _model()
    run = sample_ising(model, 1, burn_in=60, chains=20000, seed=6, hardware=HardwareMode(ProbitCell()))
    report = distortion_report(run)
    # probit vs logistic with equal slopes differ by <= 1.8 % in P: small but measurable distortion
    assert report["kl_divergence_nats"] < 0.05
    assert abs(report["beta_eff_energy"] - model.beta) < 0.1


def test_effective_beta_estimators_recover_the_true_beta():
    model = ising_lattice(4, 0.35)
    run = sample_ising(model, sweeps=4000, burn_in=100, chains=4, seed=3, snapshot_every=2)
    report = distortion_report(run)
    # beta_eff from the mean energy: dE/dbeta = -Var(E) -> sd(beta) = stderr(E)/Var(E); 5 sigma
    energy = run.energy()
    assert abs(report["beta_eff_energy"] - 0.35) < 5 * energy.stderr / energy.variance
    # pseudo-likelihood on 8000 correlated snapshots: consistent estimator, 5 % is > 5 sigma here
    assert report["beta_eff_pseudolikelihood"] == pytest.approx(0.35, rel=0.05)
    assert effective_beta_from_energy(model, -1e9) == 50.0
    assert pseudolikelihood_beta(model, np.ones((1, 16))) == 50.0


def test_hardware_mode_validation():
    with pytest.raises(ParameterError, match="p_one"):
        HardwareMode(object())
    with pytest.raises(ParameterError, match="temperature"):
        HardwareMode(LogisticCell(), temperature=-1.0)
    with pytest.raises(ParameterError, match="update_interval"):
        HardwareMode(LogisticCell(), update_interval=-1e-9)
