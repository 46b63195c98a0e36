"""Sub-commands of the ``noisecircuits`` command line, one module each (see :mod:`noisecircuits.cli`).

Each module defines ``register(subparsers)``. Helpers shared by several commands live in
:mod:`noisecircuits.commands._common`.
"""
