r"""Run an exported p-bit subcircuit in ngspice and measure what it samples.

The transient output is read once per noise step h (mid-step, after the state has settled),
which gives the embedded two-state chain. Estimates and their standard errors:

* :math:`\hat p` = fraction of steps in state 1; a chain with lag-1 correlation
  :math:`\rho = e^{-h/\tau_c}` has :math:`\mathrm{Var}\,\hat p = p(1-p)/N \cdot (1+\rho)/(1-\rho)`;
* :math:`\hat q = n_{0\to1}/n_0 + n_{1\to0}/n_1` (:math:`= qp + q(1-p) = q`), binomial standard
  error given the visits, and :math:`\hat\tau_c = -h/\ln(1-\hat q)` (delta method).
"""

from __future__ import annotations

import numpy as np

from noisecircuits.cells.spice import default_noise_step, render_spice
from noisecircuits.constants import celsius
from noisecircuits.errors import ParameterError
from noisecircuits.spice.runner import run_netlist

__all__ = ["measure_spice_sampler"]


def _bench(cell, biases, temperature, h, n_steps, seed) -> str:
    """The check deck: the exported subcircuit text itself, one instance per bias, a transient run."""
    lines = ["* noisecircuits: sampler check bench", render_spice(cell, noise_step=h), f".options seed={int(seed)}",
             f".temp {celsius(temperature)!r}"]
    for i, v in enumerate(biases):
        lines += [f"Vc{i} c{i} 0 DC {float(v)!r}", f"X{i} c{i} o{i} {cell.name}"]
    lines += [
        f".tran {h / 2!r} {n_steps * h!r} 0 {h / 5!r}",
        ".control",
        "run",
        "linearize",
        "wrdata out.dat " + " ".join(f"v(o{i})" for i in range(len(biases))),
        "quit 0",
        ".endc",
        ".end",
    ]
    return "\n".join(lines) + "\n"


def _estimate(trace, h, p_model, tau_model):
    mid = trace[1::2] > 0.5
    p_hat = float(mid.mean())
    rho = np.exp(-h / tau_model)
    se_p = float(np.sqrt(p_model * (1 - p_model) / mid.size * (1 + rho) / (1 - rho)))
    n0, n1 = np.count_nonzero(~mid[:-1]), np.count_nonzero(mid[:-1])
    up = np.count_nonzero(~mid[:-1] & mid[1:])
    down = np.count_nonzero(mid[:-1] & ~mid[1:])
    q = 1 - rho
    if n0 == 0 or n1 == 0 or up == 0 or down == 0:
        tau_hat = se_tau = float("nan")
    else:
        q_hat = up / n0 + down / n1
        se_q = np.sqrt(q * p_model * (1 - q * p_model) / n0 + q * (1 - p_model) * (1 - q * (1 - p_model)) / n1)
        tau_hat = float(-h / np.log(1 - q_hat)) if q_hat < 1 else float("nan")
        se_tau = float(h / ((1 - q) * np.log(1 - q) ** 2) * se_q)
    return {
        "p_one_measured": p_hat,
        "p_one_stderr": se_p,
        "correlation_time_measured_s": tau_hat,
        "correlation_time_stderr_s": se_tau,
        "settled_fraction": float(np.mean((np.abs(trace[1::2]) < 0.01) | (np.abs(trace[1::2] - 1) < 0.01))),
        "min_V": float(trace.min()),
        "max_V": float(trace.max()),
    }


def measure_spice_sampler(cell, v_bias, temperature, *, n_steps: int = 20_000, noise_step=None, seed: int = 1,
                          timeout_s: float = 600.0) -> list[dict]:
    """Simulate the exported subcircuit of ``cell`` at several biases and measure P(1) and tau_c.

    Parameters
    ----------
    cell : PBitCellModel
        Cell with a correlation-time law [-].
    v_bias : sequence of float
        Control voltages, one subcircuit instance each [V].
    temperature : float
        Circuit temperature (``.temp``) [K].
    n_steps : int
        Number of noise steps simulated [-].
    noise_step : float, optional
        Noise step h; default :func:`~noisecircuits.cells.spice.default_noise_step` [s].
    seed : int
        ngspice ``.options seed`` [-].
    timeout_s : float
        Wall-clock limit of the ngspice run [s].

    Returns
    -------
    list of dict
        Per bias: ``v_bias_V`` [V], ``p_one_model``, ``p_one_measured``, ``p_one_stderr`` [-],
        ``correlation_time_model_s``, ``correlation_time_measured_s``, ``correlation_time_stderr_s`` [s],
        ``settled_fraction`` (mid-step samples within 10 mV of 0 V or 1 V) [-], ``min_V``, ``max_V`` [V].
    """
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 100:
        raise ParameterError(f"n_steps must be an integer >= 100, got {n_steps!r}")
    biases = [float(v) for v in np.atleast_1d(v_bias)]
    h = default_noise_step(cell) if noise_step is None else float(noise_step)
    columns = [f"v_o{i}" for i in range(len(biases))]
    netlist = _bench(cell, biases, float(temperature), h, n_steps, seed)
    data = run_netlist(netlist, columns, name="cell_check", timeout=timeout_s).data
    results = []
    for i, v in enumerate(biases):
        p_model = float(cell.p_one(v, temperature))
        tau_model = float(cell.correlation_time(v, temperature))
        row = {"v_bias_V": v, "temperature_K": float(temperature), "p_one_model": p_model,
               "correlation_time_model_s": tau_model}
        row.update(_estimate(data[columns[i]].to_numpy(), h, p_model, tau_model))
        results.append(row)
    return results
