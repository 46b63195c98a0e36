"""Process data a p-bit design is built from: current factors, per-area capacitances, mismatch.

A design never takes its node capacitance as a free number: it follows from the devices' W
and L through the per-area and per-length values here (:mod:`noisecircuits.design.geometry`).

``generic`` states round values typical of a 130-180 nm bulk CMOS process; they are the
toolkit's own stated values, not a foundry's, and are the ones the reference p-bit's current
factors were chosen from (β = µC_ox W/L with µ_n C_ox = 200 µA/V², µ_p C_ox = 80 µA/V²). Like
processes of that node it states a low-threshold device flavour beside the standard one
(|V_T0| = 0.20 V against 0.35 V), which bounds the latch's threshold shift.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy import constants as _c

from noisecircuits import _validate
from noisecircuits.errors import ParameterError

__all__ = ["Process", "DeviceCapacitances", "PROCESSES", "DERIVED_PROCESSES", "process_named"]


@dataclass(frozen=True)
class DeviceCapacitances:
    """Capacitance constants of one polarity (:meth:`Process.capacitances`).

    Parameters
    ----------
    gate : float
        Gate-to-bulk capacitance per drawn area in weak inversion [F/m^2].
    overlap : float
        Overlap (and outer fringe) capacitance per edge and width [F/m].
    junction : float
        Drain junction capacitance per area [F/m^2].
    sidewall : float
        Drain junction sidewall capacitance per perimeter away from the gate [F/m].
    gate_edge : float
        Drain junction sidewall capacitance along the gate edge, per width [F/m].
    """

    gate: float
    overlap: float
    junction: float
    sidewall: float
    gate_edge: float


@dataclass(frozen=True)
class Process:
    """Per-device process constants of one card.

    Parameters
    ----------
    name : str
        Card name [-].
    nmos_mobility_cox, pmos_mobility_cox : float
        µC_ox of each polarity, so that β = µC_ox W/L [A/V^2].
    nmos_threshold, pmos_threshold : float
        Threshold-voltage magnitude V_T0 at 300 K [V].
    nmos_slope_factor, pmos_slope_factor : float
        Subthreshold slope factor n [-].
    oxide_capacitance : float
        Gate-oxide capacitance per area C_ox [F/m^2].
    overlap_capacitance : float
        Gate overlap capacitance per edge and width (each of source and drain); of the nmos, and
        of the pmos unless ``pmos_overlap_capacitance`` is given [F/m].
    junction_capacitance : float
        Drain junction capacitance per area at zero bias (nmos, and pmos unless given) [F/m^2].
    junction_sidewall_capacitance : float
        Drain junction sidewall capacitance per perimeter away from the gate edge (nmos, and
        pmos unless given) [F/m].
    diffusion_length : float
        Extent of a drain diffusion along the channel [m].
    pelgrom_threshold : float
        Pelgrom coefficient A_VT: σ(ΔV_T) of a pair = A_VT / sqrt(W L) [V m].
    min_width, min_length : float
        Smallest drawn width and length [m].
    max_width, max_length : float
        Largest width and length the design tool considers [m].
    max_threshold_shift : float
        Largest lowering of the latch devices' threshold magnitude the card offers: its standard
        threshold minus that of its low-V_T flavour (docs/design.md) [V].
    junction_gate_edge_capacitance : float
        Drain junction sidewall capacitance along the gate edge per width (BSIM4 ``cjswgs``;
        nmos, and pmos unless given) [F/m].
    pmos_overlap_capacitance, pmos_junction_capacitance, pmos_junction_sidewall_capacitance,
    pmos_junction_gate_edge_capacitance : float or None
        The pmos values where they differ from the nmos ones [F/m, F/m^2, F/m, F/m].
    nmos_gate_capacitance, pmos_gate_capacitance : float or None
        Weak-inversion gate-to-bulk capacitance per drawn area, measured; None for the
        depletion estimate C_ox (n-1)/n [F/m^2].
    supply_box : (float, float) or None
        Box of V_dd the design search takes on this card, from the measured onset of the
        latch's bistability; None for the search's default (docs/design.md) [V].
    """

    name: str
    nmos_mobility_cox: float
    pmos_mobility_cox: float
    nmos_threshold: float
    pmos_threshold: float
    nmos_slope_factor: float
    pmos_slope_factor: float
    oxide_capacitance: float
    overlap_capacitance: float
    junction_capacitance: float
    junction_sidewall_capacitance: float
    diffusion_length: float
    pelgrom_threshold: float
    min_width: float
    min_length: float
    max_width: float
    max_length: float
    max_threshold_shift: float = 0.0
    junction_gate_edge_capacitance: float = 0.0
    pmos_overlap_capacitance: float | None = None
    pmos_junction_capacitance: float | None = None
    pmos_junction_sidewall_capacitance: float | None = None
    pmos_junction_gate_edge_capacitance: float | None = None
    nmos_gate_capacitance: float | None = None
    pmos_gate_capacitance: float | None = None
    supply_box: tuple | None = None

    def __post_init__(self):
        for field_name in ("nmos_mobility_cox", "pmos_mobility_cox", "oxide_capacitance", "overlap_capacitance",
                           "junction_capacitance", "junction_sidewall_capacitance", "diffusion_length",
                           "pelgrom_threshold", "min_width", "min_length", "max_width", "max_length"):
            _validate.positive(field_name, getattr(self, field_name))
        if self.min_width >= self.max_width or self.min_length >= self.max_length:
            raise ParameterError(f"process {self.name!r}: minimum sizes must be below the maximum sizes")
        _validate.in_range("max_threshold_shift", self.max_threshold_shift, 0.0,
                           min(self.nmos_threshold, self.pmos_threshold), "V")
        _validate.non_negative("junction_gate_edge_capacitance", self.junction_gate_edge_capacitance, "F/m")
        for field_name in ("pmos_overlap_capacitance", "pmos_junction_capacitance",
                           "pmos_junction_sidewall_capacitance", "pmos_junction_gate_edge_capacitance",
                           "nmos_gate_capacitance", "pmos_gate_capacitance"):
            if getattr(self, field_name) is not None:
                _validate.non_negative(field_name, getattr(self, field_name))
        if self.supply_box is not None:
            low, high = (float(v) for v in self.supply_box)
            if not 0.0 < low < high:
                raise ParameterError(f"process {self.name!r}: supply_box must be 0 < low < high [V], "
                                     f"got {self.supply_box}")
            object.__setattr__(self, "supply_box", (low, high))

    def capacitances(self, polarity: str) -> DeviceCapacitances:
        """The capacitance constants of ``polarity`` (``"nmos"`` or ``"pmos"``)."""
        if polarity not in ("nmos", "pmos"):
            raise ParameterError(f"polarity must be 'nmos' or 'pmos', got {polarity!r}")
        n = self.nmos_slope_factor if polarity == "nmos" else self.pmos_slope_factor
        gate = self.nmos_gate_capacitance if polarity == "nmos" else self.pmos_gate_capacitance
        if gate is None:
            gate = self.oxide_capacitance * (n - 1.0) / n
        if polarity == "nmos":
            return DeviceCapacitances(gate, self.overlap_capacitance, self.junction_capacitance,
                                      self.junction_sidewall_capacitance, self.junction_gate_edge_capacitance)

        def pick(value, default):
            return default if value is None else value

        return DeviceCapacitances(gate, pick(self.pmos_overlap_capacitance, self.overlap_capacitance),
                                  pick(self.pmos_junction_capacitance, self.junction_capacitance),
                                  pick(self.pmos_junction_sidewall_capacitance, self.junction_sidewall_capacitance),
                                  pick(self.pmos_junction_gate_edge_capacitance,
                                       self.junction_gate_edge_capacitance))


#: Relative permittivity of SiO2 [-].
_SIO2_PERMITTIVITY = 3.9

#: The cards the design tool knows, by name.
PROCESSES = {
    "generic": Process(
        name="generic",
        nmos_mobility_cox=200e-6,
        pmos_mobility_cox=80e-6,
        nmos_threshold=0.35,
        pmos_threshold=0.35,
        nmos_slope_factor=1.35,
        pmos_slope_factor=1.40,
        oxide_capacitance=_SIO2_PERMITTIVITY * _c.epsilon_0 / 4e-9,  # 4 nm of SiO2: 8.63 fF/um^2
        overlap_capacitance=0.3e-9,  # 0.3 fF/um
        junction_capacitance=1.0e-3,  # 1 fF/um^2
        junction_sidewall_capacitance=0.1e-9,  # 0.1 fF/um
        diffusion_length=0.3e-6,
        pelgrom_threshold=5e-9,  # 5 mV um
        min_width=0.15e-6,
        min_length=0.15e-6,
        max_width=10e-6,
        max_length=20e-6,
        # low-V_T flavour at 0.20 V (standard 0.35 V); intermediate shifts by a body bias of the
        # latch wells (reverse from the flavour, or forward from the standard device)
        max_threshold_shift=0.15,
    ),
}


#: Cards whose Process is derived from fetched model files (:mod:`noisecircuits.design.derived_process`).
DERIVED_PROCESSES = ("sky130",)


def process_named(name: str) -> Process:
    """The :class:`Process` of card ``name``; one clear line when it is unknown or not fetched.

    ``sky130`` is derived from the fetched SkyWater cards (ngspice measurements and the EKV
    calibration, :mod:`noisecircuits.validation.card_process`) and read from its cache
    (:func:`noisecircuits.design.derived_process.derived_process`).
    """
    if name in PROCESSES:
        return PROCESSES[name]
    if name in DERIVED_PROCESSES:
        from noisecircuits.design.derived_process import derived_process

        return derived_process(name)
    raise ParameterError(f"--card must be one of {', '.join([*PROCESSES, *DERIVED_PROCESSES])}, got {name!r}")
