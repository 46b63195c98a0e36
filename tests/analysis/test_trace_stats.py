"""trace_stats() for every read-out kind, on one double-well trace read out four ways."""

import sys
import types
from dataclasses import dataclass

import pytest

import noisecircuits
from noisecircuits.circuits.double_well import ReducedDoubleWell
from noisecircuits.errors import DataError

WELL = ReducedDoubleWell(barrier=2.0, tilt=0.3, tau=1e-9)


@dataclass(frozen=True)
class ReadAs:
    """The double well read out as another kind of cell."""

    kind: str
    well: ReducedDoubleWell = WELL
    n_states = 2

    def sde_terms(self):
        return self.well.sde_terms()

    @property
    def wells(self):
        return self.well.wells

    def readout(self, values):
        x = values[..., 0]
        return (x > 0).astype(int) if self.kind == "categorical" else x

    def mode_readout(self, values):
        return (values[..., 0] > 0).astype(int)

    def readout_spec(self):
        from noisecircuits.sde.readouts import BinaryReadout, CategoricalReadout, MixtureReadout

        if self.kind == "pbit":
            return BinaryReadout([1.0], 0.0, *self.wells, labels=("zero", "one"))
        if self.kind == "categorical":
            return CategoricalReadout(self.readout, self.n_states)
        return MixtureReadout(self.readout, self.mode_readout)


@pytest.fixture(scope="module")
def traces():
    out = {}
    for kind in ("double_well", "pbit", "categorical", "continuous"):
        model = WELL if kind == "double_well" else ReadAs(kind)
        out[kind] = noisecircuits.simulate(model, 2e-6, paths=3, seed=13)
    return out


def test_all_kinds_read_the_same_path_consistently(traces):
    dw = noisecircuits.trace_stats(traces["double_well"])
    pbit = noisecircuits.trace_stats(traces["pbit"])
    cat = noisecircuits.trace_stats(traces["categorical"])
    cont = noisecircuits.trace_stats(traces["continuous"])
    assert set(pbit) == {"p_one", "p_one_stderr", "correlation_time_s", "correlation_time_stderr_s",
                         "mean_dwell_zero_s", "mean_dwell_one_s", "mean_dwell_zero_stderr_s",
                         "mean_dwell_one_stderr_s", "n_switches", "n_effective", "path_steps"}
    assert set(dw) == {k.replace("zero", "left").replace("one", "right") for k in pbit}
    assert set(cat) == {"occupations", "occupations_stderr", "correlation_time_s", "correlation_time_stderr_s",
                        "n_effective", "path_steps"}
    assert set(cont) == {"weight_one", "weight_one_stderr", "mean_V", "std_V", "correlation_time_s",
                         "correlation_time_stderr_s", "path_steps"}
    assert pbit["correlation_time_stderr_s"] == dw["correlation_time_stderr_s"] > 0
    assert pbit["p_one"] == dw["p_right"] and pbit["mean_dwell_one_s"] == dw["mean_dwell_right_s"]
    trace = traces["pbit"]
    assert pbit["n_effective"] == pytest.approx(3 * trace.duration / (2 * dw["correlation_time_s"]))
    assert cat["occupations"] == pytest.approx([1 - dw["p_right"], dw["p_right"]])
    assert cat["occupations_stderr"][1] == pytest.approx(dw["p_right_stderr"])
    assert cont["weight_one"] == dw["p_right"]
    x = trace.values[..., 0]
    assert cont["mean_V"] == pytest.approx([x[x <= 0].mean(), x[x > 0].mean()])
    # the sign process's integrated autocorrelation time and tau_c from the dwells estimate the same
    # time up to the intra-well flicker of sign(x) near x = 0; agreement within 30 %
    assert cat["correlation_time_s"] == pytest.approx(dw["correlation_time_s"], rel=0.3)


def test_unknown_kind_is_refused(traces):
    trace = traces["double_well"]
    odd = type(trace)(**{**trace.__dict__, "readout": None})
    with pytest.raises(DataError, match="declares a read-out"):
        noisecircuits.trace_stats(odd)


def test_cell_models_plug_into_the_simulate_command(monkeypatch, capsys):
    import json

    from noisecircuits import cli

    module = types.ModuleType("noisecircuits.commands.simulate_cells")

    def register(models, add_run_options):
        parser = models.add_parser("pbit", help="test p-bit")
        parser.add_argument("--tilt", type=float, default=0.0)
        add_run_options(parser)
        parser.set_defaults(build_model=lambda args: ReadAs("pbit", ReducedDoubleWell(2.0, args.tilt, 1e-9)))

    module.register = register
    monkeypatch.setitem(sys.modules, "noisecircuits.commands.simulate_cells", module)
    code = cli.main(["simulate", "pbit", "--tilt", "0.3", "--duration", "2e-6", "--paths", "3", "--seed", "13", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert "p_one" in result and result["path_steps"] > 0
