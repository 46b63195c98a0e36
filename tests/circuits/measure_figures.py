"""Measure the figures quoted in docs/circuits.md: ``python tests/circuits/measure_figures.py``.

Prints the reference p-bit's design figures at 280/300/320 K (exact, Fokker-Planck), the grid
convergence of the exact P(1), the time of the exact 3 x 41 transfer curve, and the wall time of
an SDE run with about 1000 switching events (after numba compilation).
"""

from __future__ import annotations

import time

import numpy as np

import noisecircuits as nc
from noisecircuits.circuits.pbit import PBit, PBitDesign, p_one_exact, v_mid
from noisecircuits.constants import thermal_voltage


def design_figures(design):
    print("T [K]  v_mid [mV]  barrier [kT]  tau_c [us]  timescale [ns]  C*U_T/I [ns]  tau_c/(C*U_T/I)  P(vmid-30mV)  P(vmid+30mV)  power [pW]  E/sample [aJ]")
    for temperature in (280.0, 300.0, 320.0):
        vm = v_mid(design, temperature)
        cell = PBit(design, vm, temperature)
        tau = cell.correlation_time_exact()
        current = float(cell.supply_current(cell.fixed_points["one"]))
        node_time = design.node_capacitance * thermal_voltage(temperature) / current
        power = cell.supply_power()
        print(f"{temperature:5.0f}  {vm * 1e3:10.2f}  {cell.effective_barrier():12.2f}  {tau * 1e6:10.3f}  "
              f"{cell.timescale * 1e9:14.2f}  {node_time * 1e9:12.1f}  {tau / node_time:15.0f}  "
              f"{p_one_exact(design, vm - 0.03, temperature):12.3f}  {p_one_exact(design, vm + 0.03, temperature):12.3f}  "
              f"{power * 1e12:10.3f}  {power * 2 * tau * 1e18:13.2f}")


def grid_convergence(design):
    for points in (41, 61, 81, 121):
        print(f"grid {points:3d}: P(1) at v_bias = 0.115 V, 300 K = {p_one_exact(design, 0.115, 300.0, points):.6f}")


def exact_curve_time(design):
    p_one_exact(design, 0.12, 300.0, 41)
    start = time.perf_counter()
    for temperature in (280.0, 300.0, 320.0):
        for v in np.linspace(0.08, 0.17, 41):
            p_one_exact(design, v, temperature, 41)
    print(f"exact P(1), 3 temperatures x 41 biases (41-point grid): {time.perf_counter() - start:.2f} s")


def switching_time(design):
    cell = PBit(design, v_mid(design, 300.0), 300.0)
    duration = 1000 * 2 * cell.correlation_time_exact()  # ~1000 dwells
    nc.simulate(cell, 20 * cell.timescale, seed=0)  # compile
    start = time.perf_counter()
    trace = nc.simulate(cell, duration, seed=1, record_every=20)
    elapsed = time.perf_counter() - start
    stats = nc.trace_stats(trace)
    print(f"SDE at v_mid, 300 K: {stats['n_switches']} switches, {trace.path_steps} steps in {elapsed:.2f} s "
          f"({elapsed / trace.path_steps * 1e9:.0f} ns/step)")


if __name__ == "__main__":
    design = PBitDesign.default()
    design_figures(design)
    grid_convergence(design)
    exact_curve_time(design)
    switching_time(design)
