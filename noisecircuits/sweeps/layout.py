"""File names inside a sweep directory (what ``sweep`` writes and ``plot``/``report`` read).

=====================  ===================================================================
``manifest.json``      sweep parameters, toolkit version, seed (written by ``sweep``)
``results.parquet``    one row per finished point, units in column names (``sweep``)
``results.csv``        the same table, with ``sweep --csv``
``results.nc``         the same values on the grid's dimensions (xarray/netCDF3, units and provenance)
``points/``            one JSON file per finished point (checkpoint; ``sweep``)
``.lock``              held by the ``sweep`` run writing the directory; names its pid and host
``cell.json``          a calibrated cell model (``noisecircuits fit``/cells layer)
``spice_check.json``   SDE-vs-ngspice agreement: ``{"rows": [{...}, ...], ...}``
``energy.json``        energy estimate: ``{"breakdown_J": {...}, "baselines_J": {...}, ...}``
``gibbs.json``         Gibbs sampling through the cell: ``{"runs": {label: {KL, beta_eff, ...}}, ...}``
``design*.json``       design files of ``noisecircuits design pbit --out`` (one per target)
``report.html``        the report (``report``), its data files ``report_<section>.csv`` beside it
=====================  ===================================================================
"""

MANIFEST = "manifest.json"
RESULTS = "results.parquet"
RESULTS_CSV = "results.csv"
RESULTS_NC = "results.nc"
POINTS = "points"
LOCK = ".lock"
CELL = "cell.json"
SPICE_CHECK = "spice_check.json"
ENERGY = "energy.json"
GIBBS = "gibbs.json"
DESIGN_GLOB = "design*.json"

__all__ = ["MANIFEST", "RESULTS", "RESULTS_CSV", "RESULTS_NC", "POINTS", "LOCK", "CELL", "SPICE_CHECK", "ENERGY", "GIBBS",
           "DESIGN_GLOB"]
