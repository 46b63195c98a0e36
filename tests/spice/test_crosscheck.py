"""SPICE vs SDE agreement of the three sampler designs (tolerances: 4 SE + derived budget)."""

import math

import numpy as np
import pytest

from noisecircuits.circuits.pbit import PBit, PBitDesign, v_mid
from noisecircuits.validation.crosscheck import (
    STATISTICAL_SIGMAS,
    check_categorical,
    check_continuous,
    check_pbit,
    check_pbit_design,
    pbit_biases,
    stratonovich_p_one,
)
from noisecircuits.errors import ParameterError

pytestmark = pytest.mark.requires_ngspice


@pytest.fixture(scope="module")
def design_320():
    design, cals = check_pbit_design("generic", (320.0,))
    return design, cals


def test_check_design_is_bistable_and_calibrated(design_320):
    design, cals = design_320
    model = PBit(design, v_mid(design, 320.0), 320.0)
    low, high = model.wells
    assert low < 0 < high
    # the capacitance-free card's EKV calibration error (weak inversion) stays below 15 %
    assert all(c.max_abs_log_error < 0.15 for c in cals.values())


def test_ito_stratonovich_difference_is_small_but_not_zero(design_320):
    design, _ = design_320
    for vb in pbit_biases(design, 320.0, (0.2, 0.8)):
        model = PBit(design, vb, 320.0)
        # correction of relative size q/(4 C n U_T) = 1.5e-2 at C = 70 aF: P(1) moves by about
        # 0.01 in the tails (measured 0.0100 at P = 0.2, 320 K), below the SPICE errors but not
        # zero: the Itô-corrected netlists are compared against the Itô value, and the
        # Stratonovich one is reported beside it
        shift = abs(stratonovich_p_one(model) - model.p_one_exact())
        assert 1e-4 < shift < 0.02


def test_pbit_biases_hit_their_targets(design_320):
    design, _ = design_320
    targets = (0.1, 0.5, 0.9)
    biases = pbit_biases(design, 320.0, targets)
    assert np.all(np.diff(biases) > 0)
    for vb, p in zip(biases, targets):
        assert PBit(design, vb, 320.0).p_one_exact() == pytest.approx(p, abs=1e-4)


def test_checks_reject_cards_without_capacitance_free_variant():
    with pytest.raises(ParameterError, match="capacitance-free"):
        check_pbit("sky130", (300.0,))


def test_check_design_is_the_reference_design(design_320):
    from dataclasses import replace

    design, _ = design_320
    reference = PBitDesign.default()
    # only the EKV parameters are calibrated: sizes, voltages and capacitance are the shipped design's
    assert replace(design, nmos=reference.nmos, pmos=reference.pmos, bias_nmos=reference.bias_nmos) == reference
    for name in ("nmos", "pmos", "bias_nmos"):
        assert (getattr(design, name).width, getattr(design, name).length) == (
            getattr(reference, name).width, getattr(reference, name).length)


@pytest.mark.slow
def test_pbit_agreement_two_temperatures():
    # the light check design; the three biases of a temperature as copies in one deck (the same
    # ngspice work as three single-copy decks, docs/spice.md "Cost of the check"); the two decks run at once
    frame = check_pbit("generic", (300.0, 320.0), probabilities=(0.2, 0.5, 0.8), correlation_times=100, seed=1,
                       light=True, workers=2, copies_per_deck=3)
    assert len(frame) == 6
    assert (frame["copies_in_deck"] == 3).all() and frame["deck"].nunique() == 2
    assert frame["p_one_agrees"].all(), frame.to_string()
    compared = frame[frame["tau_agrees"].notna()]
    # the correlation time is compared wherever the SDE latch is bistable (5 of 6 points here)
    assert len(compared) >= 4
    assert compared["tau_agrees"].astype(bool).all(), frame.to_string()
    # both wells visited repeatedly (about 50 switches expected at P = 0.5 in 100 tau_c)
    assert (compared["n_switches_spice"] >= 10).all()
    # the transfer curve rises with the bias in SPICE too (SE ~0.05 against steps of 0.3)
    for _, group in frame.groupby("temperature_K"):
        assert np.all(np.diff(group.sort_values("v_bias_V")["p_one_spice"].to_numpy()) > 0)
    # the tolerance is 4 SE + the derived budget, never more
    np.testing.assert_allclose(frame["p_one_tolerance"],
                               STATISTICAL_SIGMAS * frame["p_one_spice_stderr"] + frame["p_one_budget"])


@pytest.mark.slow
def test_continuous_agreement_and_a_wrong_law_fails():
    # 30 correlation times at 320 K (one deck, ~50 s on one core): the mode positions and variances
    # are resolved (SE ~0.5 mV, ~7 % of the variance); the weight's SE (~0.12) is too large to test it here
    frame = check_continuous("generic", 320.0, correlation_times=30, seed=2)
    assert frame["agrees"].all(), frame.to_string()
    rec = frame.set_index("quantity")
    # the two modes are resolved: mode 1 (MA, v_mode_a = 40 mV) sits above mode 0 (0 V)
    assert rec.loc["mean_V_mode1", "spice"] > rec.loc["mean_V_mode0", "spice"] + 0.01
    assert rec.loc["weight_one", "sde"] == pytest.approx(0.5, abs=1e-6)  # Itô P(1) at v_mid
    np.testing.assert_allclose(frame["tolerance"], STATISTICAL_SIGMAS * frame["spice_stderr"] + frame["budget"])
    # the same record against wrong laws (no second ngspice run): half the model's variances (a
    # node of twice C_y), and the means of the cell with its two mode sources swapped
    from noisecircuits.validation.cell_laws import recompare

    halved = {q: 0.5 * rec.loc[q, "sde"] for q in ("var_V2_mode0", "var_V2_mode1")}
    wrong = recompare(frame, halved, STATISTICAL_SIGMAS).set_index("quantity")
    assert not wrong.loc[["var_V2_mode0", "var_V2_mode1"], "agrees"].any(), wrong.to_string()
    swapped = recompare(frame, {"mean_V_mode0": rec.loc["mean_V_mode1", "sde"],
                                "mean_V_mode1": rec.loc["mean_V_mode0", "sde"]}, STATISTICAL_SIGMAS)
    assert not swapped.set_index("quantity").loc[["mean_V_mode0", "mean_V_mode1"], "agrees"].any()


@pytest.mark.slow
def test_categorical_agreement_at_distinct_controls_and_a_wrong_law_fails():
    from noisecircuits.validation.cell_laws import categorical_law, recompare
    from noisecircuits.validation.crosscheck import CATEGORICAL_CONTROL_OFFSETS, check_categorical_design

    frame = check_categorical("generic", 300.0, correlation_times=400, seed=3)
    assert frame["agrees"].all(), frame.to_string()
    occ = frame[frame["quantity"].str.startswith("occupation")]
    assert math.isclose(occ["spice"].sum(), 1.0, rel_tol=1e-12)
    # four distinct controls, rising; the occupations spread and fall with the control in SPICE too
    controls = occ["v_control_V"].to_numpy()
    assert np.all(np.diff(controls) > 1e-3)
    assert occ["sde"].max() > 0.35 and occ["sde"].min() < 0.15
    assert occ["spice"].iloc[0] > occ["spice"].iloc[3] + 0.15
    # the same record against the law of the reversed controls (state 3 most likely): fails
    design, _, checked = check_categorical_design("generic", 300.0)
    assert np.allclose(checked, controls) and len(CATEGORICAL_CONTROL_OFFSETS) == 4
    sample = frame["noise_step_s"].iloc[0] / 2
    law = categorical_law(design, controls[::-1], 300.0, 10 * frame["duration_s"].iloc[0], sample, 11)
    wrong = recompare(frame, {f"occupation_{k}": law["occupations"][k] for k in range(4)}, STATISTICAL_SIGMAS,
                      {f"occupation_{k}": law["occupations_stderr"][k] for k in range(4)})
    assert not wrong.set_index("quantity").loc[["occupation_0", "occupation_3"], "agrees"].any(), wrong.to_string()
