"""Cell design for a target: p-bit geometry from drawn sizes, exact figures of merit, optimisation.

Layer: above :mod:`noisecircuits.circuits` (it builds :class:`~noisecircuits.circuits.pbit.PBitDesign`
objects and evaluates them with the exact Fokker–Planck solution); see docs/design.md.
"""

from noisecircuits.design.evaluate import DesignMetrics, evaluate
from noisecircuits.design.geometry import PBitGeometry, build_design, node_capacitances
from noisecircuits.design.process import PROCESSES, Process, process_named

__all__ = ["DesignMetrics", "evaluate", "PBitGeometry", "build_design", "node_capacitances", "PROCESSES", "Process",
           "process_named"]
