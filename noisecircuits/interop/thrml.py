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

Categorical (p-dit) cells drive a Potts model the same way (:func:`sample_potts`): each node is
a thrml ``CategoricalNode``; thrml's ``CategoricalGibbsConditional`` machinery computes the bare
Potts logits :math:`L_{i,a} = h_{i,a} + \sum_j J_{ij}\,\delta(a, s_j)` from two
``CategoricalEBMFactor`` batches (fields, and couplings as :math:`J_{ij}` times the identity),
and the node's sampler draws state a with the cell's own law at the controls the bias network
makes of those logits (:class:`noisecircuits.gibbs.categorical.CategoricalHardwareMode`:
:math:`P(a) \propto \exp(\beta' L_{i,a} + c_{i,a})`, offsets and mismatch included).
"""

from __future__ import annotations

import numpy as np

from noisecircuits import _validate
from noisecircuits.errors import ParameterError

__all__ = ["sample_ising", "sample_potts"]


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


def _categorical_sampler_class():
    """The thrml conditional sampler of a block of calibrated categorical cells (defined once thrml is imported)."""
    import jax
    from thrml.models.discrete_ebm import CategoricalGibbsConditional

    class CellCategoricalConditional(CategoricalGibbsConditional):
        """P(a) ∝ exp(β' L_a + c_a) from the cell's law at the bias network's controls, per node of the block."""

        beta_update: jax.Array
        shift: jax.Array

        def sample_given_parameters(self, key, parameters, sampler_state, output_sd):
            logits = self.beta_update * parameters + self.shift
            return jax.random.categorical(key, logits, axis=-1).astype(output_sd.dtype), sampler_state

    return CellCategoricalConditional


def sample_potts(cell, model, temperature, sweeps, burn_in, chains, seed, *, gain=None, offsets=None,
                 offset_sigma=0.0, chip_seed=0) -> np.ndarray:
    """Gibbs samples of a Potts model drawn in thrml through a calibrated categorical cell.

    Parameters
    ----------
    cell : str, os.PathLike, cell model or None
        A categorical cell-model JSON path or a loaded cell; None: ideal heat-bath updates at the
        model's β (thrml's own ``CategoricalGibbsConditional``) [-].
    model : PottsModel
        The Potts model (:class:`noisecircuits.gibbs.models.PottsModel`) [-].
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
    gain : float, optional
        Bias-network gain [V per unit logit]; default the ideal β / b.
    offsets : array_like of float, shape (q,), optional
        Bias-network offsets [V]; default the ideal −θ_a / b.
    offset_sigma : float
        Per-cell, per-state offset mismatch [V].
    chip_seed : int
        Seed of the mismatch draw (the chip instance) [-].

    Returns
    -------
    ndarray of int8, shape (chains, sweeps, nodes)
        The node states 0 .. q−1 after every recorded sweep.
    """
    try:
        import jax
        import jax.numpy as jnp
        from thrml import Block, BlockGibbsSpec, CategoricalNode, SamplingSchedule, sample_states
        from thrml.factor import FactorSamplingProgram
        from thrml.models import CategoricalEBMFactor, CategoricalGibbsConditional
        from thrml.pgm import DEFAULT_NODE_SHAPE_DTYPES
    except ImportError:
        raise ParameterError("the thrml bridge needs thrml: pip install 'noisecircuits[thrml]'") from None
    from noisecircuits.gibbs.categorical import CategoricalHardwareMode
    from noisecircuits.gibbs.colouring import dsatur_colouring
    from noisecircuits.gibbs.models import PottsModel

    if not isinstance(model, PottsModel):
        raise ParameterError(f"model must be a PottsModel, got {type(model).__name__}")
    sweeps = _validate.positive_int("sweeps", sweeps)
    burn_in = _validate.positive_int("burn_in", burn_in, minimum=0)
    chains = _validate.positive_int("chains", chains)
    seed = _validate.positive_int("seed", seed, minimum=0)
    n, q = model.n_nodes, model.n_states
    rows = np.repeat(np.arange(n), np.diff(model.indptr))
    upper = rows < model.indices
    nodes = [CategoricalNode() for _ in range(n)]
    cell = _cell(cell)
    if cell is None:
        beta_update, shift = float(model.beta), np.zeros((n, q))
    else:
        mode = CategoricalHardwareMode(cell, _validate.temperature("temperature", temperature), gain=gain,
                                       offsets=None if offsets is None else tuple(offsets),
                                       offset_sigma=offset_sigma, mismatch_seed=chip_seed)
        beta_update, fields = mode.update_law(model)
        shift = beta_update * (fields - model.fields)
    # thrml's logits: beta * L for the ideal sampler, the bare L for the cell's sampler
    scale = float(model.beta) if cell is None else 1.0
    heads, tails = rows[upper], model.indices[upper]
    eye = np.eye(q, dtype=np.float32)
    factors = [CategoricalEBMFactor([Block(nodes)], jnp.asarray(scale * model.fields, dtype=jnp.float32))]
    if heads.size:
        couplings = scale * model.weights[upper][:, None, None] * eye
        factors.append(CategoricalEBMFactor([Block([nodes[i] for i in heads]), Block([nodes[j] for j in tails])],
                                            jnp.asarray(couplings, dtype=jnp.float32)))
    colours = dsatur_colouring(model.indptr, model.indices)
    members = [np.flatnonzero(colours == c) for c in range(int(colours.max()) + 1)]
    blocks = [Block([nodes[i] for i in idx]) for idx in members]
    if cell is None:
        samplers = [CategoricalGibbsConditional(q) for _ in blocks]
    else:
        conditional = _categorical_sampler_class()
        samplers = [conditional(q, beta_update=jnp.asarray(beta_update, dtype=jnp.float32),
                                shift=jnp.asarray(shift[idx], dtype=jnp.float32)) for idx in members]
    spec = BlockGibbsSpec(blocks, [], DEFAULT_NODE_SHAPE_DTYPES)
    program = FactorSamplingProgram(spec, samplers, factors, [])
    schedule = SamplingSchedule(n_warmup=burn_in, n_samples=sweeps, steps_per_sample=1)
    observed = [Block(nodes)]

    def one_chain(key):
        init_key, run_key = jax.random.split(key)
        keys = jax.random.split(init_key, len(blocks))
        init = [jax.random.randint(k, (len(idx),), 0, q).astype(jnp.uint8) for k, idx in zip(keys, members)]
        return sample_states(run_key, program, schedule, init, [], observed)[0]

    key = jax.random.key(seed)
    if chains == 1:
        states = jax.jit(one_chain)(key)[None]
    else:
        states = jax.jit(jax.vmap(one_chain))(jax.random.split(key, chains))
    return np.asarray(states, dtype=np.int8).reshape(chains, sweeps, n)
