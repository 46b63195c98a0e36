"""simulate(): seeding, threads, memory bound, input errors and blow-ups."""

import numba
import numpy as np
import pytest

from noisecircuits.circuits.double_well import ReducedDoubleWell
from noisecircuits.errors import ParameterError, SimulationError
from noisecircuits.sde import simulate as simulate_module
from noisecircuits.sde.simulate import simulate
from noisecircuits.sde.trace import Trace

WELL = ReducedDoubleWell(barrier=2.0, tilt=0.3, tau=1e-9)


def test_trace_layout_and_metadata():
    trace = simulate(WELL, 1e-8, paths=3, seed=5)
    dt = WELL.timescale / 20
    assert isinstance(trace, Trace)
    assert trace.dt == pytest.approx(dt)
    n = trace.times.size
    assert trace.values.shape == (3, n, 1)
    assert trace.times[-1] >= 1e-8 * (1 - 1e-9)
    assert trace.path_steps == 3 * (n - 1)
    assert np.all(trace.values[:, 0, 0] == WELL.wells[1])  # positive tilt: the right well is lower
    assert trace.seed == 5 and trace.solver == "euler" and trace.readout.labels == ("left", "right") and trace.readout.low == WELL.wells[0]
    frame = trace.to_frame()
    assert list(frame.columns) == ["path", "time_s", "x"]
    assert len(frame) == 3 * n
    assert np.array_equal(frame["x"].to_numpy(), trace.values[:, :, 0].ravel())


def test_same_seed_same_result_and_fresh_seed_is_reported():
    a = simulate(WELL, 5e-9, paths=2, seed=8)
    b = simulate(WELL, 5e-9, paths=2, seed=8)
    assert np.array_equal(a.values, b.values)
    fresh = simulate(WELL, 5e-9, paths=2)
    again = simulate(WELL, 5e-9, paths=2, seed=fresh.seed)
    assert np.array_equal(fresh.values, again.values)


def test_results_do_not_depend_on_thread_count():
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate(WELL, 5e-9, paths=130, seed=21)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate(WELL, 5e-9, paths=130, seed=21)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.values, two.values)


def test_a_path_does_not_depend_on_the_number_of_paths():
    small = simulate(WELL, 5e-9, paths=2, seed=4)
    large = simulate(WELL, 5e-9, paths=70, seed=4)
    assert np.array_equal(small.values, large.values[:2])


def test_record_every_thins_the_same_path():
    duration = 400 * WELL.timescale / 20  # whole strides of both: the default step is kept in both runs
    full = simulate(WELL, duration, seed=3, record_every=1)
    thin = simulate(WELL, duration, seed=3, record_every=4)
    assert full.dt == thin.dt
    every_fourth = full.values[0, 4::4]
    assert every_fourth.shape[0] >= thin.values.shape[1] - 2
    assert np.array_equal(thin.values[0, 1 : every_fourth.shape[0] + 1], every_fourth)
    assert thin.sample_interval == pytest.approx(4 * full.dt)


def test_stored_values_stay_bounded(monkeypatch):
    monkeypatch.setattr(simulate_module, "MAX_STORED_VALUES", 1000)
    trace = simulate(WELL, 1e-7, paths=4, seed=1)
    assert trace.values.size <= 1000
    assert trace.path_steps >= 4 * 1e-7 / trace.dt * (1 - 1e-9)
    with pytest.raises(ParameterError, match="record_every must be >="):
        simulate(WELL, 1e-7, paths=4, seed=1, record_every=1)
    with pytest.raises(ParameterError, match="paths must be <= 500"):
        simulate(WELL, 1e-7, paths=501, seed=1)


@pytest.mark.parametrize("dt", [1.0, 1e-9, 0.0, -1e-12, float("nan")])
def test_dt_not_below_the_timescale_is_refused(dt):
    with pytest.raises(ParameterError, match="dt"):
        simulate(WELL, 1e-8, dt=dt)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"duration": 0.0}, "duration"), ({"duration": float("inf")}, "duration"), ({"paths": 0}, "paths"),
     ({"record_every": 0}, "record_every"), ({"seed": -3}, "seed")],
)
def test_bad_arguments_are_refused(kwargs, name):
    args = {"duration": 1e-8, **kwargs}
    with pytest.raises(ParameterError, match=name):
        simulate(WELL, args.pop("duration"), **args)


def test_model_without_terms_is_refused():
    with pytest.raises(ParameterError, match="sde_terms"):
        simulate(object(), 1.0)


def test_blow_up_names_the_time_and_suggests_smaller_dt():
    far = ReducedDoubleWell(barrier=50.0, tilt=0.0, tau=1.0, x0=5.0)
    with pytest.raises(SimulationError, match=r"NaN/inf at t = .* smaller dt"):
        simulate(far, 1.0, dt=0.9 * far.timescale, seed=0)


def test_kernel_consumes_the_public_normal_stream():
    from noisecircuits.sde.models import OrnsteinUhlenbeck
    from noisecircuits.sde.noise import standard_normals

    ou = OrnsteinUhlenbeck(theta=3.0, mean=0.2, sigma=0.7, x0=-1.0)
    dt, n = 0.01, 50
    trace = simulate(ou, n * dt, dt=dt, paths=3, seed=6, solver="exact")
    z = standard_normals(6, 3, n)
    decay = np.exp(-ou.theta * dt)
    scale = ou.sigma * np.sqrt((1 - decay**2) / (2 * ou.theta))
    x = np.full(3, ou.x0)
    for k in range(n):
        x = ou.mean + (x - ou.mean) * decay + scale * z[:, k]
        # the recursion is the exact OU transition; only float rounding may differ
        np.testing.assert_allclose(trace.values[:, k + 1, 0], x, rtol=0, atol=1e-12)
