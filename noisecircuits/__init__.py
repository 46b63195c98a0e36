"""noisecircuits: device physics and circuit-noise modelling of probabilistic sampling hardware.

Importing the package is light: the public names below are resolved lazily on first use,
so ``import noisecircuits`` loads neither matplotlib nor PySpice nor numba.
"""

from __future__ import annotations

import importlib

from noisecircuits._version import __version__
from noisecircuits.citations import cite

# public name -> module that defines it
_LAZY = {
    "thermal_voltage": "noisecircuits.constants",
    "ReducedDoubleWell": "noisecircuits.circuits.double_well",
    "simulate": "noisecircuits.sde.simulate",
    "Trace": "noisecircuits.sde.trace",
    "trace_stats": "noisecircuits.analysis.stats",
    "PBit": "noisecircuits.circuits.pbit",
    "CategoricalCell": "noisecircuits.circuits.categorical",
    "ContinuousCell": "noisecircuits.circuits.continuous",
    "load_cell": "noisecircuits.cells",
    "load_sweep": "noisecircuits.sweeps.dataset",
    "NoisecircuitsError": "noisecircuits.errors",
}

__all__ = ["__version__", "cite", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'noisecircuits' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
