"""Several independent p-bit copies in one ngspice deck: the deck is the single-copy deck renamed
per copy, the copies are independent, and the pooled copies give the single-copy statistics."""

import re

import numpy as np
import pytest

from noisecircuits.circuits.pbit import PBit, PBitDesign, v_mid
from noisecircuits.errors import ParameterError
from noisecircuits.spice.cards import capacitance_free, get_card
from noisecircuits.spice.generate import pbit_copies_netlist_text, pbit_netlist_text
from noisecircuits.spice.pbit import (
    NOISE_STEP_PER_TIMESCALE,
    SAMPLES_PER_NOISE_STEP,
    check_card,
    copies_readouts,
    copy_columns,
    readout_statistics,
    render_pbit,
    render_pbit_copies,
    start_point,
)
from noisecircuits.spice.units import round_significant

_STEPS = dict(temperature=300.0, noise_step=1e-8, duration=1e-6, seed=1, sample_step=5e-9, max_step=4.99e-9)
_NODES = ("out", "outb", "v_bias", "vdd", "v_ref")
_DEVICES = ("MPa", "MNa", "MPb", "MNb", "MNbias", "MNref")


def _rename(line, k):
    """Copy k's name of every node, device and element of a single-copy deck line."""
    def one(m):
        word = m.group(0)
        if word in _NODES:
            return f"{word}_{k}"
        for head in ("Cout", "Coutb", "Bito_out", "Bito_outb", "Vv_bias", "Vvdd", "Vv_ref"):
            if word == head:
                return f"{word}_{k}"
        for dev in _DEVICES:
            for prefix in ("", "V", "M", "B"):
                for tail in ("", "_i", "_d", "_w", "_n"):
                    if word == prefix + dev + tail:
                        return f"{prefix}{dev}_{k}{tail}"
        return word
    return re.sub(r"[A-Za-z0-9_]+", one, line)


def _body(text):
    """Element lines of a deck (no comments, options, initial state or control block)."""
    lines = text.split(".ic ")[0].splitlines()
    return [ln for ln in lines if ln and not ln.startswith(("*", ".include", ".options"))]


def test_each_copy_is_the_single_deck_renamed():
    design = PBitDesign.default()
    card = capacitance_free(get_card("generic"))
    biases = (0.10, 0.125, 0.125)
    starts = ((0.04, 0.04), (0.03, 0.05), (0.05, 0.03))
    multi = pbit_copies_netlist_text(design, card, v_biases=biases, starts=starts, **_STEPS)
    body = _body(multi)
    expected = []
    for k, (vb, start) in enumerate(zip(biases, starts)):
        single = _body(pbit_netlist_text(design, card, v_bias=vb, start=start, **_STEPS))
        renamed = [_rename(ln, k) for ln in single]
        expected += renamed
    assert sorted(body) == sorted(expected)
    # every copy has its own six noise streams and its own Itô corrections
    assert len(re.findall(r"trrandom", multi)) == 6 * len(biases)
    assert len({ln.split()[0] for ln in body}) == len(body)
    assert ".ic v(out_0)=40m v(outb_0)=40m v(out_1)=30m v(outb_1)=50m v(out_2)=50m v(outb_2)=30m" in multi
    assert "wrdata out.dat v(out_0)-v(outb_0) v(out_1)-v(outb_1) v(out_2)-v(outb_2)" in multi


def test_copies_deck_needs_one_start_per_bias():
    card = capacitance_free(get_card("generic"))
    with pytest.raises(ParameterError, match="one start point per bias"):
        pbit_copies_netlist_text(PBitDesign.default(), card, v_biases=(0.1, 0.12), starts=((0.04, 0.04),), **_STEPS)


def _cross_correlation(a, b):
    """Sample correlation of two series and its SE under independence (mean of the standardised product)."""
    from noisecircuits.analysis.autocorrelation import mean_and_stderr

    z = (a - a.mean()) * (b - b.mean()) / (a.std() * b.std())
    return mean_and_stderr(z)


@pytest.mark.slow
@pytest.mark.requires_ngspice
def test_copies_are_independent_and_match_a_single_copy_run():
    from noisecircuits.spice.runner import run_netlist
    from noisecircuits.validation.crosscheck import check_pbit_design

    temperature, copies, tau_per_copy = 320.0, 4, 40.0
    design, _ = check_pbit_design("generic", (temperature,), workers=1, light=True)
    deck, _ = check_card("generic")
    model = PBit(design, v_mid(design, temperature), temperature)
    tau = model.correlation_time_exact()
    nt = round_significant(NOISE_STEP_PER_TIMESCALE * model.timescale, 3)
    start = start_point(model, design)
    multi = run_netlist(render_pbit_copies(design, deck, [model.v_bias] * copies, temperature, nt,
                                           tau_per_copy * tau, 11, [start] * copies), copy_columns(copies))
    readouts = copies_readouts(multi.data, copies, nt)
    single = run_netlist(render_pbit(design, deck, model.v_bias, temperature, nt, copies * tau_per_copy * tau, 12,
                                     start), ["v_out_V", "v_outb_V"]).data
    single = single[single["x"] > 0]
    one = (single["v_out_V"] - single["v_outb_V"]).to_numpy()
    sample = nt / SAMPLES_PER_NOISE_STEP

    # independence: state indicators (the slow escapes) and read-out increments (the fast noise,
    # where a shared noise stream would show at once) of every pair of copies are uncorrelated
    # within 4 SE (6 pairs x 2 series: a false alarm has probability ~1e-3)
    for i in range(copies):
        for j in range(i + 1, copies):
            for a, b in (((readouts[i] > 0) * 1.0, (readouts[j] > 0) * 1.0),
                         (np.diff(readouts[i]), np.diff(readouts[j]))):
                r, se = _cross_correlation(a, b)
                assert abs(r) <= 4 * se, (i, j, r, se)
    # a copy's increments are strongly correlated with themselves shifted by nothing: the
    # estimator can see a correlation (guards against an SE so large that nothing fails)
    r_self, se_self = _cross_correlation(np.diff(readouts[0]), np.diff(readouts[0]))
    assert r_self > 0.99 and se_self < 0.05

    # the pooled copies and the single run (same total simulated time) agree in P(1) and
    # tau_c within 4 combined SE (the SEs are autocorrelation-aware and delta-method)
    p_m, p_m_se, tau_m, tau_m_se, sw_m = readout_statistics(readouts, sample, model.wells)
    p_s, p_s_se, tau_s, tau_s_se, sw_s = readout_statistics(one, sample, model.wells)
    # both wells visited often: a switch per 2 tau_c at P = 0.5, so ~80 expected in 4 x 40 tau_c
    assert sw_m > 30 and sw_s > 30, (sw_m, sw_s)
    assert abs(p_m - p_s) <= 4 * np.hypot(p_m_se, p_s_se), (p_m, p_m_se, p_s, p_s_se)
    assert abs(tau_m - tau_s) <= 4 * np.hypot(tau_m_se, tau_s_se), (tau_m, tau_m_se, tau_s, tau_s_se)
