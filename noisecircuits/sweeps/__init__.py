"""Sweeps at scale: parameter grids, executors (local processes or Dask), checkpoint/resume.

>>> from noisecircuits.sweeps import SweepSpec, run_sweep, load_results
>>> spec = SweepSpec("telegraph", temperatures=[300.0], v_biases=[-0.02, 0.0, 0.02], seed=1)
>>> summary = run_sweep(spec, "out_dir")            # doctest: +SKIP
>>> frame = load_results("out_dir")                  # doctest: +SKIP
"""

from noisecircuits.sweeps.grid import SweepSpec, mismatch_seed, point_id, point_key, point_seed
from noisecircuits.sweeps.mismatch import DEFAULT_A_VT, perturb_thresholds, threshold_sigma
from noisecircuits.sweeps.registry import PointKind, available_kinds, get_kind, register_kind
from noisecircuits.sweeps.dataset import load_sweep
from noisecircuits.sweeps.runner import load_results, read_manifest, run_sweep

__all__ = [
    "SweepSpec",
    "run_sweep",
    "load_results",
    "load_sweep",
    "read_manifest",
    "register_kind",
    "get_kind",
    "available_kinds",
    "PointKind",
    "point_key",
    "point_id",
    "point_seed",
    "mismatch_seed",
    "threshold_sigma",
    "perturb_thresholds",
    "DEFAULT_A_VT",
]
