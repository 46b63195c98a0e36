"""Reference cell-model documents built from known parameters."""

from __future__ import annotations

import copy

import pytest

from noisecircuits._version import __version__


def pbit_document(form="logistic", name="pcell"):
    return {
        "schema_version": 2,
        "kind": "pbit",
        "name": name,
        "form": form,
        "parameters": {
            "v_mid_ref_V": 0.05,
            "dv_mid_dT_V_per_K": -1.0e-3,
            "v_width_ref_V": 0.02,
            "width_exponent": 1.0,
            "t_ref_K": 300.0,
        },
        "parameter_stderr": {
            "v_mid_ref_V": 1e-4,
            "dv_mid_dT_V_per_K": 1e-6,
            "v_width_ref_V": 1e-4,
            "width_exponent": 0.01,
            "t_ref_K": None,
        },
        "correlation_time": {
            "law": "power_arrhenius",
            "source": "fitted",
            "tau_peak_ref_s": 1.0e-6,
            "tau_activation_energy_J": 1.0e-20,
            "tau_shape_exponent": 0.5,
            "t_ref_K": 300.0,
        },
        "supply_power": {
            "law": "log_linear",
            "supply_power_ref_W": 1.0e-9,
            "supply_power_log_slope_per_K": 0.01,
            "t_ref_K": 300.0,
        },
        "energy_per_sample": {"law": "supply_power_times_2tau"},
        "mismatch": {"v_mid_sigma_V": 0.002, "v_width_rel_sigma": 0.03},
        "validity": {"v_bias_V": [-0.1, 0.2], "temperature_K": [250.0, 350.0]},
        "provenance": {
            "toolkit_version": __version__,
            "source": "tests/cells/conftest.py",
            "source_sha256": None,
            "created_utc": "2026-01-01T00:00:00Z",
            "fit_quality": {"transfer": {"form": form, "n_points": 45}},
        },
    }


@pytest.fixture
def pbit_doc():
    return lambda form="logistic", name="pcell": copy.deepcopy(pbit_document(form, name))


def write_lab_csv(path, *, seed=0, temperature_column="temperature_K", offset=0.0, delimiter=","):
    """A synthetic lab CSV (logistic law of ``pbit_document``, 3 temperatures x 13 biases), no timing columns."""
    import numpy as np

    from noisecircuits.fitting.transfer_law import p_one

    law = pbit_document()["parameters"]
    rng = np.random.default_rng(seed)
    t = np.repeat([275.0, 300.0, 325.0], 13)
    v = np.tile(np.linspace(-0.05, 0.15, 13), 3)
    ones = rng.binomial(4000, p_one("logistic", law, v, t))
    lines = [delimiter.join(["v_bias_V", temperature_column, "n_ones", "n_samples"])]
    lines += [delimiter.join([repr(float(a)), repr(float(b) - offset), str(int(c)), "4000"]) for a, b, c in zip(v, t, ones)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def lab_csv():
    return write_lab_csv


def document_paths(node, prefix=()):
    """Every key path in a JSON document (tuples of keys and list indices), the root excluded."""
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from document_paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from document_paths(v, (*prefix, i))


@pytest.fixture
def doc_paths():
    return document_paths


#: Frame scalars of a two-rate cell whose bias frame moves with temperature (noisecircuits.fitting.rates).
RATE_FRAME = {"rate_bias_center_dT_V_per_K": 2e-4, "rate_bias_center_d2T_V_per_K2": 3e-6, "rate_bias_scale_exponent": 1.3,
              "rate_bias_scale_curvature": -0.8, "k01_log_rate_curvature": 1.5, "k10_log_rate_curvature": -0.7}


def two_rate_document(name="rcell", frame=False):
    """A two-rate cell: k01 = e^(13 + 2u + 0.5u^2), k10 = e^(13 - 1.5u), barriers 0.3 eV and 0.25 eV at u = 0;
    with ``frame`` its bias frame moves with temperature (:data:`RATE_FRAME`)."""
    doc = pbit_document("logistic", name)
    ev = 1.602176634e-19
    doc["form"] = "two_rate"
    doc["parameters"] = {
        "rate_bias_center_V": 0.1, "rate_bias_scale_V": 0.05, "t_ref_K": 300.0,
        "k01_log_rate": [13.0, 2.0, 0.5], "k01_activation_energy_J": [0.3 * ev, -0.02 * ev],
        "k10_log_rate": [13.0, -1.5, 0.0], "k10_activation_energy_J": [0.25 * ev, 0.01 * ev],
    }
    doc["parameter_stderr"] = {
        "rate_bias_center_V": None, "rate_bias_scale_V": None, "t_ref_K": None,
        "k01_log_rate": [0.01, 0.01, 0.01], "k01_activation_energy_J": [1e-22, 1e-22],
        "k10_log_rate": [0.01, 0.01, None], "k10_activation_energy_J": [1e-22, 1e-22],
    }
    if frame:
        doc["parameters"].update(RATE_FRAME)
        doc["parameter_stderr"].update({key: 1e-3 * abs(value) for key, value in RATE_FRAME.items()})
    doc["parameter_covariance"] = None
    doc["correlation_time"] = {"law": "two_rate", "source": "fitted"}
    doc["validity"] = {"v_bias_V": [0.05, 0.15], "temperature_K": [280.0, 320.0]}
    doc["provenance"]["fit_quality"]["transfer"]["form"] = "two_rate"
    return doc


@pytest.fixture
def rate_doc():
    return two_rate_document


def spline_document(name="scell"):
    """A monotone-spline cell: 3 intervals on [-1, 1], slopes 2, 5, 3 at 300 K, power_arrhenius tau."""
    doc = pbit_document("logistic", name)
    doc["form"] = "monotone_spline"
    doc["parameters"] = {
        "spline_bias_center_V": 0.1, "spline_bias_scale_V": 0.05, "t_ref_K": 300.0, "spline_shift_dT_V_per_K": 1e-4,
        "spline_offset": 0.2, "spline_slopes": [2.0, 5.0, 3.0], "spline_slope_exponents": [1.0, 0.5, -1.0],
        "spline_knots": [-1.0, -1.0 / 3.0, 1.0 / 3.0, 1.0], "spline_smoothing": 1.0 / 6.0,
    }
    doc["parameter_stderr"] = {
        "spline_bias_center_V": None, "spline_bias_scale_V": None, "t_ref_K": None, "spline_shift_dT_V_per_K": 1e-6,
        "spline_offset": 0.01, "spline_slopes": [0.1, 0.1, 0.1], "spline_slope_exponents": [0.1, 0.1, 0.1],
        "spline_knots": None, "spline_smoothing": None,
    }
    doc["parameter_covariance"] = None
    doc["validity"] = {"v_bias_V": [0.05, 0.15], "temperature_K": [280.0, 320.0]}
    doc["provenance"]["fit_quality"]["transfer"]["form"] = "monotone_spline"
    return doc


@pytest.fixture
def spline_doc():
    return spline_document
