"""Netlist rendering: number formatting, golden netlists, rejection of malformed input."""

import os
from pathlib import Path

import pytest

from noisecircuits.errors import ParameterError
from noisecircuits.spice.cards import Card, get_card
from noisecircuits.spice.render import TEMPLATE_NAMES, render_netlist, template_parameters
from noisecircuits.spice.units import format_value, parse_value

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.5e-6, "1.5u"), (2e6, "2meg"), (1e-15, "1f"), (0.05, "50m"), (300.0, "300"), (-0.45, "-450m"),
     (7e-17, "7.000000000000e-17"), (42, "42"), (0.0, "0"), (1234.5, "1.2345k")],
)
def test_format_value(value, text):
    assert format_value(value) == text
    # round trip to 12 significant digits (the formatter's precision)
    assert parse_value(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("bad", [True, "1", float("nan"), float("inf"), None])
def test_format_value_rejects(bad):
    with pytest.raises(ParameterError):
        format_value(bad)


def _fixed_card(card: Card) -> Card:
    # golden files must not depend on where the repository is checked out
    return Card(card.name, Path("/models/generic_bsim4.lib"), card.nmos_model, card.pmos_model, card.subcircuit,
                card.geometry_scale, card.reference)


def _values(name: str) -> dict:
    return {k: (i + 1) * 1.25e-3 if k != "seed" else 7 for i, k in enumerate(template_parameters(name))}


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_golden_netlists(name):
    card = _fixed_card(get_card("generic"))
    text = render_netlist(name, card, _values(name))
    golden = GOLDEN / f"{name}.cir"
    if os.environ.get("NOISECIRCUITS_REGENERATE_GOLDENS") == "1":  # pragma: no cover - on purpose only
        golden.write_text(text)
    assert text == golden.read_text()


def _ktc_values():
    return _values("ktc")


@pytest.mark.parametrize(
    "value",
    ["1\n.control\nshell rm -rf /", "0.1", True, float("nan"), float("inf"), None, [1.0]],
)
def test_rejects_non_numeric_values(value):
    values = _ktc_values()
    values["resistance"] = value
    with pytest.raises(ParameterError, match="resistance"):
        render_netlist("ktc", get_card("generic"), values)


@pytest.mark.parametrize("name", ["resistance\n.control", "unknown_parameter", "1abc", "r esistance"])
def test_rejects_bad_or_unknown_names(name):
    values = _ktc_values()
    values[name] = 0.1
    with pytest.raises(ParameterError):
        render_netlist("ktc", get_card("generic"), values)


def test_rejects_missing_parameter():
    values = _ktc_values()
    del values["capacitance"]
    with pytest.raises(ParameterError, match="capacitance"):
        render_netlist("ktc", get_card("generic"), values)


def test_rejects_unknown_template_and_card():
    with pytest.raises(ParameterError, match="template"):
        render_netlist("nosuch", get_card("generic"), {})
    with pytest.raises(ParameterError, match="card"):
        get_card("ptm45")


def test_rejects_quote_in_card_path(tmp_path):
    card = Card("generic", tmp_path / 'a"b.lib', "n", "p", False, 1.0, "bsim4")
    values = {k: 1.0 for k in template_parameters("iv_nmos")}
    with pytest.raises(ParameterError, match="path"):
        render_netlist("iv_nmos", card, values)


def test_noisy_transistor_lines():
    from noisecircuits.circuits.pbit import PBitDesign
    from noisecircuits.spice.generate import pbit_netlist_text

    text = pbit_netlist_text(PBitDesign.default(), get_card("generic"), v_bias=0.125, temperature=300.0,
                             noise_step=1e-8, duration=1e-6, seed=7, start=(0.04, 0.04), sample_step=5e-9,
                             max_step=4.99e-9)
    # every transistor has an ammeter, a unit-Gaussian stream and a shot-noise source
    for dev in ("MPa", "MNa", "MPb", "MNb", "MNbias", "MNref"):
        assert f"V{dev}_i " in text and f"V{dev}_w " in text and f"B{dev}_n " in text
    assert text.count("trrandom(2 ") == 6
