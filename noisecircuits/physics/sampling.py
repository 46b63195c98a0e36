r"""What one independent sample of a sampling cell costs.

A cell whose binary output has correlation time :math:`\tau_c` and is read every
:math:`\Delta t \ll \tau_c` gives :math:`N_\mathrm{eff} = N(1-\rho)/(1+\rho) \to T/(2\tau_c)`
independent samples in a record of length :math:`T` (:math:`\rho = e^{-\Delta t/\tau_c}`,
docs/physics.md §2). A cell drawing a static supply power :math:`P` therefore spends

.. math::

    E_\mathrm{sample} = P \cdot 2\tau_c

per independent sample. This is the one place the toolkit writes that product.
"""

from __future__ import annotations

import numpy as np

__all__ = ["energy_per_sample"]


def energy_per_sample(supply_power, correlation_time):
    r"""Energy per independent sample, :math:`E = P \cdot 2\tau_c`.

    Parameters
    ----------
    supply_power : float or array_like
        Static supply power of the cell [W].
    correlation_time : float or array_like
        Correlation time of its output; NaN (unknown) gives NaN [s].

    Returns
    -------
    float or ndarray
        Energy per independent sample [J].
    """
    energy = 2.0 * np.asarray(supply_power, dtype=float) * np.asarray(correlation_time, dtype=float)
    return float(energy) if energy.ndim == 0 else energy
