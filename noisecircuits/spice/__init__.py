"""spice layer (see DESIGN.md and docs/spice.md).

Modules: :mod:`~noisecircuits.spice.units` (the only place SPICE number suffixes exist),
:mod:`~noisecircuits.spice.cards` (generic BSIM4 and sky130 model cards; ``python -m
noisecircuits.spice.cards fetch``), :mod:`~noisecircuits.spice.render` (templates in
``spice_models/``), :mod:`~noisecircuits.spice.runner` (ngspice batch runner),
:mod:`~noisecircuits.spice.seeds`, :mod:`~noisecircuits.spice.benches` (kT/C and I–V benches).
Nothing is imported here, so ``import noisecircuits.spice`` stays light.
"""
