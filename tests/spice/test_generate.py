"""The sampler decks generated from each design's device list: golden files of the shipped designs.

The decks of the shipped p-bit, categorical and continuous designs are kept in ``spice_models/``
as reviewed golden files; each test regenerates one and compares it line for line
(``NOISECIRCUITS_REGENERATE_GOLDENS=1`` rewrites them, on purpose only). When the generator
replaced the hand-written templates, each generated deck was line-for-line the template's deck up
to element and node names (docs/spice.md).
"""

import os
from pathlib import Path

import pytest

from noisecircuits.circuits.categorical import CategoricalDesign
from noisecircuits.circuits.continuous import ContinuousDesign
from noisecircuits.circuits.pbit import PBitDesign
from noisecircuits.spice.cards import Card, capacitance_free, get_card, spice_models_dir
from noisecircuits.spice.generate import (
    CATEGORICAL_REFERENCE_NETLIST,
    CONTINUOUS_REFERENCE_NETLIST,
    REFERENCE_NETLIST,
    categorical_netlist_text,
    continuous_netlist_text,
    pbit_netlist_text,
)

_STEPS = dict(temperature=300.0, noise_step=1e-8, duration=1e-6, seed=1, sample_step=5e-9, max_step=4.99e-9)


def _fixed(card):
    # golden files must not depend on where the repository is checked out
    return Card(card.name, Path("/models/generic_bsim4.lib"), card.nmos_model, card.pmos_model, card.subcircuit,
                card.geometry_scale, card.reference)


def _decks():
    card = _fixed(capacitance_free(get_card("generic")))
    return {
        REFERENCE_NETLIST: pbit_netlist_text(PBitDesign.default(), card, v_bias=0.125, start=(0.04, 0.04), **_STEPS),
        CATEGORICAL_REFERENCE_NETLIST: categorical_netlist_text(CategoricalDesign.default(), card,
                                                                v_controls=(0.05, 0.06, 0.07, 0.08), **_STEPS),
        CONTINUOUS_REFERENCE_NETLIST: continuous_netlist_text(ContinuousDesign.default(), card, v_bias=0.125,
                                                              v_modes=(0.04, 0.0), start=(0.04, 0.04, 0.02),
                                                              **_STEPS),
    }


@pytest.mark.parametrize("name", [REFERENCE_NETLIST, CATEGORICAL_REFERENCE_NETLIST, CONTINUOUS_REFERENCE_NETLIST])
def test_shipped_design_deck_is_regenerated_identically(name):
    text = _decks()[name]
    golden = spice_models_dir() / name
    if os.environ.get("NOISECIRCUITS_REGENERATE_GOLDENS") == "1":  # pragma: no cover - on purpose only
        golden.write_text(text)
    assert text == golden.read_text()


def test_every_device_of_each_design_is_in_its_deck_once_with_its_noise_and_ito_terms():
    decks = _decks()
    for name, design, states in ((REFERENCE_NETLIST, PBitDesign.default(), ("out", "outb")),
                                 (CATEGORICAL_REFERENCE_NETLIST, CategoricalDesign.default(),
                                  tuple(f"out{k}" for k in range(4))),
                                 (CONTINUOUS_REFERENCE_NETLIST, ContinuousDesign.default(), ("out", "outb", "y"))):
        lines = decks[name].splitlines()
        for dev in design.devices():
            mos = [ln for ln in lines if ln.startswith(f"M{dev.name} ")]
            assert len(mos) == 1, (name, dev.name)
            width = mos[0].split("w=")[1].split()[0]
            assert width and sum(ln.startswith(f"B{dev.name}_n ") for ln in lines) == 1, (name, dev.name)
        # one Itô correction per state node, and the read-out writes exactly the state nodes
        assert sorted(ln.split()[0] for ln in lines if ln.startswith("Bito_")) == sorted(f"Bito_{n}" for n in states)
        assert f"wrdata out.dat {' '.join(f'v({n})' for n in states)}" in lines


def test_a_device_source_on_a_state_node_is_refused():
    from dataclasses import replace

    from noisecircuits.circuits._subthreshold import Device
    from noisecircuits.errors import ParameterError

    design = ContinuousDesign.default()

    class Misplaced(type(design)):
        def devices(self):
            ma = design.devices()[-2]
            # MA's source on the latch node out: its noise would enter two state nodes
            return design.devices()[:-2] + (replace(ma, source="out"), design.devices()[-1])

    bad = Misplaced(pbit=design.pbit, output_capacitance=design.output_capacitance, pass_nmos=design.pass_nmos)
    assert isinstance(bad.devices()[-2], Device)
    # the shared description refuses it before any deck text exists (the SDE could not model it either)
    with pytest.raises(ParameterError, match="source on state nodes"):
        continuous_netlist_text(bad, capacitance_free(get_card("generic")), v_bias=0.125, v_modes=(0.04, 0.0),
                                start=(0.04, 0.04, 0.02), **_STEPS)
