"""Print the physics layer's measured figures (the tables in docs/physics.md).

Run: ``.venv/bin/python tests/physics/measure_figures.py``
"""

from __future__ import annotations

import time

import numpy as np
from scipy import special

from noisecircuits.physics import fokker_planck as fp
from noisecircuits.physics.mosfet import MosfetParams, subthreshold_swing
from noisecircuits.physics.oracles import (
    double_well_correlation_time,
    double_well_dwell_times,
    double_well_p_right,
    kramers_rate,
    mean_first_passage_time,
)
from noisecircuits.physics.potentials import DoubleWellPotential


def kramers_table():
    print("barrier_kT  dwell_tau  kramers_dwell_tau  ratio  corr_time_tau  p_right(b=0.5)  sigma(1)")
    for barrier in (3.0, 5.0, 10.0, 20.0, 40.0):
        well = DoubleWellPotential(barrier)
        left, right = well.minima()
        dwell = mean_first_passage_time(well, left, right, 1.0)
        kramers = 1.0 / kramers_rate(well, left, well.maxima()[0], 1.0)
        print(
            f"{barrier:10.0f}  {dwell:9.4g}  {kramers:17.4g}  {dwell / kramers:5.3f}  "
            f"{double_well_correlation_time(barrier, 0.0, 1.0):13.4g}  {double_well_p_right(barrier, 0.5):14.6f}"
            f"  {special.expit(1.0):.6f}"
        )
    left, right = double_well_dwell_times(5.0, 0.5, 1.0)
    print(f"h = 5, b = 0.5: dwell left {left:.5g} tau, right {right:.5g} tau")


def fokker_planck_table():
    well = DoubleWellPotential(3.0, 0.5)
    left, right = well.minima()
    exact = mean_first_passage_time(well, left, right, 1.0, reflecting=-2.2)
    print("nodes_per_unit  stationary_max_rel_err  mfpt_rel_err")
    for per_unit in (25, 50, 100, 200):
        edges = [-2.2, left, right, 2.2]
        x = np.concatenate(
            [np.linspace(a, b, int(per_unit * (b - a)), endpoint=False) for a, b in zip(edges[:-1], edges[1:])] + [[2.2]]
        )
        pi = fp.stationary_distribution(lambda z: -well.gradient(z), lambda z: np.sqrt(2.0) + 0 * z, x)
        widths = np.gradient(x)
        widths[[0, -1]] /= 2
        ref = np.exp(-well.energy(x)) * widths
        ref /= ref.sum()
        tau = fp.mean_first_passage_time(lambda z: -well.gradient(z), lambda z: np.sqrt(2.0) + 0 * z, x, x >= right)
        mfpt = tau[np.flatnonzero(x == left)[0]]
        print(f"{per_unit:14d}  {np.abs(pi - ref).max() / ref.max():22.3e}  {mfpt / exact - 1:12.3e}")


def timing():
    x = np.linspace(-2.2, 2.2, 80)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for scale in (0.8, 1.0, 1.2):
        for tilt in np.linspace(-1.0, 1.0, 41):
            well = DoubleWellPotential(3.0 / scale, tilt)

            def drift(X, Y, well=well):
                return -well.gradient(X) + 0.5 * (Y - X), -well.gradient(Y) + 0.5 * (X - Y) - 0.2 * X

            def noise(X, Y):
                return np.sqrt(2.0) + 0 * X, np.sqrt(2.0) + 0 * Y

            fp.stationary_distribution(drift, noise, (x, x))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(f"3 x 41 stationary solves on 80 x 80: wall {wall:.2f} s ({1e3 * wall / 123:.1f} ms each), "
          f"cpu {cpu:.2f} s ({1e3 * cpu / 123:.1f} ms each)")


def swing():
    nmos = MosfetParams.default_nmos()
    for temperature in (250.0, 300.0, 358.15, 400.0):
        print(f"default nmos swing at {temperature:6.2f} K: {1e3 * subthreshold_swing(nmos, temperature):.2f} mV/dec")


if __name__ == "__main__":
    kramers_table()
    fokker_planck_table()
    swing()
    timing()
