"""sde layer: SDE terms, solvers, seeded noise, ensemble kernels, ``simulate`` and ``Trace``.

Modules: :mod:`~noisecircuits.sde.terms` (``SDETerms``), :mod:`~noisecircuits.sde.solvers`
(Euler-Maruyama, Milstein, stochastic Heun, exact OU), :mod:`~noisecircuits.sde.noise`
(per-path xoshiro256++ streams and a ziggurat normal generator),
:mod:`~noisecircuits.sde.ensemble` (numba kernels), :mod:`~noisecircuits.sde.simulate`,
:mod:`~noisecircuits.sde.trace`, :mod:`~noisecircuits.sde.readouts` (the typed read-outs models
declare), :mod:`~noisecircuits.sde.models` (OU and geometric
Brownian motion references). Nothing is imported here, so ``import noisecircuits`` stays light.
"""
