r"""What a p-bit design costs and does, from the exact Fokker–Planck solution.

For one design at the target temperature :math:`T_0` and at the ends of the temperature range:

* the correlation time :math:`\tau_c` (grid mean first-passage times), the supply power
  :math:`P = V_{dd}\langle I_{dd}\rangle` and the effective barrier (ln of well over saddle
  density) of :class:`~noisecircuits.circuits.pbit.PBit`;
* the energy per independent sample on two conventions: :math:`E = 2 P \tau_c` (a sign
  process with correlation time :math:`\tau_c` has integrated autocorrelation time
  :math:`\tau_c`, and a record of length :math:`T` holds :math:`T/(2\tau_c)` independent
  samples) and :math:`E_\tau = P\tau_c` (power times correlation time, the convention of
  published p-bit energy figures);
* v_mid and the logistic transfer width :math:`w` (P(1) = σ((V − v_mid)/w)) from two exact
  P(1) values around the weak-inversion estimate of v_mid (:func:`_centre_and_width`);
* the spread of v_mid under Pelgrom mismatch, to first order: MNbias and MNref shift v_mid by
  their own threshold shifts; a latch device carrying :math:`I_d` at the saddle shifts it by
  :math:`(I_d/I_{bias})\,\delta V_T` (its current change :math:`I_d\,\delta V_T/(nU_T)` is made
  up by MNbias, whose current changes by :math:`I_{bias}/(nU_T)` per volt), with
  :math:`\sigma(\delta V_T) = A_{VT}/\sqrt{2WL}` per device;
* the largest inversion coefficient :math:`IC = \max(I_f, I_r)/I_{spec}` of any device at the
  three fixed points (weak inversion: IC < 0.1).

τ_c, the power and the barrier are taken at that v_mid; :func:`evaluate` with
``exact_v_mid=True`` solves for v_mid (P(1) = 1/2 to 1e-6 V) instead of the two-point estimate.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from noisecircuits.constants import thermal_voltage
from noisecircuits.errors import ParameterError, SimulationError
from noisecircuits.physics.sampling import energy_per_sample

__all__ = ["DesignMetrics", "evaluate", "SEARCH_GRID_POINTS", "FINAL_GRID_POINTS", "WeakInversionWarning",
           "check_weak_inversion", "WEAK_INVERSION_LIMIT"]

#: Largest inversion coefficient at which the shot-noise model S_I = 2q(I_f + I_r) is taken as
#: valid: it is the weak-inversion channel noise. A saturated device's noise is about
#: 4kT(n/2)g_m, and the toolkit's EKV interpolation gives g_m nU_T/I_D = (1 - e^(-sqrt IC))/sqrt IC:
#: 0.86 at IC = 0.1, so 2qI_D overstates the noise by about 15 % there, and more above [-].
WEAK_INVERSION_LIMIT = 0.1


class WeakInversionWarning(UserWarning):
    """A design's devices leave weak inversion (IC > 0.1): its noise model overstates the channel noise."""


def check_weak_inversion(metrics, limit: float = WEAK_INVERSION_LIMIT) -> bool:
    """True if every device is in weak inversion; else warn (:class:`WeakInversionWarning`) and return False.

    Parameters
    ----------
    metrics : DesignMetrics
        Figures of the design [-].
    limit : float
        Largest accepted inversion coefficient [-].
    """
    import warnings

    ic = metrics.max_inversion_coefficient
    if math.isfinite(ic) and ic <= limit:
        return True
    warnings.warn(f"the design leaves weak inversion: largest inversion coefficient {ic:.3g} > {limit:g}, where "
                  f"the shot noise 2q(I_f + I_r) overstates the channel noise (docs/design.md)",
                  WeakInversionWarning, stacklevel=2)
    return False

#: Fokker–Planck grid points per axis while searching. A coarse grid for ranking points: on a
#: 70 aF node its τ_c is within 1.5 % of the resolved one, on fF nodes (spread 1.4 mV against a
#: 67 mV supply) about 23 % high and the barrier about 8 % low; the optimum's solved variable
#: is solved again on the resolved grid, and its figures are checked against the constraints there.
SEARCH_GRID_POINTS = 41
#: Grid points per axis of the reported figures: None, the p-bit's default grid, whose spacing
#: resolves the nodes' thermal spread (:func:`~noisecircuits.circuits.pbit.resolved_grid_points`).
FINAL_GRID_POINTS = None
#: Tolerance of the solved v_mid while searching [V].
_SEARCH_V_MID_TOLERANCE = 1e-5
#: Bias step of the central difference giving the transfer slope [V].
_SLOPE_STEP = 2e-3


@dataclass(frozen=True)
class DesignMetrics:
    """Figures of one design (all SI; ``nan`` where the latch is not bistable).

    Attributes
    ----------
    bistable : bool
        Two stable states at the target temperature [-].
    v_bias_V : float
        Bias the figures at the target temperature refer to [V].
    p_one : float
        P(1) there [-].
    correlation_time_s : float
        τ_c at the target temperature [s].
    supply_power_W : float
        Stationary supply power at the target temperature [W].
    energy_per_sample_J : float
        2 P τ_c [J].
    energy_per_tau_J : float
        P τ_c [J].
    barrier_kT : float
        Effective barrier at the target temperature [kT].
    min_barrier_kT : float
        Smallest effective barrier over the target and the range ends; 0 where the latch has
        one state at a range end [kT].
    transfer_width_V : float
        Smallest logistic width over the temperatures [V].
    max_transfer_width_V : float
        Largest logistic width over the temperatures [V].
    offset_sigma_V : float
        First-order σ of v_mid under mismatch at the target temperature [V].
    max_inversion_coefficient : float
        Largest device IC at the fixed points [-].
    node_capacitance_F : float
        Node capacitance of the design [F].
    """

    bistable: bool
    v_bias_V: float
    p_one: float
    correlation_time_s: float
    supply_power_W: float
    energy_per_sample_J: float
    energy_per_tau_J: float
    barrier_kT: float
    min_barrier_kT: float
    transfer_width_V: float
    max_transfer_width_V: float
    offset_sigma_V: float
    max_inversion_coefficient: float
    node_capacitance_F: float

    def as_dict(self) -> dict:
        """Plain dict of the figures."""
        return asdict(self)


def _estimated_v_mid(design, temperature: float) -> float:
    n = float(design.bias_nmos.slope_factor_at(temperature))
    return design.v_ref + n * thermal_voltage(temperature) * math.log(design.ref_width_ratio)


def _centre_and_width(design, temperature: float, grid_points: int, exact: bool) -> tuple[float, float]:
    r"""(v_mid, logistic width) at ``temperature`` [V].

    Two exact P(1) values at :math:`v_0 \pm \delta` around the weak-inversion estimate give
    both at once if the curve is logistic: :math:`w = 2\delta/(\mathrm{logit}P_+ -
    \mathrm{logit}P_-)` and :math:`v_{mid} = v_0 - w(\mathrm{logit}P_+ + \mathrm{logit}P_-)/2`.
    With ``exact`` (or when a value leaves [0.02, 0.98]) v_mid is solved for instead and the
    width taken from a central difference there.
    """
    from noisecircuits.circuits.pbit import PBit, v_mid

    def p(v):
        return PBit(design, v, temperature, grid_points).p_one_exact()

    def logit(q):
        return math.log(q / (1.0 - q))

    v0 = _estimated_v_mid(design, temperature)
    if not exact:
        high, low = p(v0 + _SLOPE_STEP), p(v0 - _SLOPE_STEP)
        if 0.02 <= low < high <= 0.98:
            width = 2.0 * _SLOPE_STEP / (logit(high) - logit(low))
            return v0 - width * 0.5 * (logit(high) + logit(low)), width
    # the search's v_mid to 10 uV (tau_c is flat in the bias at P(1) = 1/2); the reported one to 1 uV
    centre = v_mid(design, temperature, grid_points=grid_points, tolerance=1e-6 if exact else _SEARCH_V_MID_TOLERANCE)
    step = _SLOPE_STEP / 4.0
    high, low = p(centre + step), p(centre - step)
    if not 0.0 < low < high < 1.0:
        raise SimulationError(f"transfer curve too steep to resolve at {temperature:g} K")
    return centre, 2.0 * step / (logit(high) - logit(low))


def _inversion_coefficient(bit) -> float:
    from noisecircuits.physics.mosfet import forward_reverse_currents

    netlist = bit.netlist
    worst = 0.0
    for point in bit.fixed_points.values():
        for dev in netlist.devices:
            v = {t: float(netlist.voltage_of(getattr(dev, t), point)) for t in ("gate", "drain", "source", "bulk")}
            i_f, i_r = forward_reverse_currents(dev.params, v["gate"], v["source"], v["drain"], netlist.temperature,
                                                v_bulk=v["bulk"])
            ispec = float(dev.params.specific_current(netlist.temperature))
            worst = max(worst, abs(float(i_f)) / ispec, abs(float(i_r)) / ispec)
    return worst


def _offset_sigma(bit, process) -> float:
    """First-order σ of v_mid from Pelgrom mismatch of the six devices [V] (module docstring)."""
    netlist = bit.netlist
    saddle = bit.fixed_points["saddle"]
    currents = {dev.name: abs(float(np.asarray(i_f - i_r)))
                for dev, (i_f, i_r) in zip(netlist.devices, netlist.device_currents(saddle), strict=True)}
    i_bias = currents["MNbias"]
    variance = 0.0
    for dev in netlist.devices:
        sigma_vt = process.pelgrom_threshold / math.sqrt(2.0 * dev.params.width * dev.params.length)
        gain = 1.0 if dev.name in ("MNbias", "MNref") else currents[dev.name] / i_bias
        variance += (gain * sigma_vt) ** 2
    return math.sqrt(variance)


def _infeasible(design, v_bias) -> DesignMetrics:
    nan = math.nan
    return DesignMetrics(False, v_bias, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan,
                         design.node_capacitance)


def evaluate(design, process, temperature: float, temperature_range: tuple[float, float], *,
             grid_points: int = SEARCH_GRID_POINTS, exact_v_mid: bool = False) -> DesignMetrics:
    """Exact figures of ``design`` at ``temperature`` [K] and over ``temperature_range`` [K].

    Parameters
    ----------
    design : PBitDesign
        The circuit [-].
    process : Process
        Card whose Pelgrom coefficient sets the offset spread [-].
    temperature : float
        Temperature at which τ_c and the energy are reported [K].
    temperature_range : (float, float)
        Range over which barrier and width constraints hold [K].
    grid_points : int or None
        Fokker–Planck grid points per axis; None: the resolved default grid [-].
    exact_v_mid : bool
        Solve for the bias giving P(1) = 1/2 at each temperature instead of using the
        weak-inversion estimate [-].
    """
    from noisecircuits.circuits.pbit import PBit

    temperatures = sorted({float(temperature), *map(float, temperature_range)})
    barriers, widths = [], []
    main = None
    with np.errstate(all="ignore"):  # an absurd design may overflow the grid solver: it is refused below
        for t in temperatures:
            try:
                bias, width = _centre_and_width(design, t, grid_points, exact_v_mid)
                bit = PBit(design, bias, t, grid_points)
                if bit.bistable:
                    barriers.append(bit.effective_barrier())
                elif t == float(temperature):
                    return _infeasible(design, bias)
                else:
                    # one state at this end of the range: the wells have merged, and the barrier
                    # ln(p_well/p_saddle) is 0 at the merger; the figures stay, so that a search
                    # sees how far the point is from a latch that holds over the range
                    barriers.append(0.0)
            except (SimulationError, ValueError, ParameterError):
                return _infeasible(design, _estimated_v_mid(design, temperature))
            widths.append(width)
            if t == float(temperature):
                main = bit
        try:
            tau = main.correlation_time_exact()
            power = main.supply_power()
            p_one = main.p_one_exact()
        except SimulationError:
            return _infeasible(design, main.v_bias)
    if not all(math.isfinite(v) for v in (tau, power, p_one, *barriers, *widths)) or tau <= 0:
        return _infeasible(design, main.v_bias)
    return DesignMetrics(
        bistable=True,
        v_bias_V=main.v_bias,
        p_one=p_one,
        correlation_time_s=tau,
        supply_power_W=power,
        energy_per_sample_J=energy_per_sample(power, tau),
        energy_per_tau_J=power * tau,
        barrier_kT=barriers[temperatures.index(float(temperature))],
        min_barrier_kT=min(barriers),
        transfer_width_V=min(widths),
        max_transfer_width_V=max(widths),
        offset_sigma_V=_offset_sigma(main, process),
        max_inversion_coefficient=_inversion_coefficient(main),
        node_capacitance_F=design.node_capacitance,
    )
