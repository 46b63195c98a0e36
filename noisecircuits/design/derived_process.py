"""The design process of a card derived from its fetched model files, read from the cache.

The derivation itself runs ngspice and the EKV card calibration, so it lives in the validation
layer (:mod:`noisecircuits.validation.card_process`, run by ``make setup`` and on demand by
``noisecircuits design --card sky130``); it writes a JSON cache in the cache directory
(``$NOISECIRCUITS_CACHE`` or ``~/.cache/noisecircuits``), keyed by the SHA-256 of the card files
and the derivation settings. This module reads that cache: :func:`derived_process` returns the
:class:`~noisecircuits.design.process.Process` when the cache is current, and otherwise gives one
line with the command that derives it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import fields

from noisecircuits.design.process import Process
from noisecircuits.errors import NoisecircuitsError, ParameterError, SpiceError

__all__ = ["derived_process", "cache_path", "cache_key", "read_cache", "DERIVE_COMMAND", "CACHE_FILE",
           "REPRESENTATIVE_WIDTH", "REPRESENTATIVE_LENGTH", "MEASUREMENT_BIAS", "SKY130_DIFFUSION_LENGTH",
           "DERIVATION_TEMPERATURE", "CACHE_FORMAT"]

#: Command that derives (or re-derives) a card's design process.
DERIVE_COMMAND = "python -m noisecircuits.validation.card_process sky130"
CACHE_FORMAT = "noisecircuits-derived-process"

#: Drawn W and L of the representative device: inside one bin of each polarity, mid-box of the
#: latch sizes the design tool searches [m].
REPRESENTATIVE_WIDTH = 0.9e-6
REPRESENTATIVE_LENGTH = 0.6e-6
#: |V_GS| = |V_DS| of the capacitance measurements: half a p-bit supply [V].
MEASUREMENT_BIAS = 0.035
#: Drain diffusion length of the sky130 schematic convention (AD = 0.29 um W) [m].
SKY130_DIFFUSION_LENGTH = 0.29e-6
#: Temperature of the calibration and the measurements [K].
DERIVATION_TEMPERATURE = 300.0
#: Bump when the derivation changes, so cached files are recomputed [-].
DERIVATION_VERSION = 2
#: Cache file name in the cache directory.
CACHE_FILE = "sky130_process.json"
def cache_key(directory) -> str:
    from noisecircuits.spice.card_files import files_digest
    from noisecircuits.spice.cards import SKY130_FILES

    settings = json.dumps([DERIVATION_VERSION, REPRESENTATIVE_WIDTH, REPRESENTATIVE_LENGTH, MEASUREMENT_BIAS,
                           SKY130_DIFFUSION_LENGTH, DERIVATION_TEMPERATURE])
    return hashlib.sha256((files_digest(directory / f for f in SKY130_FILES) + settings).encode()).hexdigest()


def read_cache(path, key):
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != CACHE_FORMAT or doc.get("key") != key:
            return None
        names = {f.name for f in fields(Process)}
        values = doc["process"]
        if set(values) != names:
            return None
        return Process(**values)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, NoisecircuitsError):
        return None


def cache_path():
    """Path of the sky130 design-process cache file."""
    from noisecircuits.spice.cards import cache_dir

    return cache_dir() / CACHE_FILE


@functools.lru_cache(maxsize=None)
def _read_current(path: str, key: str):
    from pathlib import Path

    return read_cache(Path(path), key)


def derived_process(name: str) -> Process:
    """The derived :class:`Process` of card ``name`` (``"sky130"``) from the current cache [-].

    Raises
    ------
    ParameterError
        One line naming :data:`DERIVE_COMMAND` when the cache is missing or was derived from other
        card files or settings.
    SpiceError
        One line with the fetch command when the cards are missing.
    """
    from noisecircuits.spice.cards import SKY130_FETCH_COMMAND, SKY130_FILES, sky130_dir

    if name != "sky130":
        raise ParameterError(f"only the sky130 card has a derived process, got {name!r}")
    directory = sky130_dir()
    if not all((directory / f).is_file() for f in SKY130_FILES):
        raise SpiceError(f"card 'sky130': the sky130 model cards are not in {directory}; "
                             f"fetch them with: {SKY130_FETCH_COMMAND}")
    process = _read_current(str(cache_path()), cache_key(directory))
    if process is None:
        raise ParameterError(f"card 'sky130': its design process is not derived from these card files yet; "
                             f"derive it with: {DERIVE_COMMAND} (make setup runs it)")
    return process
