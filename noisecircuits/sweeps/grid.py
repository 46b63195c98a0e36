"""Sweep specification: the parameter grid, canonical point keys and per-point seeds.

A point's seed is derived only from the sweep seed and the point's own coordinates
(temperature, bias, mismatch index), never from its position in a queue, so results do not
depend on the number of workers, the scheduler, the order of completion or interruptions:

.. math::

    \\text{seed}_{\\text{point}} = \\mathrm{SeedSequence}(\\text{entropy}=s,\\;
    \\text{spawn\\_key}=\\mathrm{sha256}(\\text{canonical key})[0:16])
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from noisecircuits import _validate
from noisecircuits.errors import ParameterError

__all__ = ["SweepSpec", "point_key", "point_id", "point_seed", "mismatch_seed", "parameters_hash", "ENGINES"]

#: Engines a point function may be asked to use.
ENGINES = ("sde", "spice")


def point_key(coordinates: dict) -> str:
    """Canonical text of a point's coordinates (sorted keys, exact float repr)."""
    return json.dumps({k: coordinates[k] for k in sorted(coordinates)}, sort_keys=True, separators=(",", ":"))


def parameters_hash(parameters: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of a sweep's parameter set (:meth:`SweepSpec.parameters`)."""
    text = json.dumps(parameters, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digest_words(text: str) -> tuple[int, ...]:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


def point_id(coordinates: dict) -> str:
    """Short stable identifier of a point (16 hex digits of the SHA-256 of its key)."""
    return hashlib.sha256(point_key(coordinates).encode("utf-8")).hexdigest()[:16]


def point_seed(seed: int, coordinates: dict) -> np.random.SeedSequence:
    """The noise seed of one point: sweep seed plus a hash of the point's coordinates."""
    return np.random.SeedSequence(entropy=seed, spawn_key=_digest_words("point:" + point_key(coordinates)))


def mismatch_seed(seed: int, mismatch_index: int) -> np.random.SeedSequence:
    """The device-mismatch seed of one Monte Carlo instance.

    It depends on the mismatch index only (not on temperature or bias), so one instance is
    the same perturbed circuit at every point of the grid, as a real die would be.
    """
    return np.random.SeedSequence(entropy=seed, spawn_key=_digest_words(f"mismatch:{int(mismatch_index)}"))


def _float_tuple(name: str, values, unit: str, check) -> tuple[float, ...]:
    values = tuple(check(name, v, unit) for v in values)
    if not values:
        raise ParameterError(f"{name} must hold at least one value [{unit}], got an empty list")
    if len(set(values)) != len(values):
        raise ParameterError(f"{name} must not repeat a value [{unit}], got {list(values)!r}")
    return values


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: one sampler kind over a grid of temperatures, biases and mismatch instances.

    Parameters
    ----------
    kind : str
        Registered point kind (``"telegraph"``, ``"pbit"``, ``"categorical"``, ``"continuous"``).
    temperatures : sequence of float
        Temperatures [K].
    v_biases : sequence of float
        Control (bias) voltages [V].
    mismatch_samples : int
        Monte Carlo device-mismatch instances per grid point; 0 runs the nominal design only [-].
    engine : str
        ``"sde"`` or ``"spice"``.
    duration : float or None
        Simulated time per point [s]; ``None`` uses the kind's default.
    seed : int
        Sweep seed [-].
    options : dict
        Extra kind-specific settings (JSON-serialisable), recorded in the manifest.
    """

    kind: str
    temperatures: tuple
    v_biases: tuple
    mismatch_samples: int = 0
    engine: str = "sde"
    duration: float | None = None
    seed: int = 0
    options: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.kind, str) or not self.kind:
            raise ParameterError(f"kind must be a non-empty string, got {self.kind!r}")
        temperatures = _float_tuple("temperatures", self.temperatures, "K", _validate.positive)
        object.__setattr__(self, "temperatures", temperatures)
        object.__setattr__(self, "v_biases", _float_tuple("v_biases", self.v_biases, "V", _validate.finite))
        object.__setattr__(
            self, "mismatch_samples", _validate.positive_int("mismatch_samples", self.mismatch_samples, minimum=0)
        )
        if self.engine not in ENGINES:
            raise ParameterError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.duration is not None:
            object.__setattr__(self, "duration", _validate.positive("duration", self.duration, "s"))
        seed = self.seed
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ParameterError(f"seed must be an integer >= 0, got {seed!r}")
        object.__setattr__(self, "seed", int(seed))
        try:
            options = json.loads(json.dumps(self.options, sort_keys=True))
        except (TypeError, ValueError):
            raise ParameterError(f"options must be JSON-serialisable, got {self.options!r}") from None
        object.__setattr__(self, "options", options)

    def coordinates(self) -> list[dict]:
        """The grid points in canonical order (temperature, then bias, then mismatch index)."""
        points = []
        for t in self.temperatures:
            for v in self.v_biases:
                if self.mismatch_samples:
                    for m in range(self.mismatch_samples):
                        points.append({"temperature_K": t, "v_bias_V": v, "mismatch_index": m})
                else:
                    points.append({"temperature_K": t, "v_bias_V": v})
        return points

    def __len__(self) -> int:
        return len(self.temperatures) * len(self.v_biases) * max(self.mismatch_samples, 1)

    def parameters(self) -> dict:
        """Everything that determines the results (compared on resume), JSON-ready."""
        return {
            "kind": self.kind,
            "engine": self.engine,
            "temperatures_K": list(self.temperatures),
            "v_biases_V": list(self.v_biases),
            "mismatch_samples": self.mismatch_samples,
            "duration_s": self.duration,
            "seed": self.seed,
            "options": self.options,
        }
