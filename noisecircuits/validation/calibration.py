r"""Model card → :class:`~noisecircuits.physics.mosfet.MosfetParams`, across temperatures.

For each temperature, ngspice sweeps :math:`I_D(V_{GS})` of one transistor at fixed
:math:`V_{DS}` (source and bulk grounded). Then

1. weak inversion (:func:`noisecircuits.fitting.subthreshold.fit_subthreshold_iv_least_squares`)
   gives the slope factor :math:`n` and :math:`A = I_\mathrm{spec} e^{-V_{T0}/(nU_T)}`
   jointly (the only identifiable combination);
2. the EKV threshold :math:`V_{T0}` is where the measured current has fallen, relative to the
   weak-inversion exponential, to the EKV value at pinch-off :math:`V_P = 0`:

   .. math:: \frac{I_D(V_{T0})}{A\, e^{V_{T0}/(nU_T)}} =
             \ln^2 2 - \ln^2\!\left(1 + e^{-V_{DS}/(2U_T)}\right),

   and :math:`\beta = A e^{V_{T0}/(nU_T)} / (2 n U_T^2)` — so the weak-inversion current of
   the EKV model equals the fitted one exactly at every calibration temperature;
3. the temperature laws of ``MosfetParams`` are fitted by least squares: :math:`n(T)` and
   :math:`V_{T0}(T)` linear, :math:`\beta \propto T^{u_{te}}` (log-log), at ``t_ref``.

The fit quality reported is the largest :math:`|\ln(I_\mathrm{EKV}/I_\mathrm{SPICE})|` over the
weak-inversion points of all temperatures, with the fitted temperature laws: it is the
device-level model-mismatch budget used by :mod:`noisecircuits.validation.crosscheck`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from noisecircuits._validate import in_range, positive
from noisecircuits.citations import use
from noisecircuits.constants import PHYSICAL_TEMPERATURE_RANGE, ZERO_CELSIUS, thermal_voltage
from noisecircuits.errors import FitError, ParameterError

__all__ = ["Calibration", "calibrate_card", "threshold_from_sweep", "DEFAULT_V_DS"]

#: Drain-source voltage of the calibration sweeps [V] (docs/physics.md §4: swing figures at 50 mV).
DEFAULT_V_DS = 0.05
_GATE_STOP = {"generic": 0.9, "generic-dc": 0.9, "sky130": 1.0}


@dataclass(frozen=True)
class Calibration:
    """A calibrated transistor and the quality of its calibration.

    Parameters
    ----------
    params : MosfetParams
        The calibrated device (temperature laws included) [-].
    card : str
        Card set the sweeps used [-].
    per_temperature : pandas.DataFrame
        One row per temperature: ``temperature_K``, ``slope_factor``, ``slope_factor_stderr``,
        ``ln_weak_inversion_current_A``, ``threshold_voltage_V``, ``current_factor_A_per_V2``,
        ``swing_mV_per_decade``, ``fit_rms_log_residual``, ``model_max_abs_log_error``
        (EKV with the fitted laws vs SPICE over the weak-inversion points) [SI].
    max_abs_log_error : float
        Largest ``model_max_abs_log_error`` over temperatures [-].
    v_ds : float
        Drain-source voltage of the sweeps [V].
    """

    params: object
    card: str
    per_temperature: pd.DataFrame
    max_abs_log_error: float
    v_ds: float

    def to_dict(self) -> dict:
        """Plain-JSON view."""
        p = self.params
        return {
            "card": self.card,
            "v_ds_V": self.v_ds,
            "params": {k: getattr(p, k) for k in ("polarity", "width", "length", "threshold_voltage", "slope_factor",
                                                   "current_factor", "t_ref", "mobility_exponent",
                                                   "threshold_tempco", "slope_tempco")},
            "max_abs_log_error": self.max_abs_log_error,
            "per_temperature": self.per_temperature.to_dict(orient="records"),
        }


def threshold_from_sweep(v_gs, i_d, slope_factor, ln_weak_inversion_current, v_ds, temperature) -> float:
    r"""EKV threshold :math:`V_{T0}` from a sweep and its weak-inversion fit (see module doc).

    Parameters
    ----------
    v_gs : array_like
        Gate-source voltage magnitude, increasing [V].
    i_d : array_like
        Drain current magnitude [A].
    slope_factor : float
        n [-].
    ln_weak_inversion_current : float
        ln A [ln A].
    v_ds : float
        [V].
    temperature : float
        [K].

    Returns
    -------
    float
        :math:`V_{T0}` [V].
    """
    u_t = thermal_voltage(temperature)
    v = np.asarray(v_gs, float)
    i = np.asarray(i_d, float)
    target = math.log(2.0) ** 2 - math.log1p(math.exp(-v_ds / (2 * u_t))) ** 2
    ratio = np.log(i) - (ln_weak_inversion_current + v / (slope_factor * u_t))
    log_target = math.log(target)
    # first crossing from above, searched from the weak-inversion side
    start = int(np.argmax(ratio))
    below = np.nonzero(ratio[start:] <= log_target)[0]
    if len(below) == 0:
        raise FitError("the sweep does not reach moderate inversion; raise the gate-voltage range")
    k = start + int(below[0])
    x0, x1, y0, y1 = v[k - 1], v[k], ratio[k - 1], ratio[k]
    return float(x0 + (log_target - y0) * (x1 - x0) / (y1 - y0))


def _line(x, y):
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(coef[0]), float(coef[1])


def calibrate_card(card: str = "generic", polarity: str = "nmos", width: float = 1e-6, length: float = 1e-6,
                   temperatures=(ZERO_CELSIUS, 300.0, 330.0, 360.0), *, v_ds: float = DEFAULT_V_DS, t_ref: float = 300.0,
                   workers: int = 2, keep=None) -> Calibration:
    """Calibrate ``MosfetParams`` of one transistor of a card from ngspice DC sweeps.

    Parameters
    ----------
    card : str
        "generic", "generic-dc" (capacitance-free variant) or "sky130" [-].
    polarity : str
        "nmos" or "pmos" [-].
    width, length : float
        Geometry [m].
    temperatures : sequence of float
        Sweep temperatures; with one temperature the temperature coefficients are 0 and
        the mobility exponent is 0 [K].
    v_ds : float
        Drain-source voltage magnitude [V].
    t_ref : float
        Reference temperature of the returned parameters [K].
    workers : int
        Concurrent ngspice runs [-].
    keep : path-like, optional
        Keep the ngspice files [-].

    Returns
    -------
    Calibration
        ``.params`` is the :class:`~noisecircuits.physics.mosfet.MosfetParams`.
    """
    from noisecircuits.fitting.subthreshold import fit_subthreshold_iv_least_squares, weak_inversion_region
    from noisecircuits.physics.mosfet import MosfetParams, drain_current
    from noisecircuits.spice.benches import iv_sweep

    if card not in _GATE_STOP:
        raise ParameterError(f"card must be one of {', '.join(_GATE_STOP)}, got {card!r}")
    positive("width", width, "m")
    positive("length", length, "m")
    t_ref = in_range("t_ref", t_ref, *PHYSICAL_TEMPERATURE_RANGE, "K")
    temps = sorted(float(t) for t in temperatures)
    if not temps:
        raise ParameterError("temperatures must list at least one temperature [K]")
    sweep = iv_sweep(card, polarity, width, length, v_ds, temps, v_gate_stop=_GATE_STOP[card], workers=workers,
                     keep=keep)
    rows, regions = [], {}
    for T in temps:
        g = sweep[sweep["temperature_K"] == T]
        v, i = g["v_gs_V"].to_numpy(), g["i_d_A"].to_numpy()
        mask = weak_inversion_region(v, i, T)
        fit = fit_subthreshold_iv_least_squares(v, i, v_ds, T, mask=mask)
        n, ln_a = fit.parameters["slope_factor"], fit.parameters["ln_weak_inversion_current_A"]
        vt0 = threshold_from_sweep(v, i, n, ln_a, v_ds, T)
        u_t = thermal_voltage(T)
        beta = math.exp(ln_a + vt0 / (n * u_t)) / (2 * n * u_t**2)
        regions[T] = (v[mask], i[mask])
        rows.append({"temperature_K": T, "slope_factor": n, "slope_factor_stderr": fit.stderr["slope_factor"],
                     "ln_weak_inversion_current_A": ln_a, "threshold_voltage_V": vt0,
                     "current_factor_A_per_V2": beta, "swing_mV_per_decade": 1e3 * fit.details["swing_V_per_decade"],
                     "fit_rms_log_residual": fit.goodness_of_fit["rms_log_residual"]})
    table = pd.DataFrame(rows)
    t = table["temperature_K"].to_numpy() - t_ref
    if len(temps) >= 2:
        n_ref, n_co = _line(t, table["slope_factor"].to_numpy())
        vt_ref, vt_co = _line(t, table["threshold_voltage_V"].to_numpy())
        lnb_ref, ute = _line(np.log(table["temperature_K"].to_numpy() / t_ref),
                             np.log(table["current_factor_A_per_V2"].to_numpy()))
    else:
        n_ref, n_co = float(table["slope_factor"].iloc[0]), 0.0
        vt_ref, vt_co = float(table["threshold_voltage_V"].iloc[0]), 0.0
        lnb_ref, ute = math.log(float(table["current_factor_A_per_V2"].iloc[0])), 0.0
    params = MosfetParams(polarity=polarity, width=float(width), length=float(length), threshold_voltage=vt_ref,
                          slope_factor=n_ref, current_factor=math.exp(lnb_ref), t_ref=t_ref, mobility_exponent=ute,
                          threshold_tempco=vt_co, slope_tempco=n_co)
    errors = []
    sign = 1.0 if polarity == "nmos" else -1.0
    for T in temps:
        v, i = regions[T]
        # magnitudes: gate/drain at sign*v, source and bulk at 0
        model = np.abs(drain_current(params, sign * v, 0.0, sign * v_ds, T, v_bulk=0.0))
        errors.append(float(np.max(np.abs(np.log(model / i)))))
    table["model_max_abs_log_error"] = errors
    use("ekv", "sky130" if card == "sky130" else "bsim4")
    return Calibration(params=params, card=card, per_temperature=table, max_abs_log_error=float(max(errors)),
                       v_ds=float(v_ds))
