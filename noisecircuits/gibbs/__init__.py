"""gibbs layer: block-Gibbs sampling on graphs of ideal or calibrated p-bit cells.

Public names are resolved lazily (numba kernels compile only when a sampler is used):

* models: :class:`IsingModel`, :class:`PottsModel`, :class:`GaussianModel`
* graphs: :func:`ising_lattice`, :func:`lattice_edges`, :func:`offset_pattern_edges`,
  :func:`random_regular_edges`, :func:`erdos_renyi_edges`, :func:`ising_from_json`
* colouring: :func:`dsatur_colouring`
* sampling: :func:`sample_ising`, :func:`sample_potts`, :func:`sample_gaussian`,
  :class:`HardwareMode`, binary-Gaussian nodes through a continuous cell
  (:class:`BinaryGaussianModel`, :class:`ContinuousHardwareMode`, :func:`sample_binary_gaussian`),
  :class:`Schedule` and the observers (:class:`SnapshotObserver`,
  :class:`MomentObserver`, :class:`CallbackObserver`)
* analysis: :func:`integrated_autocorrelation_time`, :func:`summarise_series` (R-hat, ESS; from
  :mod:`noisecircuits.analysis`), :func:`distortion_report`, exact oracles in
  :mod:`noisecircuits.gibbs.exact`
"""

from __future__ import annotations

import importlib

_LAZY = {
    "IsingModel": "noisecircuits.gibbs.models",
    "PottsModel": "noisecircuits.gibbs.models",
    "GaussianModel": "noisecircuits.gibbs.models",
    "ising_lattice": "noisecircuits.gibbs.graphs",
    "lattice_edges": "noisecircuits.gibbs.graphs",
    "offset_pattern_edges": "noisecircuits.gibbs.graphs",
    "random_regular_edges": "noisecircuits.gibbs.graphs",
    "erdos_renyi_edges": "noisecircuits.gibbs.graphs",
    "ising_from_json": "noisecircuits.gibbs.graphs",
    "ising_from_dict": "noisecircuits.gibbs.graphs",
    "dsatur_colouring": "noisecircuits.gibbs.colouring",
    "sample_ising": "noisecircuits.gibbs.sampler",
    "sample_potts": "noisecircuits.gibbs.sampler",
    "sample_gaussian": "noisecircuits.gibbs.sampler",
    "HardwareMode": "noisecircuits.gibbs.hardware",
    "BinaryGaussianModel": "noisecircuits.gibbs.mixture",
    "ContinuousHardwareMode": "noisecircuits.gibbs.mixture",
    "sample_binary_gaussian": "noisecircuits.gibbs.mixture",
    "Schedule": "noisecircuits.gibbs.schedule",
    "SnapshotObserver": "noisecircuits.gibbs.schedule",
    "MomentObserver": "noisecircuits.gibbs.schedule",
    "CallbackObserver": "noisecircuits.gibbs.schedule",
    "integrated_autocorrelation_time": "noisecircuits.analysis.autocorrelation",
    "summarise_series": "noisecircuits.analysis.diagnostics",
    "distortion_report": "noisecircuits.gibbs.distortion",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'noisecircuits.gibbs' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
