"""Fitting layer: ``fit_<model>_<method>`` functions returning :class:`FitResult` (see docs/fitting.md).

* :func:`fit_pbit_transfer_ml` / :func:`fit_pbit_temperature_ml` — p-bit transfer curves by
  binomial maximum likelihood (logistic or probit, ``form="auto"`` compares likelihoods);
* :func:`fit_pbit_rates_ml` — the two escape rates k01, k10 fitted jointly to counts and
  correlation times; :func:`fit_pbit_spline_ml` — a monotone spline in bias;
* :func:`fit_pbit_law` — every form, the best by AICc/AIC/BIC, with the poor-fit flag;
* :func:`fit_correlation_time_ls`, :func:`fit_supply_power_ls` — timing and power laws;
* :func:`fit_categorical_softmax_ml` — softmax cells by multinomial ML;
* :func:`fit_continuous_mixture_ml` — two-component Gaussian mixtures versus bias;
* :func:`read_pbit_data` — toolkit sweeps and lab CSV files.

The subthreshold I–V fit lives in :mod:`noisecircuits.fitting.subthreshold`.
"""

from __future__ import annotations

from noisecircuits.fitting.categorical import fit_categorical_softmax_ml
from noisecircuits.fitting.correlation import fit_correlation_time_ls
from noisecircuits.fitting.data import read_pbit_data
from noisecircuits.fitting.mixture import fit_continuous_mixture_ml
from noisecircuits.fitting.pbit import fit_pbit_temperature_ml, fit_pbit_transfer_ml
from noisecircuits.fitting.power import fit_supply_power_ls
from noisecircuits.fitting.rates_fit import fit_pbit_rates_ml
from noisecircuits.fitting.selection import PoorFitWarning, fit_pbit_law
from noisecircuits.fitting.spline import fit_pbit_spline_ml
from noisecircuits.fitting.result import FitResult

__all__ = [
    "FitResult",
    "read_pbit_data",
    "fit_pbit_transfer_ml",
    "fit_pbit_temperature_ml",
    "fit_pbit_rates_ml",
    "fit_pbit_spline_ml",
    "fit_pbit_law",
    "PoorFitWarning",
    "fit_correlation_time_ls",
    "fit_supply_power_ls",
    "fit_categorical_softmax_ml",
    "fit_continuous_mixture_ml",
]
