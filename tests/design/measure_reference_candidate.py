"""Measure the figures of docs/design.md "The 3.4 µs optimum as the reference p-bit":
``python tests/design/measure_reference_candidate.py`` (about 2 minutes on one core).

The candidate is the design tool's 3.4 µs optimum (generic card, 300 K, 280-340 K, seed 0) rounded
to 1 nm and 0.05 mV. Printed: its exact figures at 280/300/320 K against the shipped reference
design, the cost of one exact evaluation of each, the bias window where it is bistable at each
temperature, the two-rate law fitted to exact data at each temperature alone and jointly, how
well the cell laws fitted on the demo's common bias window reproduce it (the truth figures the demo
reports), and its transistor-level twin on the generic BSIM4 card (devices calibrated at their own W
and L with the threshold shift as delvto, node capacitance extracted from ngspice: the circuit
``spice check pbit --design`` compares with ngspice) against the design tool's stated generic process.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from noisecircuits.cells.calibrate import fit_pbit_cell
from noisecircuits.circuits.pbit import PBit, PBitDesign, v_mid
from noisecircuits.demo import DEMO_TEMPERATURES, common_window
from noisecircuits.design.geometry import PBitGeometry, build_design
from noisecircuits.design.process import process_named
from noisecircuits.validation.truth import compare_with_exact_pbit, format_truth_figures, pbit_truth_figures

CANDIDATE = PBitGeometry(supply_voltage=0.07155, latch_width=0.15e-6, latch_length=0.342e-6, bias_width=0.15e-6,
                         bias_length=5.29e-6, v_ref=0.2315, ref_width_ratio=2.0, threshold_shift=0.15,
                         supply_tracking="ptat")


def figures(name, design):
    for temperature in (280.0, 300.0, 320.0):
        start = time.perf_counter()
        vm = v_mid(design, temperature)
        cell = PBit(design, vm, temperature)
        tau = cell.correlation_time_exact()
        seconds = time.perf_counter() - start
        power = cell.supply_power()
        print(f"{name} {temperature:5.0f} K: v_mid {vm * 1e3:7.2f} mV, barrier {cell.effective_barrier():4.2f} kT, "
              f"tau_c {tau * 1e6:6.3f} us, tau_c/timescale {tau / cell.timescale:5.0f}, {power * 1e12:6.2f} pW, "
              f"{power * 2 * tau * 1e18:6.1f} aJ/sample; v_mid + tau_c in {seconds:.2f} s "
              f"({cell.grid.size}-point grid)")


def bistable_windows(design):
    windows = {}
    for temperature in (280.0, 300.0, 320.0):
        biases = np.arange(0.248, 0.272, 0.0005)
        inside = [b for b in biases if PBit(design, float(b), temperature).bistable]
        low, high = inside[0], inside[-1]
        windows[temperature] = (float(low), float(high))
        print(f"{temperature:5.0f} K: bistable for v_bias in {low * 1e3:.1f}..{high * 1e3:.1f} mV, P(1) "
              f"{PBit(design, float(low), temperature).p_one_exact():.3f}..{PBit(design, float(high), temperature).p_one_exact():.3f}")
    return windows


def _exact_rows(design, biases_at):
    rows = []
    for temperature, biases in biases_at.items():
        for b in biases:
            cell = PBit(design, float(b), temperature)
            rows.append((temperature, b, cell.p_one_exact(), cell.correlation_time_exact() if cell.bistable else np.nan))
    return np.array(rows)


def _fit(rows, n_samples=20_000, tau_rel_se=0.03, seed=0, **options):
    t, v, p, tau = rows.T
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"v_bias_V": v, "temperature_K": t, "n_ones": rng.binomial(n_samples, p),
                          "n_samples": n_samples,
                          "correlation_time_s": tau * np.exp(tau_rel_se * rng.standard_normal(tau.size))})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cell, fit = fit_pbit_cell(frame, correlation_time_rel_stderr=tau_rel_se, **options)
    return cell, fit, caught


def two_rate_per_temperature_and_jointly(design, windows):
    """The two-rate law on 13 biases across each temperature's bistable window: alone, then jointly."""
    everything = _exact_rows(design, {t: np.linspace(*w, 13) for t, w in windows.items()})
    for temperature in windows:
        rows = everything[everything[:, 0] == temperature]
        cell, fit, _ = _fit(rows, form="two_rate")
        f = pbit_truth_figures(cell, rows[:, 1], rows[:, 0], rows[:, 2], rows[:, 3])
        print(f"two-rate law at {temperature:g} K alone: p = {fit.goodness_of_fit['p_value']:.2g}, "
              f"max |dP(1)| {f['max_abs_dp_one']:.4f}, tau_c error {100 * f['max_rel_tau_error']:.1f} %")
    cell, fit, _ = _fit(everything, form="two_rate")
    f = pbit_truth_figures(cell, everything[:, 1], everything[:, 0], everything[:, 2], everything[:, 3])
    print(f"two-rate law over {', '.join(f'{t:g}' for t in windows)} K jointly: p = {fit.goodness_of_fit['p_value']:.2g}, "
          f"max |dP(1)| {f['max_abs_dp_one']:.4f}, tau_c error {100 * f['max_rel_tau_error']:.1f} %")


def truth_on_the_demo_window(design, n_biases=15):
    rows = _exact_rows(design, {t: b for t, (_, b) in common_window(design, DEMO_TEMPERATURES, n_biases).items()})
    t, v, p, tau = rows.T
    cell, fit, caught = _fit(rows)
    print(f"window {v.min() * 1e3:.1f}..{v.max() * 1e3:.1f} mV, {np.isfinite(tau).sum()} of {tau.size} points "
          f"bistable; fitted form {cell.form}, transfer p = {fit.goodness_of_fit['p_value']:.2g}, "
          f"{len(caught)} poor-fit warnings")
    print(format_truth_figures(compare_with_exact_pbit(cell, design)))


def card_twin(geometry, temperatures=(280.0, 300.0, 320.0)):
    """The candidate's twin on the generic card: calibrated devices and extracted capacitance vs the design model."""
    from noisecircuits.design.document import design_document
    from noisecircuits.validation.crosscheck import check_pbit_geometry_design

    model = build_design(geometry, process_named("generic"))
    twin = check_pbit_geometry_design(design_document(geometry, "generic"), "generic", temperatures)
    for temperature in temperatures:
        design = twin.designs[temperature]
        for name in ("nmos", "pmos", "bias_nmos"):
            stated, card = getattr(model, name), getattr(design, name)
            ratio = card.current_factor / stated.current_factor
            print(f"{temperature:5.0f} K {name:9s}: card beta/stated {ratio:5.2f} (at T_ref of each), n {card.slope_factor:.3f} "
                  f"(stated {stated.slope_factor:.2f}), V_T0 {card.threshold_voltage:.4f} V (stated {stated.threshold_voltage:.4f})")
        vm = v_mid(design, temperature)
        cell = PBit(design, vm, temperature)
        print(f"{temperature:5.0f} K twin: node {design.node_capacitance * 1e15:.3f} fF (model {model.node_capacitance * 1e15:.3f}), "
              f"v_mid {vm * 1e3:.2f} mV, barrier {cell.effective_barrier():.2f} kT, tau_c {cell.correlation_time_exact():.3g} s "
              f"({cell.correlation_time_exact() / cell.timescale:.3g} relaxation times)")


if __name__ == "__main__":
    candidate = build_design(CANDIDATE, process_named("generic"))
    print(f"candidate node capacitance {candidate.node_capacitance * 1e15:.3f} fF")
    figures("shipped  ", PBitDesign.default())
    figures("candidate", candidate)
    two_rate_per_temperature_and_jointly(candidate, bistable_windows(candidate))
    truth_on_the_demo_window(candidate)
    card_twin(CANDIDATE)
