"""Automatic thinning and exact durations (:func:`noisecircuits.sde.simulate.plan_run`)."""

import math

import numpy as np
import pytest

from noisecircuits.circuits.double_well import ReducedDoubleWell
from noisecircuits.circuits.pbit import PBit
from noisecircuits.errors import ParameterError
from noisecircuits.sde import simulate as simulate_module
from noisecircuits.sde.simulate import MAX_STORED_VALUES, plan_run, simulate

WELL = ReducedDoubleWell(barrier=2.0, tilt=0.3, tau=1e-9)


def test_automatic_stride_meets_its_own_bound_in_the_reported_case():
    # simulate pbit --temperature 300 --paths 1000000 --duration 1e-3 used to refuse its own
    # automatic stride ("record_every must be >= 131614 ..., got 131614"): plan it (nothing is allocated)
    plan = plan_run(PBit(None, None, 300.0), 1e-3, paths=1_000_000)
    assert plan.stored_values <= MAX_STORED_VALUES
    # the smallest such stride: one less would store too much
    assert 1_000_000 * 2 * (math.ceil(plan.n_steps / (plan.record_every - 1)) + 1) > MAX_STORED_VALUES


@pytest.mark.parametrize("paths", [1, 3, 7, 64, 999, 4999])
@pytest.mark.parametrize("duration", [1e-9, 3.3e-8, 1e-7, 7.77e-7])
def test_automatic_stride_meets_its_bound_everywhere(monkeypatch, paths, duration):
    monkeypatch.setattr(simulate_module, "MAX_STORED_VALUES", 10_000)
    plan = plan_run(WELL, duration, paths=paths)
    assert plan.stored_values <= 10_000
    assert plan_run(WELL, duration, paths=paths, record_every=plan.record_every) == plan  # and is accepted


def test_a_smaller_case_runs_within_the_bound(monkeypatch):
    monkeypatch.setattr(simulate_module, "MAX_STORED_VALUES", 1000)
    trace = simulate(WELL, 1e-7, paths=7, seed=2)  # ceil-based stride without the fix stored 1001+ values
    assert trace.values.size <= 1000


def test_explicit_stride_longer_than_the_run_is_refused():
    steps = plan_run(WELL, 1e-8).n_steps
    with pytest.raises(ParameterError, match=rf"record_every must be in \[1, {steps}\]"):
        plan_run(WELL, 1e-8, record_every=steps + 1)
    with pytest.raises(ParameterError, match=r"--record-every must be in"):
        plan_run(WELL, 1e-8, record_every=10**12, names={"record_every": "--record-every"})


@pytest.mark.parametrize("record_every", [None, 1, 3, 17, 250])
@pytest.mark.parametrize("duration", [1e-8, 1.2345e-8, 5e-9])
def test_simulated_duration_is_the_one_asked_for(duration, record_every):
    requested = WELL.timescale / 20
    trace = simulate(WELL, duration, seed=1, record_every=record_every)
    stride = trace.sample_interval / trace.dt
    assert trace.duration == pytest.approx(duration, rel=1e-12)
    assert np.allclose(np.diff(trace.times), trace.sample_interval, rtol=1e-9)
    # the step is only ever shortened, and by less than one stride over the run
    n_steps = trace.path_steps
    assert requested * (1 - stride / n_steps) * (1 - 1e-12) <= trace.dt <= requested * (1 + 1e-12)


def test_huge_or_denormal_sizes_are_refused_by_name():
    with pytest.raises(ParameterError, match="steps per path"):
        plan_run(WELL, 1e308)
    with pytest.raises(ParameterError, match="steps per path"):
        plan_run(WELL, 1e-8, dt=1e-320)
