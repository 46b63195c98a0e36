"""interop layer: thin bridges to tools that are optional extras.

* :mod:`~noisecircuits.interop.pyspice` — run a circuit a user built with PySpice
  (``pip install 'noisecircuits[spice]'``) through the toolkit's ngspice batch runner.

Nothing is imported here, so ``import noisecircuits.interop`` stays light.
"""
