"""Agreement with sdeint.itoEuler on the same SDE (statistical)."""

import numpy as np
import sdeint
from scipy import stats

from noisecircuits.circuits.double_well import ReducedDoubleWell
from noisecircuits.sde.simulate import simulate


def test_double_well_law_at_a_fixed_time_matches_sdeint():
    model = ReducedDoubleWell(barrier=1.0, tilt=0.5, tau=1.0, x0=-1.0)
    horizon, dt, paths = 1.5, model.timescale / 20, 300
    n = round(horizon / dt)
    h, b = model.barrier, model.tilt
    amplitude = np.sqrt(2.0 / model.tau)

    def drift(x, t):
        return -(4.0 * h * x * (x * x - 1.0) - b) / model.tau

    def noise(x, t):
        return np.diag(np.full(x.shape, amplitude))

    # sdeint integrates all paths at once as independent components (diagonal noise)
    ref = sdeint.itoEuler(drift, noise, np.full(paths, -1.0), np.linspace(0.0, n * dt, n + 1),
                          generator=np.random.default_rng(17))[-1]
    ours = simulate(model, n * dt, dt=dt, paths=2000, seed=17).values[:, -1, 0]
    # two-sample KS at p = 1e-3 (fixed seeds) and means within 4 SE of their difference
    assert stats.ks_2samp(ours, ref).pvalue > 1e-3
    se = np.sqrt(ours.var() / ours.size + ref.var() / ref.size)
    assert abs(ours.mean() - ref.mean()) < 4 * se
