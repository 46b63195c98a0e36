"""Energy per Gibbs update, per sweep and per sample for a chip of p-bit cells.

One update of one cell costs (every term a stated, overridable parameter):

.. math::
    E_{cell} = E_{rng} + E_{bias} + E_{wire} + E_{clock},

* :math:`E_{rng}` — the random source: the cell's static supply power times the update
  interval, :math:`P_{supply}(T)\\,\\Delta t` (the cell is powered all the time and read once
  per interval), or the cell's energy per independent sample, or a given number
  (default 350 aJ, the all-transistor RNG of arXiv:2510.23972);
* :math:`E_{bias} = d\\, e_{in}` — computing the local field from d neighbour inputs
  (default :math:`e_{in}` = 50 aJ per input);
* :math:`E_{wire} = c'\\, \\ell\\, V^2\\, \\alpha` — charging the output wire of length
  :math:`\\ell` (default 20 µm) with capacitance per length :math:`c'` (0.2 fF/µm, docs/physics.md §6)
  at swing V (default 0.5 V) times the measured toggle rate :math:`\\alpha` (fraction of
  updates that flip the cell). Counting :math:`CV^2` per toggle is the conservative choice
  (the supply delivers :math:`CV^2` per rising edge; :math:`\\tfrac12 CV^2` per edge on average);
* :math:`E_{clock}` — distributing the update clock to the cell (default 100 aJ).

A sweep updates every cell once: :math:`E_{sweep} = N E_{cell}`. An independent sample
costs :math:`2\\tau_{int}` sweeps (:math:`\\tau_{int}` in the convention
:math:`\\tfrac12 + \\sum\\rho`, measured). A denoising-style chain of T steps of K sweeps on an
L x L grid costs :math:`E = T K L^2 E_{cell}` (docs/physics.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass

from noisecircuits import _validate
from noisecircuits.citations import use
from noisecircuits.errors import ParameterError
from noisecircuits.physics.sampling import energy_per_sample

__all__ = [
    "ChipEnergyParameters",
    "UpdateEnergy",
    "update_energy",
    "rng_energy_from_cell",
    "sweep_energy",
    "independent_sample_energy",
    "denoising_chain_energy",
]

_FEMTO = 1e-15
_ATTO = 1e-18
_MICRO = 1e-6


@dataclass(frozen=True)
class ChipEnergyParameters:
    """Per-update energy parameters of a p-bit chip (defaults from docs/physics.md §6).

    Parameters
    ----------
    rng_energy : float
        Energy of one random draw when no cell model is given [J] (350 aJ).
    bias_energy_per_input : float
        Energy to add one neighbour's contribution to the local field [J] (50 aJ).
    wire_capacitance_per_length : float
        Wire capacitance per length [F/m] (0.2 fF/µm = 2e-10 F/m).
    wire_length : float
        Output wire length driven by one cell [m] (20 µm).
    signal_voltage : float
        Voltage swing of the output wire [V] (0.5 V).
    clock_energy : float
        Clock distribution energy per update [J] (100 aJ).
    update_interval : float
        Time between updates of one cell [s] (100 ns, a 10 MHz update rate); used with a
        cell's supply power.
    """

    rng_energy: float = 350 * _ATTO
    bias_energy_per_input: float = 50 * _ATTO
    wire_capacitance_per_length: float = 0.2 * _FEMTO / _MICRO
    wire_length: float = 20 * _MICRO
    signal_voltage: float = 0.5
    clock_energy: float = 100 * _ATTO
    update_interval: float = 100e-9

    def __post_init__(self):
        _validate.non_negative("rng_energy", self.rng_energy, "J")
        _validate.non_negative("bias_energy_per_input", self.bias_energy_per_input, "J")
        _validate.non_negative("wire_capacitance_per_length", self.wire_capacitance_per_length, "F/m")
        _validate.non_negative("wire_length", self.wire_length, "m")
        _validate.non_negative("signal_voltage", self.signal_voltage, "V")
        _validate.non_negative("clock_energy", self.clock_energy, "J")
        _validate.positive("update_interval", self.update_interval, "s")


@dataclass(frozen=True)
class UpdateEnergy:
    """Energy of one cell update, by term [J]."""

    rng: float
    bias: float
    wire: float
    clock: float

    @property
    def total(self) -> float:
        """:math:`E_{cell}` [J]."""
        return self.rng + self.bias + self.wire + self.clock

    def as_dict(self) -> dict[str, float]:
        """``{"rng", "bias", "wire", "clock"}`` [J]."""
        return {"rng": self.rng, "bias": self.bias, "wire": self.wire, "clock": self.clock}


def rng_energy_from_cell(cell, temperature: float, update_interval: float, source: str = "power", v_bias=None) -> float:
    """Random-source energy per update from a calibrated cell [J].

    Parameters
    ----------
    cell : object
        Has ``supply_power(temperature)`` [W] and ``energy_per_sample(v_bias, temperature)`` [J].
    temperature : float
        Chip temperature [K].
    update_interval : float
        Time between reads [s].
    source : {"power", "sample"}
        ``"power"``: :math:`P_{supply}\\Delta t`; ``"sample"``: the cell's energy per independent sample.
    v_bias : float, optional
        Bias for ``"sample"`` [V]; default the cell's midpoint ``v_mid(temperature)``.
    """
    _validate.positive("temperature", temperature, "K")
    _validate.positive("update_interval", update_interval, "s")
    if source == "power":
        value = float(cell.supply_power(temperature)) * update_interval
    elif source == "sample":
        v = cell.v_mid(temperature) if v_bias is None else v_bias
        value = float(cell.energy_per_sample(v, temperature))
    else:
        raise ParameterError(f"source must be 'power' or 'sample', got {source!r}")
    return _validate.non_negative("cell random-source energy", value, "J")


def update_energy(
    params: ChipEnergyParameters, degree: float, toggle_rate: float, rng_energy: float | None = None
) -> UpdateEnergy:
    """Energy of one update of one cell.

    Parameters
    ----------
    params : ChipEnergyParameters
        Chip parameters.
    degree : float
        Number of neighbour inputs d [-].
    toggle_rate : float
        Fraction of updates that flip the cell's output, in [0, 1] [-].
    rng_energy : float, optional
        Random-source energy [J]; default ``params.rng_energy``.
    """
    use("extropic2025")
    _validate.non_negative("degree", degree)
    _validate.in_range("toggle_rate", toggle_rate, 0.0, 1.0)
    rng = params.rng_energy if rng_energy is None else _validate.non_negative("rng_energy", rng_energy, "J")
    wire = params.wire_capacitance_per_length * params.wire_length * params.signal_voltage**2 * toggle_rate
    return UpdateEnergy(rng=rng, bias=degree * params.bias_energy_per_input, wire=wire, clock=params.clock_energy)


def sweep_energy(cell_energy: float, n_cells: int) -> float:
    """:math:`E_{sweep} = N E_{cell}` [J] for ``cell_energy`` [J] and ``n_cells`` [-]."""
    return _validate.non_negative("cell_energy", cell_energy, "J") * _validate.positive_int("n_cells", n_cells)


def independent_sample_energy(sweep_energy_j: float, tau_int_sweeps: float) -> float:
    """:math:`E_{sweep} \\cdot 2\\tau_{int}` [J]: ``sweep_energy_j`` [J], ``tau_int_sweeps`` [sweeps] (>= 0.5)."""
    _validate.non_negative("sweep_energy_j", sweep_energy_j, "J")
    _validate.in_range("tau_int_sweeps", tau_int_sweeps, 0.5, float("inf"))
    # the same product as a cell's energy per sample, with the power in J per sweep and time in sweeps
    return energy_per_sample(sweep_energy_j, tau_int_sweeps)


def denoising_chain_energy(cell_energy: float, grid_size: int, sweeps: int, steps: int = 1) -> float:
    """Energy of one sample of a denoising-style chain, :math:`E = T K L^2 E_{cell}` [J].

    Parameters
    ----------
    cell_energy : float
        :math:`E_{cell}` per update [J].
    grid_size : int
        L, cells per side [-].
    sweeps : int
        K, mixing sweeps per step [-].
    steps : int
        T, denoising steps [-].
    """
    use("extropic2025")
    size = _validate.positive_int("grid_size", grid_size)
    k = _validate.positive_int("sweeps", sweeps)
    t = _validate.positive_int("steps", steps)
    return t * k * size * size * _validate.non_negative("cell_energy", cell_energy, "J")
