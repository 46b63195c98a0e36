"""The thrml bridge: a calibrated cell's law inside thrml, against exact enumeration and the toolkit's own Gibbs."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("thrml")

from noisecircuits.analysis.diagnostics import summarise_series  # noqa: E402
from noisecircuits.cells.model import cell_from_document  # noqa: E402
from noisecircuits.gibbs.exact import exact_mean_energy  # noqa: E402
from noisecircuits.gibbs.graphs import ising_lattice  # noqa: E402
from noisecircuits.gibbs.hardware import HardwareMode  # noqa: E402
from noisecircuits.gibbs.sampler import sample_ising as toolkit_sample  # noqa: E402
from noisecircuits.interop.thrml import sample_ising  # noqa: E402

BETA = 0.35
SWEEPS, BURN_IN, CHAINS = 3000, 200, 4


def _cell(form="logistic", mismatch=(0.0, 0.0)):
    return cell_from_document({
        "schema_version": 1, "kind": "pbit", "name": "thrml_test_cell", "form": form,
        "parameters": {"v_mid_ref_V": 0.30, "dv_mid_dT_V_per_K": -1.0e-3, "v_width_ref_V": 0.035,
                       "width_exponent": 1.0, "t_ref_K": 300.0},
        "parameter_stderr": {k: None for k in ("v_mid_ref_V", "dv_mid_dT_V_per_K", "v_width_ref_V",
                                               "width_exponent", "t_ref_K")},
        "correlation_time": {"law": "power_arrhenius", "tau_peak_ref_s": 100e-9, "tau_activation_energy_J": 1e-20,
                             "tau_shape_exponent": 0.5, "t_ref_K": 300.0},
        "supply_power": {"law": "log_linear", "supply_power_ref_W": 2e-9, "supply_power_log_slope_per_K": 0.01,
                         "t_ref_K": 300.0},
        "energy_per_sample": {"law": "supply_power_times_2tau"},
        "mismatch": {"v_mid_sigma_V": mismatch[0], "v_width_rel_sigma": mismatch[1]},
        "validity": {"v_bias_V": [0.1, 0.5], "temperature_K": [250.0, 350.0]},
        "provenance": {"toolkit_version": "test", "source": "tests/interop/test_thrml.py", "source_sha256": None,
                       "created_utc": "2026-01-01T00:00:00Z", "fit_quality": {}},
    })


@pytest.fixture(scope="module")
def torus():
    return ising_lattice(4, BETA, field=0.1)  # 16 spins: exact enumeration of 65,536 states


def _energy_summary(model, spins):
    energies = np.stack([model.energy(chain.astype(float)) for chain in spins])
    return summarise_series(energies / model.n_nodes)


def _exact_energy(model):
    return exact_mean_energy(model) / model.n_nodes


def test_output_shape_and_values(torus):
    spins = sample_ising(None, torus, 300.0, 5, 2, 3, seed=1)
    assert spins.shape == (3, 5, 16) and spins.dtype == np.int8 and set(np.unique(spins)) <= {-1, 1}


@pytest.mark.slow
@pytest.mark.parametrize("cell", [None, "logistic"])
def test_ideal_and_matched_logistic_cell_sample_the_boltzmann_law(torus, cell):
    # a logistic cell behind the ideal bias network at its design temperature is exactly sigma(2 beta I)
    spins = sample_ising(None if cell is None else _cell(), torus, 300.0, SWEEPS, BURN_IN, CHAINS, seed=7)
    s = _energy_summary(torus, spins)
    # 4 SE; the SE includes the spread between chains
    assert abs(s.mean - _exact_energy(torus)) < 4 * s.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("form", "temperature", "mismatch"), [
    ("probit", 300.0, False),       # another form: a distorted law at the design temperature
    ("logistic", 330.0, False),     # a chip drifted to another temperature
    ("logistic", 300.0, True),      # per-cell mismatch drawn from the cell's statistics
])
def test_calibrated_cells_agree_with_the_toolkit_hardware_gibbs(torus, form, temperature, mismatch):
    cell = _cell(form, mismatch=(0.01, 0.1))
    # the bias network is tuned at 300 K, the design temperature, whatever the chip's temperature
    network = {"gain": HardwareMode(cell, 300.0).ideal_gain(BETA), "offset": float(cell.v_mid(300.0))}
    spins = sample_ising(cell, torus, temperature, SWEEPS, BURN_IN, CHAINS, seed=3, mismatch=mismatch, chip_seed=5,
                         **network)
    ours = _energy_summary(torus, spins)
    hardware = HardwareMode(cell, temperature, mismatch=mismatch, mismatch_seed=5, **network)
    run = toolkit_sample(torus, SWEEPS, BURN_IN, CHAINS, seed=4, hardware=hardware)
    reference = summarise_series(run.energies / torus.n_nodes)
    # two independent estimates of the same stationary energy: 4 combined SE
    assert abs(ours.mean - reference.mean) < 4 * np.hypot(ours.stderr, reference.stderr)
    if (form, temperature, mismatch) == ("logistic", 330.0, False):
        # the drift is resolved: the hot chip's energy differs from the Boltzmann value by many SE
        assert abs(ours.mean - _exact_energy(torus)) > 6 * ours.stderr
