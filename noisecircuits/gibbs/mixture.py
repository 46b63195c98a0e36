"""Binary-Gaussian nodes: the node model a continuous (Gaussian-mixture) cell realises exactly.

A continuous cell (:class:`noisecircuits.cells.model.ContinuousCellModel`) is a p-bit that
selects one of two Gaussian modes: at bias v its output is

.. math:: y \\sim (1 - w_1)\\,N(\\mu_0, \\sigma_0^2) + w_1\\,N(\\mu_1, \\sigma_1^2),
          \\qquad w_1 = F((v - v_{mid})/v_{width}),

with mode means and widths fixed by the cell. The node model it realises is a
**binary-Gaussian** node: a latent spin :math:`s_i = \\pm 1` (the p-bit) with Ising
interactions between the spins, and a continuous read-out drawn from the selected mode,

.. math:: p(s, y) = \\frac{e^{-\\beta E(s)}}{Z} \\prod_i N(y_i;\\, \\mu_{i, s_i}, \\sigma_{i, s_i}^2).

Given the other nodes, node i's read-out is exactly the cell's two-component mixture with weight
:math:`w_1 = \\sigma(2\\beta I_i)`, :math:`I_i = h_i + \\sum_j J_{ij} s_j`: a logistic cell driven
through the ideal bias network v = v_mid + 2β v_width I reproduces it; any other F (or a chosen
gain or offset) changes only the weight, which is then F(x) with x = (V₀ − v_mid + g I)/v_width.
Because the read-out depends on the node's own spin only, a block-Gibbs sweep updates the spins
(ideal heat bath or through the cell's weight law, :class:`~noisecircuits.gibbs.hardware.HardwareMode`)
and draws each kept sample's read-outs from the selected modes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noisecircuits.errors import ParameterError
from noisecircuits.gibbs._rng import as_seed_sequence
from noisecircuits.gibbs.hardware import HardwareMode
from noisecircuits.gibbs.models import IsingModel

__all__ = ["BinaryGaussianModel", "ContinuousHardwareMode", "BinaryGaussianRun", "sample_binary_gaussian"]


@dataclass(frozen=True, eq=False)
class BinaryGaussianModel:
    """Ising spins with one Gaussian read-out per spin state.

    Parameters
    ----------
    ising : IsingModel
        Interactions and fields of the latent spins (its ``beta`` is the sampling inverse temperature).
    means : array_like, shape (2,) or (n, 2)
        Read-out mean of each node for s = -1 (column 0) and s = +1 (column 1) [state unit].
    stds : array_like, shape (2,) or (n, 2)
        Read-out standard deviations, > 0, same layout [state unit].
    """

    ising: IsingModel
    means: np.ndarray
    stds: np.ndarray

    def __post_init__(self):
        if not isinstance(self.ising, IsingModel):
            raise ParameterError(f"ising must be an IsingModel, got {type(self.ising).__name__}")
        n = self.ising.n_nodes
        for name in ("means", "stds"):
            value = np.asarray(getattr(self, name), dtype=float)
            try:
                value = np.ascontiguousarray(np.broadcast_to(value, (n, 2)))
            except ValueError:
                raise ParameterError(f"{name} must have shape (2,) or ({n}, 2), got {value.shape}") from None
            if not np.all(np.isfinite(value)):
                raise ParameterError(f"{name} must be finite numbers")
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        if np.any(self.stds <= 0):
            raise ParameterError("stds must all be > 0 (read-out noise of each mode)")

    @property
    def n_nodes(self) -> int:
        """Number of nodes [-]."""
        return self.ising.n_nodes

    def mode_means(self, spins: np.ndarray) -> np.ndarray:
        """Read-out means of the modes selected by ``spins`` (..., n) [state unit]."""
        return np.where(np.asarray(spins) > 0, self.means[:, 1], self.means[:, 0])

    def mode_stds(self, spins: np.ndarray) -> np.ndarray:
        """Read-out standard deviations of the modes selected by ``spins`` (..., n) [state unit]."""
        return np.where(np.asarray(spins) > 0, self.stds[:, 1], self.stds[:, 0])


class _WeightLaw:
    """A continuous cell seen as a p-bit: P(1) = the weight of mode 1 (the p-bit behind the mixture)."""

    def __init__(self, cell):
        self.cell = cell
        parameters = cell.document["parameters"]
        self._v_mid = float(parameters["weight_v_mid_V"])
        self._v_width = float(parameters["weight_v_width_V"])
        self.mismatch = dict(getattr(cell, "mismatch", {}) or {})

    def p_one(self, v_bias, temperature):
        return np.asarray(self.cell.mixture(v_bias, temperature)["weights"])[..., 1]

    def v_mid(self, temperature):
        return self._v_mid

    def v_width(self, temperature):
        return self._v_width

    def correlation_time(self, v_bias, temperature):
        raise ParameterError("a continuous cell has no correlation time: use update_interval = 0")

    def with_out_of_range(self, policy):
        relax = getattr(self.cell, "with_out_of_range", None)
        return _WeightLaw(relax(policy)) if callable(relax) else self


@dataclass(frozen=True, eq=False)
class ContinuousHardwareMode:
    """Drive binary-Gaussian nodes through a calibrated continuous cell.

    Parameters
    ----------
    cell : object
        A continuous cell: ``mixture(v_bias, temperature)`` returning ``weights``, ``means_V``,
        ``stds_V`` (..., 2), and ``document["parameters"]`` with ``weight_v_mid_V`` and
        ``weight_v_width_V`` (e.g. ``noisecircuits.load_cell`` of a continuous cell).
    temperature : float
        Chip temperature [K].
    gain : float, optional
        Bias-network gain g [V per unit field]; default: the ideal gain (slope matched at I = 0).
    offset : float, optional
        Bias-network offset V₀ [V]; default: the weight law's midpoint.
    mismatch : bool
        Draw per-cell weight-law mismatch from the cell's statistics.
    mismatch_seed : int, SeedSequence or Generator, optional
        Seed of the mismatch draw.
    """

    cell: object
    temperature: float = 300.0
    gain: float | None = None
    offset: float | None = None
    mismatch: bool = False
    mismatch_seed: object = 0

    def __post_init__(self):
        if not callable(getattr(self.cell, "mixture", None)):
            raise ParameterError(f"cell must provide mixture(...); got an object of type {type(self.cell).__name__}")
        try:
            _WeightLaw(self.cell)
        except (KeyError, TypeError, AttributeError):
            raise ParameterError("cell must be a continuous cell (parameters weight_v_mid_V, weight_v_width_V)") from None

    @property
    def binary(self) -> HardwareMode:
        """The p-bit part (mode selection) as a :class:`HardwareMode`."""
        return HardwareMode(_WeightLaw(self.cell), self.temperature, 0.0, self.gain, self.offset, self.mismatch,
                            self.mismatch_seed)  # fmt: skip

    def modes(self) -> tuple[np.ndarray, np.ndarray]:
        """Mode means and standard deviations of the cell, each shape (2,) [V]."""
        law = _WeightLaw(self.cell)
        mixture = self.cell.mixture(law.v_mid(self.temperature), self.temperature)
        return np.asarray(mixture["means_V"], dtype=float), np.asarray(mixture["stds_V"], dtype=float)

    def node_model(self, ising: IsingModel) -> BinaryGaussianModel:
        """The binary-Gaussian model this cell realises on ``ising``'s graph (read-outs in volts)."""
        means, stds = self.modes()
        return BinaryGaussianModel(ising, means, stds)


@dataclass(frozen=True, eq=False)
class BinaryGaussianRun:
    """Result of :func:`sample_binary_gaussian`.

    Attributes
    ----------
    spins : IsingRun
        The latent spins' run (energies, magnetisations, histogram, diagnostics).
    values : ndarray, shape (samples, chains, n)
        Read-outs at every kept sample [state unit].
    """

    model: BinaryGaussianModel
    spins: object
    values: np.ndarray

    def means(self) -> np.ndarray:
        """:math:`\\langle y_i \\rangle` [state unit]."""
        return self.values.reshape(-1, self.model.n_nodes).mean(axis=0)

    def covariance(self) -> np.ndarray:
        """Sample covariance of the read-outs, shape (n, n) [state unit^2]."""
        return np.cov(self.values.reshape(-1, self.model.n_nodes), rowvar=False, bias=True)


def _readout_rng(seed, chain: int) -> np.random.Generator:
    """Read-out generator of chain ``chain``: a grandchild of the seed, apart from the chain keys' children."""
    root = as_seed_sequence(seed)
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, chain, 1)))


def sample_binary_gaussian(model: BinaryGaussianModel, sweeps: int, burn_in: int = 0, chains: int = 4, seed=None, *,
                           hardware: ContinuousHardwareMode | None = None, clamp=None, initial="mixed"):  # fmt: skip
    """Block-Gibbs sampling of binary-Gaussian nodes (ideal, or through a continuous cell).

    Parameters
    ----------
    model : BinaryGaussianModel
        The nodes. With ``hardware`` the cell's own modes are used (see
        :meth:`ContinuousHardwareMode.node_model`); ``model`` then gives the graph and fields.
    sweeps : int
        Kept samples per chain (one per sweep) [-].
    burn_in : int
        Sweeps discarded first [-].
    chains : int
        Independent chains [-].
    seed : int, SeedSequence or Generator, optional
        Randomness (spins as :func:`~noisecircuits.gibbs.sampler.sample_ising`; read-outs from
        per-chain streams of the same seed).
    hardware : ContinuousHardwareMode, optional
        Select the modes through the cell's weight law and draw read-outs from its modes.
    clamp : dict of int to ±1, optional
        Latent spins held fixed.
    initial : str or array_like
        Start state of the spins (as :func:`~noisecircuits.gibbs.sampler.sample_ising`).

    Returns
    -------
    BinaryGaussianRun
        Memory: samples x chains x n read-outs of 8 bytes (plus 1 byte per spin snapshot).
    """
    from noisecircuits.gibbs.sampler import sample_ising

    if not isinstance(model, BinaryGaussianModel):
        raise ParameterError(f"model must be a BinaryGaussianModel, got {type(model).__name__}")
    if hardware is not None:
        if not isinstance(hardware, ContinuousHardwareMode):
            raise ParameterError(f"hardware must be a ContinuousHardwareMode, got {type(hardware).__name__}")
        model = hardware.node_model(model.ising)
    run = sample_ising(model.ising, sweeps, burn_in, chains, seed, clamp=clamp, snapshot_every=1, initial=initial,
                       hardware=None if hardware is None else hardware.binary)  # fmt: skip
    states = run.snapshots  # (samples, chains, n)
    means, stds = model.mode_means(states), model.mode_stds(states)
    noise = np.empty(states.shape)
    for c in range(states.shape[1]):
        noise[:, c, :] = _readout_rng(seed, c).standard_normal((states.shape[0], states.shape[2]))
    return BinaryGaussianRun(model, run, means + stds * noise)
