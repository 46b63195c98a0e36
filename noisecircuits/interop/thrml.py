r"""Calibrated p-bit cells inside thrml: Gibbs sampling of an Ising model in thrml through a cell's law.

thrml (Extropic's JAX library, optional extra ``noisecircuits[thrml]``) samples an energy-based
model block by block; each free block has a *conditional sampler*. This bridge gives every
colour block of an Ising model a sampler that draws each spin the way a chip of calibrated
cells would (the same physics as :mod:`noisecircuits.gibbs.hardware`):

* the local field :math:`I_i = h_i + \sum_j J_{ij} s_j` (thrml's :math:`\gamma` for a model
  built with :math:`\beta = 1`) becomes a control voltage through the bias network,
  :math:`x_i = a_i + b_i I_i` in units of the cell's width;
* the spin is +1 with the cell's own P(1) at the chip temperature, read from the cell's
  nominal curve tabulated on a fine grid (any form: logistic, probit, measured), with per-cell
  mismatch of midpoint and width drawn from the cell's statistics when asked;
* with the ideal bias network tuned at the chip temperature a logistic cell is exactly the
  heat-bath update :math:`\sigma(2\beta I_i)`; a chip at another temperature, or another form,
  samples a distorted law.

``cell=None`` uses thrml's own heat-bath sampler (``SpinGibbsConditional``) on the model at
its β. Cells are read fresh at every update (no finite correlation time here: a thrml
conditional does not see the node's previous value).
"""

from __future__ import annotations

import numpy as np

from noisecircuits import _validate
from noisecircuits.errors import ParameterError

__all__ = ["sample_ising"]


def _model(model):
    from noisecircuits.gibbs.graphs import ising_from_dict, ising_from_json
    from noisecircuits.gibbs.models import IsingModel

    if isinstance(model, IsingModel):
        return model
    if isinstance(model, dict):
        return ising_from_dict(model, source="model")
    return ising_from_json(model)


def _cell(cell):
    if cell is None or not isinstance(cell, (str, bytes)) and not hasattr(cell, "__fspath__"):
        return cell
    from noisecircuits.cells import load_cell

    return load_cell(cell)


def _cell_sampler_class():
    """The thrml conditional sampler of a block of calibrated cells (defined once thrml is imported)."""
    import jax
    import jax.numpy as jnp
    from thrml.models.discrete_ebm import SpinGibbsConditional

    class CellConditional(SpinGibbsConditional):
        """P(s = +1) = F(a + b γ) from the tabulated cell curve F, per node of the block."""

        offset_x: jax.Array
        gain_x: jax.Array
        grid: jax.Array
        p_one: jax.Array

        def sample_given_parameters(self, key, parameters, sampler_state, output_sd):
            x = self.offset_x + self.gain_x * parameters
            probability = jnp.interp(x, self.grid, self.p_one)
            return jax.random.bernoulli(key, probability), sampler_state

    return CellConditional


def sample_ising(cell, model, temperature, sweeps, burn_in, chains, seed, *, mismatch=False, chip_seed=0,
                 gain=None, offset=None) -> np.ndarray:
    """Gibbs samples of an Ising model drawn in thrml through a calibrated p-bit cell.

    Parameters
    ----------
    cell : str, os.PathLike, cell model or None
        A cell-model JSON path or a loaded cell (``noisecircuits.load_cell``); None: ideal
        heat-bath updates (thrml's own sampler) [-].
    model : str, os.PathLike, dict or IsingModel
        The model document that ``noisecircuits gibbs model`` reads (``spins``, ``beta``,
        ``biases``, ``couplings``), its path, or an :class:`~noisecircuits.gibbs.models.IsingModel` [-].
    temperature : float
        Chip temperature, 200-450 [K] (ignored when ``cell`` is None).
    sweeps : int
        Recorded sweeps per chain, >= 1 [-].
    burn_in : int
        Discarded sweeps per chain, >= 0 [-].
    chains : int
        Independent chains (vmapped in one jitted program when > 1), >= 1 [-].
    seed : int
        JAX random seed, >= 0 [-].
    mismatch : bool
        Draw per-cell mismatch from the cell's statistics [-].
    chip_seed : int
        Seed of the mismatch draw (the chip instance) [-].
    gain, offset : float, optional
        Bias network gain [V per unit field] and offset [V]; default: ideal at ``temperature``.

    Returns
    -------
    ndarray of int8, shape (chains, sweeps, spins)
        The ±1 spins after every recorded sweep.
    """
    try:
        import jax
        import jax.numpy as jnp
        from thrml import Block, BlockGibbsSpec, SamplingSchedule, SpinNode, sample_states
        from thrml.factor import FactorSamplingProgram
        from thrml.models import IsingEBM, hinton_init
        from thrml.models.discrete_ebm import SpinGibbsConditional
    except ImportError:
        raise ParameterError("the thrml bridge needs thrml: pip install 'noisecircuits[thrml]'") from None
    from noisecircuits.gibbs.colouring import dsatur_colouring
    from noisecircuits.gibbs.hardware import HardwareMode

    sweeps = _validate.positive_int("sweeps", sweeps)
    burn_in = _validate.positive_int("burn_in", burn_in, minimum=0)
    chains = _validate.positive_int("chains", chains)
    seed = _validate.positive_int("seed", seed, minimum=0)
    ising = _model(model)
    n = ising.n_nodes
    rows = np.repeat(np.arange(n), ising.degrees)
    upper = rows < ising.indices
    nodes = [SpinNode() for _ in range(n)]
    edges = [(nodes[i], nodes[j]) for i, j in zip(rows[upper], ising.indices[upper], strict=True)]
    cell = _cell(cell)
    # with a cell, thrml's gamma is the bare local field (beta = 1) and beta enters the bias network
    beta = 1.0 if cell is not None else float(ising.beta)
    ebm = IsingEBM(nodes, edges, jnp.asarray(ising.biases, dtype=jnp.float32),
                   jnp.asarray(ising.weights[upper], dtype=jnp.float32), jnp.asarray(beta, dtype=jnp.float32))
    colours = dsatur_colouring(ising.indptr, ising.indices)
    members = [np.flatnonzero(colours == c) for c in range(int(colours.max()) + 1)]
    blocks = [Block([nodes[i] for i in idx]) for idx in members]
    if cell is None:
        samplers = [SpinGibbsConditional() for _ in blocks]
    else:
        hardware = HardwareMode(cell, _validate.temperature("temperature", temperature), gain=gain, offset=offset,
                                mismatch=mismatch, mismatch_seed=chip_seed)
        tables = hardware.tables(n, float(ising.beta))
        grid = jnp.asarray(tables.x0 + tables.dx * np.arange(tables.p_one.size), dtype=jnp.float32)
        curve = jnp.asarray(tables.p_one, dtype=jnp.float32)
        conditional = _cell_sampler_class()
        samplers = [conditional(offset_x=jnp.asarray(tables.offset_x[idx], dtype=jnp.float32),
                                gain_x=jnp.asarray(tables.gain_x[idx], dtype=jnp.float32), grid=grid, p_one=curve)
                    for idx in members]
    spec = BlockGibbsSpec(blocks, [], ebm.node_shape_dtypes)
    program = FactorSamplingProgram(spec, samplers, ebm.factors, [])
    schedule = SamplingSchedule(n_warmup=burn_in, n_samples=sweeps, steps_per_sample=1)
    observed = [Block(nodes)]

    def one_chain(key):
        init_key, run_key = jax.random.split(key)
        init = hinton_init(init_key, ebm, blocks, ())
        return sample_states(run_key, program, schedule, init, [], observed)[0]

    key = jax.random.key(seed)
    if chains == 1:
        states = jax.jit(one_chain)(key)[None]
    else:
        states = jax.jit(jax.vmap(one_chain))(jax.random.split(key, chains))
    return (2 * np.asarray(states, dtype=np.int8) - 1).reshape(chains, sweeps, n)
