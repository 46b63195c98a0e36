r"""From drawn sizes to a p-bit circuit: current factors and node capacitance follow from W and L.

The latch devices (MNa, MNb, MPa, MPb) share one width and length; MNbias has its own length
at a fixed width, and MNref is MNbias with ``ref_width_ratio`` times the width. Current
factors are :math:`\beta = \mu C_{ox} W/L` of the card. The capacitance of node ``out`` is the
sum of

* the gates of the inverter it drives (MPb, MNb), in weak inversion the gate-to-bulk
  capacitance :math:`C_{ox} W L (n-1)/n` (the oxide in series with the depletion layer), or
  the card's measured weak-inversion value per area where it states one;
* the overlaps of those gates at source and drain, :math:`2 C_{ov} W` each, and the drain
  overlaps of the devices whose drains are on the node (MPa, MNa, MNref), :math:`C_{ov} W`;
* the drain junctions on the node, :math:`C_j W L_d + C_{jsw}(W + 2 L_d) + C_{jswg} W` each
  (the last along the gate edge, zero unless the card states it);

each with the constants of the device's own polarity.
* an explicit capacitor, if any.

The latch devices' threshold magnitude is the card's standard one lowered by
``threshold_shift`` (at most the card's low-V_T flavour); in weak inversion this multiplies
their currents by :math:`e^{\Delta V_T/(n U_T)}` at fixed terminal voltages, and the tilt
devices keep the standard threshold. The supply is fixed or PTAT (``supply_tracking``): a PTAT
supply equals ``supply_voltage`` at ``supply_reference_temperature`` and scales with T.

Node ``outb`` is the same with MNbias in place of MNref. The model has one capacitance for
both nodes; the larger (``out``, since MNref is the wider tilt device) is used, which is
conservative for the energy and the correlation time. Overlaps to the other latch node (a
Miller coupling) are counted as if to ground: a first-order simplification, stated in
docs/design.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from noisecircuits import _validate
from noisecircuits.design.process import Process

__all__ = ["PBitGeometry", "node_capacitances", "build_design", "REF_WIDTH_RATIO", "V_REF", "BIAS_WIDTH"]

#: Width of MNref over MNbias, as in the reference p-bit [-].
REF_WIDTH_RATIO = 2.0
#: Gate voltage of MNref, as in the reference p-bit [V].
V_REF = 0.1
#: Drawn width of MNbias [m].
BIAS_WIDTH = 0.5e-6


@dataclass(frozen=True)
class PBitGeometry:
    """Drawn sizes and voltages of a p-bit.

    Parameters
    ----------
    supply_voltage : float
        V_dd [V].
    latch_width, latch_length : float
        W and L of the four latch devices [m].
    bias_length : float
        L of MNbias and MNref [m].
    extra_capacitance : float
        Explicit capacitor on each latch node, >= 0 [F].
    bias_width : float
        W of MNbias [m].
    v_ref : float
        Gate voltage of MNref [V].
    ref_width_ratio : float
        W(MNref) / W(MNbias) [-].
    threshold_shift : float
        Lowering of the four latch devices' threshold magnitude below the card's standard one,
        in [0, card's ``max_threshold_shift``] [V].
    supply_tracking : str
        ``"fixed"`` or ``"ptat"`` (:meth:`~noisecircuits.circuits.pbit.PBitDesign.supply_voltage_at`) [-].
    supply_reference_temperature : float
        Temperature at which a PTAT supply equals ``supply_voltage`` [K].
    """

    supply_voltage: float
    latch_width: float
    latch_length: float
    bias_length: float
    extra_capacitance: float = 0.0
    bias_width: float = BIAS_WIDTH
    v_ref: float = V_REF
    ref_width_ratio: float = REF_WIDTH_RATIO
    threshold_shift: float = 0.0
    supply_tracking: str = "fixed"
    supply_reference_temperature: float = 300.0

    def __post_init__(self):
        _validate.positive("supply_voltage", self.supply_voltage, "V")
        for name in ("latch_width", "latch_length", "bias_length", "bias_width"):
            _validate.positive(name, getattr(self, name), "m")
        _validate.non_negative("extra_capacitance", self.extra_capacitance, "F")
        _validate.positive("ref_width_ratio", self.ref_width_ratio)
        _validate.non_negative("threshold_shift", self.threshold_shift, "V")

    def check_sizes(self, process: Process) -> None:
        """Refuse widths and lengths outside the card's drawable range (one line naming the size)."""
        for name, low, high in (("latch_width", process.min_width, process.max_width),
                                ("latch_length", process.min_length, process.max_length),
                                ("bias_width", process.min_width, process.max_width),
                                ("bias_length", process.min_length, process.max_length)):
            _validate.in_range(name, getattr(self, name), low, high, "m")
        _validate.in_range("threshold_shift", self.threshold_shift, 0.0, process.max_threshold_shift, "V")


def _junction(caps, width: float, diffusion_length: float) -> float:
    d = diffusion_length
    return caps.junction * width * d + caps.sidewall * (width + 2.0 * d) + caps.gate_edge * width


def node_capacitances(geometry: PBitGeometry, process: Process) -> dict:
    """Capacitance of each latch node to ground, by contribution [F].

    Each polarity has its own constants (:meth:`Process.capacitances`): node ``out`` holds the
    gates of MPb and MNb, the drains of MPa and MNa (one device of each polarity) and the
    drain of the nmos MNref.

    Returns
    -------
    dict
        ``gate``, ``overlap``, ``junction``, ``explicit`` and ``total`` of node ``out`` and the
        ``total_outb`` of node ``outb`` [F].
    """
    w, length = geometry.latch_width, geometry.latch_length
    cn, cp = process.capacitances("nmos"), process.capacitances("pmos")
    d = process.diffusion_length
    gate = (cn.gate + cp.gate) * w * length
    w_ref = geometry.bias_width * geometry.ref_width_ratio
    # driven gates: both edges of MPb and MNb; drains: one edge of MPa and MNa
    latch_overlap = (cn.overlap + cp.overlap) * (2.0 * w + w)

    def side(w_tilt):
        overlap = latch_overlap + cn.overlap * w_tilt
        junction = _junction(cn, w, d) + _junction(cp, w, d) + _junction(cn, w_tilt, d)
        return overlap, junction

    overlap, junction = side(w_ref)
    overlap_b, junction_b = side(geometry.bias_width)
    explicit = geometry.extra_capacitance
    return {
        "gate": gate,
        "overlap": overlap,
        "junction": junction,
        "explicit": explicit,
        "total": gate + overlap + junction + explicit,
        "total_outb": gate + overlap_b + junction_b + explicit,
    }


def build_design(geometry: PBitGeometry, process: Process):
    """The :class:`~noisecircuits.circuits.pbit.PBitDesign` of ``geometry`` on ``process``.

    Current factors are µC_ox W/L; the node capacitance is the larger node total of
    :func:`node_capacitances`.
    """
    from noisecircuits.circuits.pbit import PBitDesign
    from noisecircuits.physics.mosfet import MosfetParams

    w, length = geometry.latch_width, geometry.latch_length
    shift = geometry.threshold_shift
    nmos = MosfetParams("nmos", width=w, length=length, threshold_voltage=process.nmos_threshold - shift,
                        slope_factor=process.nmos_slope_factor, current_factor=process.nmos_mobility_cox * w / length)
    pmos = MosfetParams("pmos", width=w, length=length, threshold_voltage=process.pmos_threshold - shift,
                        slope_factor=process.pmos_slope_factor, current_factor=process.pmos_mobility_cox * w / length)
    bw, bl = geometry.bias_width, geometry.bias_length
    bias = MosfetParams("nmos", width=bw, length=bl, threshold_voltage=process.nmos_threshold,
                        slope_factor=process.nmos_slope_factor, current_factor=process.nmos_mobility_cox * bw / bl)
    caps = node_capacitances(geometry, process)
    return PBitDesign(
        supply_voltage=geometry.supply_voltage,
        node_capacitance=max(caps["total"], caps["total_outb"]),
        nmos=nmos,
        pmos=pmos,
        bias_nmos=bias,
        v_ref=geometry.v_ref,
        ref_width_ratio=geometry.ref_width_ratio,
        supply_tracking=geometry.supply_tracking,
        supply_reference_temperature=geometry.supply_reference_temperature,
    )
