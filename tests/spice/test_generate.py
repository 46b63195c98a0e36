"""The p-bit deck generated from PBitDesign.devices(): golden file of the shipped design, and
line-for-line equivalence with the reviewed template."""

import os
from pathlib import Path

from noisecircuits.circuits.pbit import PBitDesign
from noisecircuits.spice.cards import Card, capacitance_free, get_card, spice_models_dir
from noisecircuits.spice.generate import REFERENCE_NETLIST, pbit_netlist_text
from noisecircuits.spice.pbit import pbit_spice_values
from noisecircuits.spice.render import render_netlist

_ARGS = dict(v_bias=0.125, temperature=300.0, noise_step=1e-8, duration=1e-6, seed=1, start=(0.04, 0.04),
             sample_step=5e-9, max_step=4.99e-9)


def _fixed(card):
    # golden files must not depend on where the repository is checked out
    return Card(card.name, Path("/models/generic_bsim4.lib"), card.nmos_model, card.pmos_model, card.subcircuit,
                card.geometry_scale, card.reference)


def test_reference_netlist_is_regenerated_identically():
    text = pbit_netlist_text(PBitDesign.default(), _fixed(capacitance_free(get_card("generic"))), **_ARGS)
    golden = spice_models_dir() / REFERENCE_NETLIST
    if os.environ.get("NOISECIRCUITS_REGENERATE_GOLDENS") == "1":  # pragma: no cover - on purpose only
        golden.write_text(text)
    assert text == golden.read_text()


def test_generated_deck_equals_the_template_deck():
    design = PBitDesign.default()
    card = _fixed(capacitance_free(get_card("generic")))
    generated = pbit_netlist_text(design, card, **_ARGS)
    values = pbit_spice_values(design, _ARGS["v_bias"], _ARGS["temperature"], _ARGS["noise_step"], _ARGS["duration"],
                               _ARGS["seed"], _ARGS["start"])
    values.update(sample_step=_ARGS["sample_step"], max_step=_ARGS["max_step"])
    template = render_netlist("pbit", card, values, noise=True)
    # the template names the gate nodes vbias/vref and their sources Vdd/Vbias/Vref
    rename = [("Vdd vdd", "Vvdd vdd"), ("Vbias vbias", "Vv_bias v_bias"), ("Vref vref", "Vv_ref v_ref"),
              (" vbias ", " v_bias "), (" vref ", " v_ref ")]

    def body(text, mapping=()):
        lines = []
        for line in text.splitlines():
            if line.startswith("*"):
                continue
            for old, new in mapping:
                line = line.replace(old, new)
            lines.append(line)
        return sorted(lines)

    assert body(generated) == body(template, rename)
