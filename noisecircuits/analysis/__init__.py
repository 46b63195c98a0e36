"""analysis layer: statistics of simulated or measured sampler traces.

Modules: :mod:`~noisecircuits.analysis.autocorrelation` (Sokal's integrated
autocorrelation time, effective sample size, standard errors),
:mod:`~noisecircuits.analysis.occupation`, :mod:`~noisecircuits.analysis.dwell`,
:mod:`~noisecircuits.analysis.spectrum` (telegraph PSD, Lorentzian),
:mod:`~noisecircuits.analysis.bias` (fraction high, implied tilt),
:mod:`~noisecircuits.analysis.diagnostics` (rank-normalised split-R̂, bulk and tail ESS of
several chains) and
:mod:`~noisecircuits.analysis.stats` (``trace_stats``).
"""
