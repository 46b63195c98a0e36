"""validation layer: what compares simulators and models.

* :mod:`~noisecircuits.validation.calibration` — EKV parameters fitted to a SPICE model card;
* :mod:`~noisecircuits.validation.crosscheck` — tolerance rules and the ngspice-vs-SDE checks
  of the three reference designs (p-bit, categorical, continuous);
* :mod:`~noisecircuits.validation.spice_check` — an exported cell model run in ngspice
  against the model it came from.

The ngspice engine itself (netlists, runs, read-back) is :mod:`noisecircuits.spice`.
Nothing is imported here, so ``import noisecircuits.validation`` stays light.
"""
