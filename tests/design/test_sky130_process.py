"""The sky130 design Process: derived from the fetched cards, checked against ngspice measurements."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import constants

from noisecircuits.design import derived_process
from noisecircuits.validation import card_process
from noisecircuits.design.document import design_document, load_design
from noisecircuits.design.evaluate import evaluate
from noisecircuits.design.geometry import PBitGeometry, build_design, node_capacitances
from noisecircuits.design.process import process_named
from noisecircuits.errors import SpiceError
from noisecircuits.spice import cards
from noisecircuits.spice.capacitance import BenchDevice, node_capacitance
from noisecircuits.spice.card_files import card_files, read_bins


def _available():
    try:
        cards.get_card("sky130")
        return True
    except SpiceError:
        return False


def needs_sky130(test):
    """ngspice and the fetched sky130 cards."""
    skip = pytest.mark.skipif(not _available(),
                              reason="sky130 cards not fetched (python -m noisecircuits.spice.cards fetch)")
    return pytest.mark.requires_ngspice(skip(test))


@pytest.fixture(scope="module")
def sky130():
    card_process.ensure_process("sky130")  # derives and caches it where make setup has not
    return process_named("sky130")


def test_missing_cards_give_one_line_with_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("NOISECIRCUITS_CACHE", str(tmp_path))
    with pytest.raises(SpiceError) as info:
        process_named("sky130")
    message = str(info.value)
    assert "\n" not in message and cards.SKY130_FETCH_COMMAND in message and str(tmp_path) in message


@needs_sky130
def test_an_underived_process_names_the_command_that_derives_it(sky130, tmp_path, monkeypatch):
    import shutil

    from noisecircuits.errors import ParameterError

    # the cards, but no derived process beside them
    shutil.copytree(cards.sky130_dir(), tmp_path / cards.sky130_dir().name)
    monkeypatch.setenv("NOISECIRCUITS_CACHE", str(tmp_path))
    with pytest.raises(ParameterError) as info:
        process_named("sky130")
    message = str(info.value)
    assert "\n" not in message and derived_process.DERIVE_COMMAND in message


@needs_sky130
def test_parsed_values_follow_the_card_files(sky130):
    directory = cards.sky130_dir()
    nbins = read_bins(card_files(directory, "nmos")[0])
    pbins = read_bins(card_files(directory, "pmos")[0])
    # C_ox from toxe = 4.148 nm (nfet, every bin) and SiO2
    assert {b.value("toxe") for b in nbins} == {4.148e-9}
    assert sky130.oxide_capacitance == pytest.approx(3.9 * constants.epsilon_0 / 4.148e-9, rel=1e-12)
    # drawable range: the pfet has no bin below W = 0.42 um, neither polarity below L = 0.15 um
    assert sky130.min_width == pytest.approx(0.42e-6) and sky130.min_length == pytest.approx(0.15e-6)
    assert min(b.width_range[0] for b in nbins) < 0.42e-6 <= min(b.width_range[0] for b in pbins)
    # A_VT = sqrt(2) x the largest per-device slope 7.356 mV um (mismatch files)
    assert sky130.pelgrom_threshold == pytest.approx(math.sqrt(2) * 7.356e-9, rel=1e-9)
    assert sky130.max_threshold_shift == 0.0
    assert sky130.supply_box is not None and sky130.supply_box[0] < sky130.supply_box[1]


@needs_sky130
@pytest.mark.parametrize("polarity", ["nmos", "pmos"])
def test_strong_inversion_gate_capacitance_is_below_the_oxide_capacitance(sky130, polarity):
    """C_gg per area in strong inversion (1.8 V) against epsrox eps0/toxe: the inversion-layer centroid
    and poly depletion put it 5-25 % below C_ox, never above."""
    card = cards.get_card("sky130")
    s = 1.0 if polarity == "nmos" else -1.0
    w, lengths = 4e-6, (4.5e-6, 7.0e-6)  # one bin of each polarity: L 4-8 um, W 3-5 um
    c = [node_capacitance(card, [BenchDevice(polarity, "M1", "d", "g", "0", "0", w, length)],
                          {"d": s * 0.05, "g": s * 1.8}, "g") for length in lengths]
    per_area = (c[1] - c[0]) / (w * (lengths[1] - lengths[0]))
    toxe = 4.148e-9 if polarity == "nmos" else 4.23e-9
    ratio = per_area / (3.9 * constants.epsilon_0 / toxe)
    assert 0.75 < ratio < 0.95


@needs_sky130
@pytest.mark.parametrize("polarity", ["nmos", "pmos"])
def test_drain_junction_and_overlap_against_ngspice(sky130, polarity):
    """Off device, drain at 35 mV: ngspice C_dd with and without the 0.29 um diffusions against the
    Process's junction (zero bias, so 2-3 % above the reverse-biased value) and overlap terms."""
    card = cards.get_card("sky130")
    caps = sky130.capacitances(polarity)
    w, d = 1.3e-6, sky130.diffusion_length
    bare = card_process.measure_drain_capacitance(card, polarity, w, 0.6e-6, None)
    full = card_process.measure_drain_capacitance(card, polarity, w, 0.6e-6, d)
    assert full - bare == pytest.approx(caps.junction * w * d + caps.sidewall * (w + 2 * d), rel=0.05)
    assert bare == pytest.approx((caps.overlap + caps.gate_edge) * w, rel=0.06)


@needs_sky130
@pytest.mark.parametrize(("width", "length"), [(0.9e-6, 0.6e-6), (0.6e-6, 0.3e-6)])
def test_node_capacitance_of_a_design_matches_an_ngspice_extraction(sky130, width, length):
    """The p-bit's six devices with their diffusions, out and outb at V_dd/2: ngspice's capacitance of
    node ``out`` against node_capacitances' total within 10 % (the gate per area was measured at
    0.9 x 0.6 um; other bins differ by a few per cent, see docs/design.md)."""
    card = cards.get_card("sky130")
    g = PBitGeometry(supply_voltage=0.07, latch_width=width, latch_length=length, bias_width=0.5e-6,
                     bias_length=2e-6, v_ref=0.05)
    d = sky130.diffusion_length
    devices = [BenchDevice("pmos", "MPa", "out", "outb", "vdd", "vdd", width, length, d),
               BenchDevice("nmos", "MNa", "out", "outb", "0", "0", width, length, d),
               BenchDevice("pmos", "MPb", "outb", "out", "vdd", "vdd", width, length, d),
               BenchDevice("nmos", "MNb", "outb", "out", "0", "0", width, length, d),
               BenchDevice("nmos", "MNbias", "outb", "vbias", "0", "0", g.bias_width, g.bias_length, d),
               BenchDevice("nmos", "MNref", "out", "vref", "0", "0", g.bias_width * g.ref_width_ratio,
                           g.bias_length, d)]
    voltages = {"vdd": 0.07, "out": 0.035, "outb": 0.035, "vbias": 0.07, "vref": 0.05}
    measured = node_capacitance(card, devices, voltages, "out")
    assert node_capacitances(g, sky130)["total"] == pytest.approx(measured, rel=0.10)


@needs_sky130
def test_a_hand_picked_sky130_latch_is_bistable(sky130):
    """0.42 x 0.15 um latch at 0.28 V: the weak pfet (|V_T0| 0.69 V, small beta) needs a supply far above
    the generic card's before the latch holds two states; at 0.20 V it has one. Only bistability (root-found
    fixed points, one node low in each) is asserted: the grid figures are not converged at this supply
    (docs/design.md, "The sky130 card")."""
    from noisecircuits.circuits.pbit import PBit

    g = PBitGeometry(supply_voltage=0.28, latch_width=0.42e-6, latch_length=0.15e-6, bias_width=0.42e-6,
                     bias_length=2e-6, v_ref=0.0)
    design = build_design(g, sky130)
    m = evaluate(design, sky130, 300.0, (300.0, 300.0))
    assert m.bistable and math.isfinite(m.correlation_time_s)
    points = PBit(design, m.v_bias_V, 300.0).fixed_points
    # two states, each with one node low (< 20 mV) and the other more than half the supply above it
    # (the weak pfet loses part of the rail against the tilt device on its node)
    one, zero = points["one"], points["zero"]
    assert one[1] < 0.02 and one[0] > 0.14 and zero[0] < 0.02 and zero[1] > 0.14
    low = evaluate(build_design(PBitGeometry(**{**g.__dict__, "supply_voltage": 0.20}), sky130), sky130, 300.0,
                   (300.0, 300.0))
    assert not low.bistable
    # the search box brackets the onset of the smallest latch (0.287 V at v_ref = 0.05 V)
    assert sky130.supply_box[0] < 0.28 < sky130.supply_box[1]


@needs_sky130
def test_sky130_design_file_runs_in_simulate(run_cli_limited, tmp_path, sky130):
    g = PBitGeometry(supply_voltage=0.28, latch_width=0.42e-6, latch_length=0.15e-6, bias_width=0.42e-6,
                     bias_length=2e-6, v_ref=0.0)
    path = tmp_path / "design.json"
    path.write_text(json.dumps(design_document(g, "sky130")))
    assert load_design(path).node_capacitance == pytest.approx(build_design(g, sky130).node_capacitance)
    done = run_cli_limited("simulate", "pbit", "--design", path, "--temperature", "300", "--duration", "1e-6",
                           "--seed", "1", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["v_mid_V"] == pytest.approx(json.loads(done.stdout)["v_mid_V"])
    # sizes below the card's smallest width are refused with one line
    small = tmp_path / "small.json"
    doc = design_document(g, "sky130")
    doc["geometry"]["latch_width_m"] = 0.3e-6
    small.write_text(json.dumps(doc))
    with pytest.raises(Exception, match="latch_width"):
        load_design(small)


@pytest.mark.slow
@needs_sky130
def test_design_command_takes_the_sky130_card(run_cli_limited, tmp_path):
    """A tiny search on sky130: either a design file that simulate runs, or one line naming the binding
    constraint and no file."""
    out = tmp_path / "d.json"
    done = run_cli_limited("design", "pbit", "--card", "sky130", "--target-tau", "1e-6", "--population", "2",
                           "--generations", "2", "--seed", "1", "--out", out, "--json", timeout=600)
    if done.returncode == 0:
        assert json.loads(out.read_text())["card"] == "sky130"
        sim = run_cli_limited("simulate", "pbit", "--design", out, "--temperature", "300", "--duration", "1e-6",
                              "--json", timeout=300)
        assert sim.returncode == 0, sim.stderr
    else:
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
        assert "binding constraint" in done.stderr and not out.exists()


def _monte_carlo_currents(tmp_path, polarity, v_gate, runs, devices):
    """Drain currents of ``runs`` x ``devices`` 0.9 x 0.6 um devices with the card's mismatch switched on
    (each instance draws its own parameters; each run its own seed), V_DS = 0.1 V [A]."""
    from noisecircuits.spice.runner import run_netlist

    card = cards.get_card("sky130")
    library = tmp_path / "mc.lib"
    library.write_text(card.library.read_text().replace("mc_mm_switch=0", "mc_mm_switch=1"))
    s = 1.0 if polarity == "nmos" else -1.0
    out = []
    for run in range(runs):
        lines = ["* mismatch sample", f'.include "{library}"', f".options temp=26.85 gmin=1e-18 seed={run + 1}",
                 f"Vg g 0 {s * v_gate}"]
        for k in range(devices):
            lines += [f"Vd{k} d{k} 0 {s * 0.1}", f"X{k} d{k} g 0 0 {card.model(polarity)} w=0.9 l=0.6"]
        names = [f"i{k}" for k in range(devices)]
        lines += [".control", "op", "wrdata out.dat " + " ".join(f"i(Vd{k})" for k in range(devices)), "quit 0",
                  ".endc", ".end"]
        data = run_netlist("\n".join(lines) + "\n", names, name=f"mc{run}", timeout=300).data
        out += [abs(float(data[n].iloc[0])) for n in names]
    return out


@needs_sky130
@pytest.mark.slow
@pytest.mark.parametrize(("polarity", "v_gate"), [("nmos", 0.2), ("pmos", 0.4)])
def test_pelgrom_coefficient_covers_the_cards_weak_inversion_mismatch(tmp_path, sky130, polarity, v_gate):
    """The card's Monte-Carlo mismatch (vth0, voff, nfactor, toxe terms together) in weak inversion:
    sigma(ln I_D) n U_T sqrt(WL) of 60 devices is the per-device effective threshold spread; the Process's
    A_VT/sqrt(2) (from the largest vth0 slope, 7.36 mV um) must not be below it by more than 3 SE."""
    from noisecircuits.constants import thermal_voltage

    currents = np.array(_monte_carlo_currents(tmp_path, polarity, v_gate, runs=3, devices=20))
    assert len(set(currents.round(20))) == len(currents)  # independent draws
    n = sky130.nmos_slope_factor if polarity == "nmos" else sky130.pmos_slope_factor
    sd = float(np.log(currents).std(ddof=1))
    se = sd / math.sqrt(2 * (len(currents) - 1))
    area = math.sqrt(0.9 * 0.6) * 1e-6
    per_device = sd * n * thermal_voltage(300.0) * area
    assert per_device - 3 * se * n * thermal_voltage(300.0) * area <= sky130.pelgrom_threshold / math.sqrt(2)
    # and a real spread, not the simulator's current floor: at least half the bound
    assert per_device > 0.5 * sky130.pelgrom_threshold / math.sqrt(2)


@needs_sky130
def test_the_derived_process_is_cached_by_the_card_files_hash(sky130):
    path = cards.cache_dir() / derived_process.CACHE_FILE
    doc = json.loads(path.read_text())
    key = derived_process.cache_key(cards.sky130_dir())
    assert doc["key"] == key and len(key) == 64
    assert derived_process.read_cache(path, key) == sky130  # read back without ngspice
    assert derived_process.read_cache(path, "0" * 64) is None  # other card files: derived again
