"""A user's netlist in, a cell out: checks of the netlist, the ngspice sweep and the fitted cell."""

import json

import numpy as np
import pytest
from scipy.special import ndtr

from noisecircuits.errors import ParameterError

# out = 1 when GAIN v(ctl) - OFFSET + n > 0 with n ~ N(0, SIGMA^2) held for NOISE_STEP: P(1) = Phi((V - V_MID)/WIDTH)
GAIN, OFFSET, SIGMA, NOISE_STEP = 2.0, 0.01, 0.02, 10e-9
V_MID, WIDTH = OFFSET / GAIN, SIGMA / GAIN
COMPARATOR = f"""hand comparator: a held Gaussian noise sample tilted by the control, then a sign
Vctl ctl 0 dc 0
Vn n 0 dc 0 trrandom(2 {NOISE_STEP!r} 0 {SIGMA!r} 0)
* the output is exactly 0 V or 1 V, so the threshold is 0.5 V
Bcmp out 0 V=({GAIN!r}*v(ctl)-{OFFSET!r}+v(n)) > 0 ? 1 : 0
Rl out 0
+ 1meg
.end
"""
# P(1) from 0.1 to 0.9: away from the ends, where the dwell-time errors of the held noise's discrete dwells are unreliable
BIASES = list(V_MID + WIDTH * np.linspace(-1.3, 1.3, 5))


@pytest.fixture
def comparator(tmp_path):
    path = tmp_path / "comparator.cir"
    path.write_text(COMPARATOR)
    return path


def _check_comparator(cell, frame):
    for row in frame.itertuples():
        # P(1) of each run against the closed form, 4 SE (autocorrelation-aware SE of the run)
        assert abs(row.p_one - ndtr((row.v_bias_V - V_MID) / WIDTH)) < 4 * row.p_one_stderr
        # independent held samples: mean dwells NT/(1-p) and NT/p, so tau_c = NT exactly; 4 SE (delta method)
        assert abs(row.correlation_time_s - NOISE_STEP) < 4 * row.correlation_time_stderr_s
    p, se = cell.parameters, cell.parameter_stderr
    # fitted sigmoid against the circuit's own law, 4 SE of the binomial fit (n_effective = T/2tau: conservative)
    assert abs(p["v_mid_ref_V"] - V_MID) < 4 * se["v_mid_ref_V"]
    if cell.form == "probit":
        assert abs(p["v_width_ref_V"] - WIDTH) < 4 * se["v_width_ref_V"]


@pytest.mark.requires_ngspice
def test_hand_written_comparator_gives_its_closed_form(comparator):
    from noisecircuits.interop.characterise import characterise

    cell, frame = characterise(comparator, control="Vctl", output="out", biases=BIASES, duration=4e-5, seed=1,
                               form="probit")
    assert list(frame["threshold_V"].round(6).unique()) == [0.5]
    _check_comparator(cell, frame)
    # the control named by its node drives the same source: the same runs, the same points
    _, by_node = characterise(comparator, control="ctl", output="out", biases=BIASES, duration=4e-5, seed=1,
                              form="probit")
    assert np.array_equal(by_node["p_one"].to_numpy(), frame["p_one"].to_numpy())


@pytest.mark.requires_ngspice
def test_pyspice_circuit_is_characterised_like_its_file():
    pytest.importorskip("PySpice")
    from PySpice.Spice.Netlist import Circuit

    from noisecircuits.interop.characterise import characterise

    circuit = Circuit("pyspice comparator")
    circuit.V("ctl", "ctl", circuit.gnd, 0.0)
    circuit.raw_spice = (f"Vn n 0 dc 0 trrandom(2 {NOISE_STEP!r} 0 {SIGMA!r} 0)\n"
                         f"Bcmp out 0 V=({GAIN!r}*v(ctl)-{OFFSET!r}+v(n)) > 0 ? 1 : 0")
    circuit.R("l", "out", circuit.gnd, 1e6)
    cell, frame = characterise(circuit, control="Vctl", output="out", biases=BIASES, duration=4e-5, seed=2,
                               form="probit")
    _check_comparator(cell, frame)
    assert cell.document["provenance"]["source"] == "PySpice circuit"


def _shipped_pbit_circuit(noise_step, duration):
    """The shipped p-bit deck (spice/generate.py) without its analysis: the circuit a designer would hand in."""
    from noisecircuits.circuits.pbit import PBitDesign
    from noisecircuits.spice.pbit import pbit_netlist

    text = pbit_netlist(PBitDesign.default(), 0.125, 300.0, duration=duration, seed=1, noise_step=noise_step)
    head, rest = text.split(".control", 1)
    return head + rest.split(".endc", 1)[1]


@pytest.mark.slow
@pytest.mark.requires_ngspice
def test_shipped_pbit_netlist_reproduces_the_pbit_engine_and_exports(tmp_path):
    from noisecircuits.circuits.pbit import PBit, PBitDesign
    from noisecircuits.interop.characterise import characterise
    from noisecircuits.spice.pbit import check_card, readout_statistics, render_pbit, start_point
    from noisecircuits.spice.runner import run_netlist

    # a 3 ns noise step (0.2 of the fastest relaxation time) keeps each 10 us run to a few seconds
    noise_step, duration = 3e-9, 1e-5
    path = tmp_path / "pbit.cir"
    path.write_text(_shipped_pbit_circuit(noise_step, duration))
    biases = [0.10, 0.125, 0.15]
    cell, frame = characterise(path, control="Vv_bias", output="out", reference="outb", biases=biases,
                               duration=duration, threshold=0.0, uic=True, seed=4, form="logistic")
    # the p-bit engine's own deck with the same seed: the same trace, so exactly the same P(1)
    design = PBitDesign.default()
    model = PBit(design, biases[0], 300.0)
    deck, _ = check_card("generic")
    seed = int(frame["seed"].iloc[0])
    own = render_pbit(design, deck, biases[0], 300.0, noise_step, duration, seed, start_point(model, design))
    data = run_netlist(own, ["v_out_V", "v_outb_V"], name="own").data
    data = data[data["x"].to_numpy() > 0]
    p, *_ = readout_statistics(data["v_out_V"].to_numpy() - data["v_outb_V"].to_numpy(), noise_step / 2, None)
    assert frame["p_one"].iloc[0] == p
    # 10 us hold only a few switches of this latch (tau_c ~ 1 us): the points say so and widen their errors
    few = frame[frame["n_switches"] < 20]
    assert few["low_switching"].all() and (few["p_one_stderr"] > 0.1).all()
    # the cell exports like any other
    from noisecircuits.cells.export import export_cell
    from noisecircuits.cells.json_format import read_json

    written = export_cell(cell, tmp_path / "cell.json", "json")
    again = read_json(written)
    assert again.parameters == cell.parameters
    assert again.document["provenance"]["source"] == str(path)
    export_cell(again, tmp_path / "cell.va", "verilog-a")


@pytest.mark.requires_ngspice
def test_cli_writes_a_cell_that_validates_and_a_table_that_fit_reads(comparator, tmp_path):
    from noisecircuits import cli

    out, points = tmp_path / "cell.json", tmp_path / "points.csv"
    biases = ",".join(f"{b:.6g}" for b in BIASES)
    assert cli.main([
        "characterise", str(comparator), "--control", "Vctl", "--output", "out", f"--biases={biases}",
        "--duration", "4e-5", "--seed", "1", "--form", "probit", "--out", str(out), "--points", str(points),
        "--json"]) == 0
    assert cli.main(["cell", "validate", str(out)]) == 0
    assert cli.main(["fit", "transfer", str(points), "--form", "probit", "--out", str(tmp_path / "refit.json")]) == 0
    first = json.loads(out.read_text())["parameters"]
    second = json.loads((tmp_path / "refit.json").read_text())["parameters"]
    assert second["v_mid_ref_V"] == pytest.approx(first["v_mid_ref_V"], rel=1e-6)


# ---- netlist checks (no ngspice needed) ----

def _parse(text, tmp_path, **kw):
    from noisecircuits.spice.user_netlist import parse_user_netlist

    return parse_user_netlist(text, origin="test.cir", folder=tmp_path, **kw)


@pytest.mark.parametrize("line, message", [
    (".control\nshell rm -rf /\n.endc", "a .control block is refused"),
    ("shell ls", "'shell' lines are refused"),
    ("*# shell ls", "'\\*#' lines are ngspice commands"),
    (".include /etc/passwd", "outside the allowed folders"),
    (".incl /etc/passwd", "outside the allowed folders"),
    (".controls\nshell ls\n.endc", "a .control block is refused"),
    (".exec\nshell ls\n.endc", "a script is refused"),
    (".lib '/etc/models.lib' tt", "outside the allowed folders"),
    (".tran 1n 1u", r"\.tran is refused"),
    (".model fs filesource (file=\"/etc/passwd\")", r"read a file \(file=\)"),
    (".model src d_source (input_file=\"/etc/passwd\")", r"read a file \(file=\)"),
    (".include missing.lib", "does not exist"),
])
def test_unsafe_or_foreign_lines_are_refused(tmp_path, line, message):
    with pytest.raises(ParameterError, match=message):
        _parse(COMPARATOR.replace(".end\n", line + "\n.end\n"), tmp_path)


def test_included_files_are_checked_and_rewritten(tmp_path):
    (tmp_path / "ok.inc").write_text("* models\n.model dd d is=1e-14\n")
    (tmp_path / "bad.inc").write_text("* sneaky\n.control\nshell ls\n.endc\n")
    netlist = _parse(COMPARATOR.replace(".end\n", ".include ok.inc\n.end\n"), tmp_path)
    assert f'.include "{(tmp_path / "ok.inc").resolve()}"' in netlist.lines
    with pytest.raises(ParameterError, match="bad.inc, line 2: a .control block is refused"):
        _parse(COMPARATOR.replace(".end\n", ".include bad.inc\n.end\n"), tmp_path)
    # a folder outside the defaults is allowed only when named
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "m.inc").write_text("* m\n.model dd d is=1e-14\n")
    text = COMPARATOR.replace(".end\n", f".include {other / 'm.inc'}\n.end\n")
    with pytest.raises(ParameterError, match="outside the allowed folders"):
        _parse(text, tmp_path / "sub")
    assert _parse(text, tmp_path / "sub", allowed_folders=[other]).lines


def test_names_seeds_and_temperatures_are_the_sweeps(tmp_path):
    from noisecircuits.spice.user_netlist import characterisation_deck

    text = COMPARATOR.replace("Vctl", ".options temp=80 seed=9 reltol=1e-4\n.temp 100\nVctl")
    netlist = _parse(text, tmp_path)
    assert "ctl" in netlist.nodes and "vctl" in netlist.sources and netlist.noise_steps == (NOISE_STEP,)
    deck = characterisation_deck(netlist, control="Vctl", output="out", reference=None, bias=0.02, temperature=300.0,
                                 seed=5, sample_step=5e-9, max_step=4.99e-9, duration=1e-6)
    assert "temp=80" not in deck and "seed=9" not in deck and ".temp" not in deck and "reltol=1e-4" in deck
    assert "vctl ctl 0 dc 20m" in deck and ".options temp=26.85 seed=5 interp" in deck
    with pytest.raises(ParameterError, match="--output 'nowhere' is not a node of test.cir; its nodes: ctl, n, out"):
        characterisation_deck(netlist, control="Vctl", output="nowhere", reference=None, bias=0.0,
                              temperature=300.0, seed=1, sample_step=5e-9, max_step=4.99e-9, duration=1e-6)
    with pytest.raises(ParameterError, match="--control 'Vx' is neither a voltage source nor a node.*vctl, vn"):
        characterisation_deck(netlist, control="Vx", output="out", reference=None, bias=0.0,
                              temperature=300.0, seed=1, sample_step=5e-9, max_step=4.99e-9, duration=1e-6)
    with pytest.raises(ParameterError, match="no transient noise source"):
        _parse("quiet\nV1 a 0 1\nR1 a 0 1k\n", tmp_path)


# ---- the command line refuses bad input with one line and writes nothing ----

@pytest.mark.parametrize("extra, message", [
    (["--control", "Vnope"], "--control 'Vnope' is neither a voltage source nor a node"),
    (["--output", "nope"], "--output 'nope' is not a node"),
    (["--biases", "0.1"], "--biases needs at least 2 values"),
    (["--max-time", "1e-3"], "characterise would take about"),
    (["--temperatures", "5"], "--temperatures must be"),
    (["--name", "1 bad"], "name"),
])
def test_cli_bad_input_is_one_line_and_no_file(run_cli_limited, comparator, tmp_path, extra, message):
    args = {"--control": "Vctl", "--output": "out", "--biases": "0.0,0.01"}
    for key, value in zip(extra[::2], extra[1::2]):
        args[key] = value
    out = tmp_path / "cell.json"
    flat = [x for kv in args.items() for x in kv]
    done = run_cli_limited("characterise", comparator, *flat, "--out", out)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr and message in lines[0]
    assert not out.exists()


def test_cli_refuses_an_unsafe_netlist_with_one_line(run_cli_limited, tmp_path):
    path = tmp_path / "evil.cir"
    path.write_text(COMPARATOR.replace(".end\n", ".control\nshell touch pwned\n.endc\n.end\n"))
    out = tmp_path / "cell.json"
    done = run_cli_limited("characterise", path, "--control", "Vctl", "--output", "out", "--biases", "0,0.01",
                           "--out", out, cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "evil.cir, line 8: a .control block is refused" in done.stderr
    assert not out.exists() and not (tmp_path / "pwned").exists()
