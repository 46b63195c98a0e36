"""The categorical winner-take-all cell: fixed points, exact N = 2 law, softmax law for N = 4."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

import noisecircuits as nc
from noisecircuits.circuits.categorical import CategoricalCell, CategoricalDesign, softmax
from noisecircuits.errors import ParameterError

DESIGN = CategoricalDesign.default()
V0 = DESIGN.v_nominal


def test_default_cell_has_one_stable_winner_state_per_node():
    cell = CategoricalCell(DESIGN, None, 300.0)
    fp = cell.fixed_points
    assert sorted(fp) == [0, 1, 2, 3]
    for k, state in fp.items():
        # permutation symmetry: every winner state is the same vector with its entries permuted
        np.testing.assert_allclose(np.sort(state), np.sort(fp[0]), atol=1e-10)
        assert int(np.argmax(state)) == k
        assert np.all(np.linalg.eigvals(cell.netlist.jacobian(state)).real < 0)


def test_readout_is_index_of_highest_node():
    values = np.array([[[0.1, 0.0, 0.02, 0.03], [0.0, 0.0, 0.0, 0.11]]])
    np.testing.assert_array_equal(CategoricalCell.readout(values), [[0, 3]])


def test_validation():
    with pytest.raises(ParameterError, match="v_controls must hold n_states = 4"):
        CategoricalCell(DESIGN, [0.05, 0.05], 300.0)
    with pytest.raises(ParameterError, match=r"v_controls\[1\] must be in"):
        CategoricalCell(DESIGN, [0.05, 2.0, 0.05, 0.05], 300.0)
    with pytest.raises(ParameterError, match="n_states must be"):
        CategoricalDesign(n_states=1)
    with pytest.raises(ParameterError, match="occupations_exact needs n_states = 2"):
        CategoricalCell(DESIGN).occupations_exact()


def _occupations(cell, steps, seed):
    trace = nc.simulate(cell, steps * cell.timescale / 20, seed=seed, record_every=20)
    stats = nc.trace_stats(trace)
    return np.array(stats["occupations"]), np.array(stats["occupations_stderr"]), trace


def test_two_state_cell_sde_matches_fokker_planck():
    design = replace(DESIGN, n_states=2)
    cell = CategoricalCell(design, [V0 - 0.004, V0 + 0.002], 300.0)
    exact = cell.occupations_exact()
    occ, err, _ = _occupations(cell, 3e5, seed=5)
    # 4 autocorrelation-corrected standard errors; the grid error (~1e-4) is negligible
    assert abs(occ[0] - exact[0]) < 4 * err[0]
    assert exact[0] > 0.6  # the lower control voltage wins


def _fit_width(settings, observations):
    """Maximum-likelihood-like fit of w in theta_k = -(v_k - V0)/w (chi-square on occupations)."""

    def chi2(w):
        total = 0.0
        for v, (occ, err) in zip(settings, observations):
            pred = softmax(-(np.asarray(v) - V0) / w)
            total += np.sum(((occ - pred) / err) ** 2)
        return total

    res = minimize_scalar(chi2, bounds=(1e-4, 0.05), method="bounded", options={"xatol": 1e-8})
    # one-sigma interval of w from chi2(w) = chi2_min + 1 (numerical curvature)
    h = res.x * 1e-3
    curvature = (chi2(res.x + h) - 2 * chi2(res.x) + chi2(res.x - h)) / h**2
    return res.x, math.sqrt(2.0 / curvature)


@pytest.mark.slow
def test_four_state_occupations_follow_softmax_law():
    temperature = 300.0
    train = [[V0 - 0.005, V0, V0, V0 + 0.005], [V0, V0 + 0.005, V0 - 0.005, V0]]
    validate = [[V0 - 0.01, V0, V0, V0 + 0.01], [V0 + 0.004, V0 - 0.006, V0, V0 + 0.002]]
    observations = []
    for i, v in enumerate(train):
        occ, err, _ = _occupations(CategoricalCell(DESIGN, v, temperature), 6e5, seed=100 + i)
        observations.append((occ, err))
    w, w_err = _fit_width(train, observations)
    assert 1e-3 < w < 1e-2  # a few mV: the documented order of magnitude
    for i, v in enumerate(validate):
        occ, err, _ = _occupations(CategoricalCell(DESIGN, v, temperature), 6e5, seed=200 + i)
        theta = -(np.asarray(v) - V0) / w
        pred = softmax(theta)
        # prediction uncertainty from w's standard error (delta method), added in quadrature
        dpred = (softmax(-(np.asarray(v) - V0) / (w + w_err)) - pred)
        sigma = np.sqrt(err**2 + dpred**2)
        # 4 combined standard errors per state
        assert np.all(np.abs(occ - pred) < 4 * sigma), (v, occ, pred, sigma)


def test_supply_power_from_trace_is_vdd_times_mean_current():
    cell = CategoricalCell(DESIGN, None, 300.0)
    _, _, trace = _occupations(cell, 2e4, seed=1)
    current = cell.supply_current(trace.values[0, 1:, :])
    assert cell.supply_power(trace) == pytest.approx(DESIGN.supply_voltage * current.mean(), rel=1e-12)
    # at a winner fixed point all of I_dd flows through the pull-ups: hand sum of their currents
    state = cell.fixed_points[0]
    pullups = [(i_f - i_r) for dev, (i_f, i_r) in zip(cell.netlist.devices, cell.netlist.device_currents(state))
               if dev.name.startswith("MP")]
    assert float(cell.supply_current(state)) == pytest.approx(sum(pullups), rel=1e-12)
