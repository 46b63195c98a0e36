"""P(1) of the p-bit against bias and temperature: the transfer curve as a tidy table.

Two engines:

* ``"sde"``: one Euler–Maruyama path per (temperature, bias) point of ``duration`` seconds,
  read by :func:`noisecircuits.trace_stats`; the supply power is the trace average of
  V_dd × I_dd. Point ``i`` (temperature-major order, the row order of the table) draws its
  noise from ``SeedSequence(seed).spawn(n_points)[i]``, so a point's result does not depend
  on which other points are run with it, nor on how many run at once: the points are spread
  over ``numba.get_num_threads()`` threads (the simulation kernel releases the GIL).
* ``"exact"``: the Fokker–Planck stationary P(1), mean-first-passage correlation time and
  stationary supply power (:class:`~noisecircuits.circuits.pbit.PBit`); there are no samples,
  so ``p_one_stderr`` is 0 and the count columns are NaN.

Energy per independent sample = supply power × 2 τ_c (docs/architecture.md).
"""

from __future__ import annotations

import math

import numpy as np

from noisecircuits import _validate
from noisecircuits._seeding import seed_sequence
from noisecircuits.circuits.pbit import PBit, PBitDesign
from noisecircuits.errors import ParameterError
from noisecircuits.physics.sampling import energy_per_sample

__all__ = ["pbit_transfer_curve", "COLUMNS", "point_seeds"]

#: Columns of the table, in order (docs/architecture.md, "sweeps → fitting").
COLUMNS = (
    "temperature_K",
    "v_bias_V",
    "p_one",
    "p_one_stderr",
    "n_samples",
    "n_ones",
    "n_effective",
    "correlation_time_s",
    "supply_power_W",
    "energy_per_sample_J",
    "seed",
)
_ENGINES = ("sde", "exact")


def point_seeds(seed, n_points: int) -> list[np.random.SeedSequence]:
    """Per-point seed sequences: the children of ``SeedSequence(seed)``, one per point.

    Parameters
    ----------
    seed : int or SeedSequence
        Root seed [-].
    n_points : int
        Number of points [-].

    Returns
    -------
    list of SeedSequence
        ``SeedSequence(seed).spawn(n_points)``.
    """
    return seed_sequence(seed).spawn(n_points)


def _sde_point(model: PBit, duration: float, seed, dt) -> dict:
    from noisecircuits.analysis.stats import trace_stats
    from noisecircuits.sde.simulate import simulate

    step = model.timescale / 20.0 if dt is None else dt
    record_every = max(1, int(round(model.timescale / step)))  # one sample per fastest relaxation time
    trace = simulate(model, duration, dt=step, seed=seed, record_every=record_every)
    stats = trace_stats(trace)
    values = trace.values  # the samples trace_stats reads, start state included
    readout = model.readout(values)
    power = model.supply_power(values)
    tau = stats["correlation_time_s"]
    return {
        "p_one": stats["p_one"],
        "p_one_stderr": stats["p_one_stderr"],
        "n_samples": int(readout.size),
        "n_ones": int(np.count_nonzero(readout > 0)),
        "n_effective": stats["n_effective"],
        "correlation_time_s": tau,
        "supply_power_W": power,
        "energy_per_sample_J": energy_per_sample(power, tau),
    }


def _exact_point(model: PBit) -> dict:
    tau = model.correlation_time_exact() if model.bistable else float("nan")
    power = model.supply_power()
    return {
        "p_one": model.p_one_exact(),
        "p_one_stderr": 0.0,
        "n_samples": math.nan,
        "n_ones": math.nan,
        "n_effective": math.nan,
        "correlation_time_s": tau,
        "supply_power_W": power,
        "energy_per_sample_J": energy_per_sample(power, tau),
    }


def pbit_transfer_curve(design=None, temperatures=(300.0,), biases=(), duration: float = 1e-3, seed=0,
                        engine: str = "sde", *, dt=None, grid_points: int | None = None):
    """P(1), correlation time and energy of the p-bit on a temperature × bias grid.

    Parameters
    ----------
    design : PBitDesign, optional
        The circuit; default :meth:`PBitDesign.default` [-].
    temperatures : sequence of float
        Temperatures, each in [200, 450] [K].
    biases : sequence of float
        Bias voltages of MNbias, each in [-0.2, 0.6] [V].
    duration : float
        Simulated time per point (engine ``"sde"``) [s].
    seed : int or SeedSequence
        Root seed; point ``i`` uses ``SeedSequence(seed).spawn(n)[i]`` [-].
    engine : {"sde", "exact"}
        Euler–Maruyama simulation or the Fokker–Planck solution [-].
    dt : float, optional
        Integration step (engine ``"sde"``); default the model's timescale / 20 [s].
    grid_points : int, optional
        Fokker–Planck grid points per axis (engine ``"exact"``); default that of :class:`PBit` [-].

    Returns
    -------
    pandas.DataFrame
        One row per (temperature, bias), temperature-major, columns :data:`COLUMNS`
        (``seed`` holds the root seed as an int, or -1 when a SeedSequence was given).
    """
    import pandas as pd

    design = PBitDesign.default() if design is None else design
    if engine not in _ENGINES:
        raise ParameterError(f"engine must be one of {_ENGINES}, got {engine!r}")
    temperatures = [float(t) for t in np.atleast_1d(np.asarray(temperatures, dtype=float))]
    biases = [float(v) for v in np.atleast_1d(np.asarray(biases, dtype=float))]
    if not temperatures or not biases:
        raise ParameterError("temperatures and biases must each hold at least one value")
    if engine == "sde":
        duration = _validate.positive("duration", duration, "s")
    options = {} if grid_points is None else {"grid_points": grid_points}
    points = [(t, v) for t in temperatures for v in biases]
    seeds = point_seeds(seed, len(points))
    seed_column = int(seed) if isinstance(seed, (int, np.integer)) else -1

    def row(point, child):
        temperature, v_bias = point
        model = PBit(design, v_bias, temperature, **options)
        result = _sde_point(model, duration, child, dt) if engine == "sde" else _exact_point(model)
        return {"temperature_K": temperature, "v_bias_V": v_bias, **result, "seed": seed_column}

    return pd.DataFrame(_map_points(row, points, seeds, parallel=engine == "sde"), columns=list(COLUMNS))


def _map_points(function, points, seeds, parallel: bool) -> list:
    """``[function(point, seed) ...]`` in order; on ``numba.get_num_threads()`` threads if ``parallel``."""
    import numba

    workers = min(len(points), numba.get_num_threads()) if parallel else 1
    if workers <= 1:
        return [function(p, s) for p, s in zip(points, seeds)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, points, seeds))
