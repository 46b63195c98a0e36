"""reporting layer: what a result directory looks like to a reader.

:mod:`~noisecircuits.reporting.report` (the self-contained HTML report of a directory) and
:mod:`~noisecircuits.reporting.figures` (the figures drawn from what a directory holds, used
by ``noisecircuits plot`` and by the report). Drawing itself is :mod:`noisecircuits.plotting`.
Nothing is imported here, so ``import noisecircuits.reporting`` stays light.
"""
