"""Figures for sampler traces, sweeps, cell models, Gibbs runs and energy estimates.

matplotlib is imported inside the functions (nothing in the package imports this module).
Every function takes ``ax=None`` and returns the :class:`matplotlib.axes.Axes` it drew on;
without ``ax`` it draws on a new pyplot-free :class:`matplotlib.figure.Figure` (so scripts and
servers need no display), which :func:`save_figure` writes atomically to PNG, SVG or PDF.
In a notebook, pass ``ax`` from ``plt.subplots()`` to see the figure inline.

Inputs are plain arrays, dicts and the tidy sweep DataFrame (columns ``temperature_K``,
``v_bias_V``, ``p_one``, ``p_one_stderr``, ``correlation_time_s``, optional ``mismatch_index``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from noisecircuits.errors import DataError, ParameterError

__all__ = [
    "new_axes",
    "save_figure",
    "plot_trace",
    "plot_histogram",
    "plot_transfer",
    "plot_correlation_time",
    "plot_occupations",
    "plot_mixture",
    "plot_gibbs_observable",
    "plot_energy_breakdown",
    "plot_pareto_front",
]

FIGURE_FORMATS = (".png", ".svg", ".pdf")


def new_axes(figsize=(6.4, 4.2)):
    """Return the Axes of a new figure that needs no GUI backend (Agg canvas)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    return figure.add_subplot()


def _axes(ax):
    return new_axes() if ax is None else ax


def save_figure(ax_or_figure, path, *, dpi: int = 110) -> Path:
    """Write the figure holding ``ax_or_figure`` to ``path`` (.png, .svg or .pdf) atomically."""
    from noisecircuits._io import atomic_path

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FIGURE_FORMATS:
        raise ParameterError(f"figure file must end in {', '.join(FIGURE_FORMATS)}, got {str(path)!r}")
    figure = getattr(ax_or_figure, "figure", ax_or_figure)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format=suffix[1:], dpi=dpi)
    return path


def _require(frame, columns, what):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{what} needs the column(s) {', '.join(missing)}; the table has {', '.join(frame.columns)}")


def _temperature_colours(temperatures):
    from matplotlib import colormaps

    cmap = colormaps["plasma"]  # cold = dark blue-violet, hot = orange; every shade visible on white
    temperatures = sorted(temperatures)
    span = (temperatures[-1] - temperatures[0]) or 1.0
    return {t: cmap(0.05 + 0.75 * (t - temperatures[0]) / span) for t in temperatures}


def _model_function(model, method):
    if model is None:
        return None
    if callable(model):
        return model
    if hasattr(model, method):
        return getattr(model, method)
    raise ParameterError(f"model must be a callable f(v_bias, temperature) or have a {method}() method")


def _curve_grid(model, v, temperature):
    """Bias grid for a model curve: the data range, clipped to the model's validity if it has one."""
    low, high = float(np.min(v)), float(np.max(v))
    validity = getattr(model, "validity", None)
    if isinstance(validity, dict):
        t_range = validity.get("temperature_K")
        if t_range is not None and not t_range[0] <= temperature <= t_range[1]:
            return None
        v_range = validity.get("v_bias_V")
        if v_range is not None:
            low, high = max(low, v_range[0]), min(high, v_range[1])
    return np.linspace(low, high, 200) if high > low else None


def _by_point(frame, value, error):
    """Mean per (temperature, bias); error bars: stderr, or the spread over mismatch instances."""
    if "mismatch_index" in frame.columns and frame["mismatch_index"].nunique() > 1:
        grouped = frame.groupby(["temperature_K", "v_bias_V"])[value]
        table = grouped.mean().to_frame("y")
        table["err"] = grouped.std(ddof=1).fillna(0.0)
        return table.reset_index(), "spread over mismatch instances (1 s.d.)"
    table = frame[["temperature_K", "v_bias_V", value]].rename(columns={value: "y"})
    table["err"] = frame[error] if error in frame.columns else 0.0
    return table, "1 standard error"


def plot_trace(times, values, states=None, *, wells=None, max_points: int = 20000, ax=None):
    """Plot a read-out trace with the digital state overlaid.

    Parameters
    ----------
    times : array_like
        Sample times [s].
    values : array_like
        Read-out values (same length) [read-out unit, e.g. V].
    states : array_like or None
        Digital state per sample (0/1 or a category index), drawn as a step on a second axis.
    wells : tuple of float or None
        Read-out values of the well minima, drawn as dashed lines [read-out unit].
    max_points : int
        Longest trace drawn; longer traces are decimated evenly [-].
    ax : matplotlib.axes.Axes or None
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    t = np.asarray(times, dtype=float)
    x = np.asarray(values, dtype=float)
    if t.shape != x.shape or t.ndim != 1:
        raise DataError(f"times and values must be 1-D of equal length, got shapes {t.shape} and {x.shape}")
    step = max(1, t.size // max_points)
    scale, unit = (1e6, "µs") if t[-1] < 1e-3 else (1e3, "ms")
    ax.plot(t[::step] * scale, x[::step], lw=0.6, color="0.25", label="read-out")
    if wells is not None:
        for w in wells:
            ax.axhline(w, ls="--", lw=0.8, color="0.5")
    if states is not None:
        s = np.asarray(states)
        twin = ax.twinx()
        twin.step(t[::step] * scale, s[::step], where="post", color="tab:orange", lw=0.9, alpha=0.8, label="state")
        twin.set_ylabel("state")
        twin.set_yticks(np.unique(s))
    ax.set_xlabel(f"time [{unit}]")
    ax.set_ylabel("read-out")
    return ax


def plot_histogram(samples, density=None, *, bins: int = 60, label: str = "samples", ax=None):
    """Histogram of samples against a model density.

    Parameters
    ----------
    samples : array_like
        Samples [unit of x].
    density : callable or (x, p) or None
        Model density p(x) [1/unit of x], as a function or as sampled arrays.
    bins : int
        Number of histogram bins [-].
    label : str
        Legend label of the histogram.
    ax : matplotlib.axes.Axes or None

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    data = np.asarray(samples, dtype=float).ravel()
    data = data[np.isfinite(data)]
    if data.size == 0:
        raise DataError("samples hold no finite value to histogram")
    ax.hist(data, bins=bins, density=True, color="tab:blue", alpha=0.45, label=label)
    if density is not None:
        if callable(density):
            grid = np.linspace(data.min(), data.max(), 400)
            p = np.asarray(density(grid), dtype=float)
        else:
            grid, p = (np.asarray(a, dtype=float) for a in density)
        ax.plot(grid, p, color="k", lw=1.2, label="model density")
    ax.set_ylabel("probability density")
    ax.legend(frameon=False)
    return ax


def plot_transfer(frame, model=None, *, ax=None):
    """P(1) against bias, one colour per temperature, with error bars and fitted curves.

    Parameters
    ----------
    frame : pandas.DataFrame
        Sweep results with ``temperature_K``, ``v_bias_V``, ``p_one`` and optionally
        ``p_one_stderr`` / ``mismatch_index``.
    model : callable or object or None
        Fitted curve ``f(v_bias [V], temperature [K]) -> P(1)``, or a cell with ``p_one``.
    ax : matplotlib.axes.Axes or None

    Returns
    -------
    matplotlib.axes.Axes
    """
    _require(frame, ["temperature_K", "v_bias_V", "p_one"], "a transfer plot")
    ax = _axes(ax)
    table, error_label = _by_point(frame, "p_one", "p_one_stderr")
    curve = _model_function(model, "p_one")
    colours = _temperature_colours(table["temperature_K"].unique())
    for t, group in table.groupby("temperature_K"):
        group = group.sort_values("v_bias_V")
        v = group["v_bias_V"].to_numpy()
        y, err = group["y"].to_numpy(float), group["err"].to_numpy(float)
        ax.errorbar(v * 1e3, y, yerr=err, fmt="o", ms=3.5, capsize=2, color=colours[t], label=f"{t:g} K")
        fine = None if curve is None else _curve_grid(model, v, t)
        if fine is not None:
            ax.plot(fine * 1e3, np.asarray(curve(fine, t), dtype=float), color=colours[t], lw=1.1)
    ax.set_xlabel("bias voltage [mV]")
    ax.set_ylabel("P(out = 1)")
    ax.set_ylim(-0.03, 1.03)
    title = "transfer curves, error bars: " + error_label
    ax.set_title(title + (" ; lines: fit" if curve is not None else ""), fontsize=9)
    ax.legend(frameon=False, fontsize=8, title="temperature", title_fontsize=8)
    return ax


def plot_correlation_time(frame, model=None, *, ax=None):
    """Correlation time against bias, one colour per temperature (log scale).

    Parameters
    ----------
    frame : pandas.DataFrame
        Sweep results with ``temperature_K``, ``v_bias_V``, ``correlation_time_s``.
    model : callable or object or None
        ``f(v_bias [V], temperature [K]) -> τ_c [s]``, or a cell with ``correlation_time``.
    ax : matplotlib.axes.Axes or None

    Returns
    -------
    matplotlib.axes.Axes
    """
    _require(frame, ["temperature_K", "v_bias_V", "correlation_time_s"], "a correlation-time plot")
    ax = _axes(ax)
    table, _ = _by_point(frame, "correlation_time_s", "correlation_time_stderr_s")
    table = table[np.isfinite(table["y"]) & (table["y"] > 0)]
    curve = _model_function(model, "correlation_time")
    colours = _temperature_colours(table["temperature_K"].unique()) if len(table) else {}
    for t, group in table.groupby("temperature_K"):
        group = group.sort_values("v_bias_V")
        v = group["v_bias_V"].to_numpy()
        y, err = group["y"].to_numpy(float) * 1e9, group["err"].to_numpy(float) * 1e9
        ax.errorbar(v * 1e3, y, yerr=err, fmt="s", ms=3.5, capsize=2, color=colours[t], label=f"{t:g} K")
        fine = None if curve is None else _curve_grid(model, v, t)
        if fine is not None:
            ax.plot(fine * 1e3, np.asarray(curve(fine, t), dtype=float) * 1e9, color=colours[t], lw=1.1)
    ax.set_yscale("log")
    ax.set_xlabel("bias voltage [mV]")
    ax.set_ylabel("correlation time [ns]")
    ax.legend(frameon=False, fontsize=8, title="temperature", title_fontsize=8)
    return ax


def plot_occupations(occupations, stderr=None, expected=None, *, labels=None, ax=None):
    """Bar chart of categorical occupations with error bars and the expected probabilities.

    Parameters
    ----------
    occupations : array_like
        Measured probability of each state [-].
    stderr : array_like or None
        Standard errors [-].
    expected : array_like or None
        Model probabilities (e.g. softmax of the control log-odds) [-].
    labels : sequence of str or None
        State names.
    ax : matplotlib.axes.Axes or None

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    p = np.asarray(occupations, dtype=float)
    k = np.arange(p.size)
    ax.bar(k, p, yerr=None if stderr is None else np.asarray(stderr, dtype=float), capsize=3, color="tab:green",
           alpha=0.7, label="measured")
    if expected is not None:
        ax.plot(k, np.asarray(expected, dtype=float), "kD", ms=6, mfc="none", label="expected")
    ax.set_xticks(k, labels if labels is not None else [f"state {i}" for i in k])
    ax.set_ylabel("occupation")
    ax.legend(frameon=False)
    return ax


def plot_mixture(samples, weights, means, stds, *, bins: int = 80, ax=None):
    """Histogram of a continuous cell's output against its Gaussian-mixture density.

    Parameters
    ----------
    samples : array_like
        Output samples [V].
    weights : sequence of float
        Mixture weights [-].
    means : sequence of float
        Component means [V].
    stds : sequence of float
        Component standard deviations [V].
    bins : int
        Histogram bins [-].
    ax : matplotlib.axes.Axes or None

    Returns
    -------
    matplotlib.axes.Axes
    """
    w, m, s = (np.asarray(a, dtype=float) for a in (weights, means, stds))
    if not (w.shape == m.shape == s.shape) or np.any(s <= 0):
        raise ParameterError("weights, means and stds must have equal length and stds must be > 0")

    def density(x):
        z = (x[:, None] - m) / s
        return (w * np.exp(-0.5 * z**2) / (s * np.sqrt(2 * np.pi))).sum(axis=1)

    ax = plot_histogram(samples, density, bins=bins, label="output samples", ax=ax)
    for mean in m:
        ax.axvline(mean, ls=":", color="0.4", lw=0.8)
    ax.set_xlabel("output voltage [V]")
    return ax


def plot_gibbs_observable(values, exact=None, *, label="observable", stderr=None, ax=None):
    """A Gibbs-chain observable per sweep, its running mean and the exact value.

    Parameters
    ----------
    values : array_like
        Observable measured after each sweep [observable unit].
    exact : float or None
        Exact (closed-form or enumerated) value [observable unit].
    label : str
        Name of the observable (y label).
    stderr : float or None
        Standard error of the final mean, shown as a band [observable unit].
    ax : matplotlib.axes.Axes or None

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    y = np.asarray(values, dtype=float)
    sweeps = np.arange(1, y.size + 1)
    running = np.cumsum(y) / sweeps
    ax.plot(sweeps, y, lw=0.5, color="0.7", label="per sweep")
    ax.plot(sweeps, running, lw=1.4, color="tab:blue", label="running mean")
    if stderr is not None:
        ax.axhspan(running[-1] - stderr, running[-1] + stderr, color="tab:blue", alpha=0.15)
    if exact is not None:
        ax.axhline(exact, color="k", ls="--", lw=1.0, label="exact")
    ax.set_xlabel("Gibbs sweep")
    ax.set_ylabel(label)
    ax.legend(frameon=False)
    return ax


def plot_energy_breakdown(breakdown, baselines=None, *, unit_label="energy", ax=None):
    """Horizontal bars of energy components, their total and baselines (log scale).

    Parameters
    ----------
    breakdown : dict of str to float
        Energy of each component of the hardware estimate [J].
    baselines : dict of str to float or None
        Energies of reference implementations, e.g. a GPU [J].
    unit_label : str
        What one bar measures (axis label).
    ax : matplotlib.axes.Axes or None

    Returns
    -------
    matplotlib.axes.Axes
    """
    items = [(str(k), float(v)) for k, v in dict(breakdown).items()]
    if not items or any(not np.isfinite(v) or v <= 0 for _, v in items):
        raise DataError("energy breakdown must map component names to positive energies [J]")
    ax = _axes(ax)
    names = [k for k, _ in items] + ["total"]
    values = [v for _, v in items] + [sum(v for _, v in items)]
    colours = ["tab:blue"] * len(items) + ["tab:purple"]
    for name, value in dict(baselines or {}).items():
        names.append(str(name))
        values.append(float(value))
        colours.append("tab:red")
    y = np.arange(len(names))
    ax.barh(y, values, color=colours)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    # room for the value labels right of the longest bar (1.5 decades), and at most six labelled
    # decades whatever the span, so the tick labels never run into each other
    ax.set_xlim(min(values) / 3.0, max(values) * 30.0)
    from matplotlib.ticker import LogLocator, NullLocator

    ax.xaxis.set_major_locator(LogLocator(base=10.0, numticks=6))
    if np.log10(max(values) * 30.0 / (min(values) / 3.0)) > 6:
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(f"{unit_label} [J]")
    for yi, v in zip(y, values):
        ax.annotate(f"{v:.3g} J", (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=9)
    return ax


def plot_pareto_front(rows, *, ax=None):
    """Energy per sample against correlation time of a design front (rows of ``design.pareto.front_rows``).

    Feasible optima are drawn on both energy conventions (2Pτ_c and Pτ_c, in aJ, against τ_c in
    µs): the front proper joined by lines, optima a faster and cheaper one dominates as hollow
    markers; a target with no feasible design is marked by a dotted vertical line at the target,
    labelled with its binding constraint.
    """
    ax = _axes(ax)
    feasible = sorted((r for r in rows if r.get("feasible")), key=lambda r: r["correlation_time_s"])
    missing = [r for r in rows if not r.get("feasible")]
    if not feasible and not missing:
        raise DataError("a front needs at least one row")
    front = [r for r in feasible if not np.isfinite(r.get("dominated_by_target_s", np.nan))]
    beaten = [r for r in feasible if np.isfinite(r.get("dominated_by_target_s", np.nan))]
    for group, style, suffix in ((front, "-", ""), (beaten, "none", ", dominated")):
        if not group:
            continue
        tau = np.array([r["correlation_time_s"] for r in group]) * 1e6
        ax.plot(tau, np.array([r["energy_per_sample_J"] for r in group]) * 1e18, marker="o", linestyle=style,
                color="tab:blue", fillstyle="full" if not suffix else "none",
                label=f"2P\u03c4_c (per independent sample){suffix}")
        ax.plot(tau, np.array([r["energy_per_tau_J"] for r in group]) * 1e18, marker="s",
                linestyle="--" if not suffix else "none", color="tab:orange", fillstyle="full" if not suffix else "none",
                label=f"P\u03c4_c{suffix}")
    for r in missing:
        x = r["target_tau_s"] * 1e6
        ax.axvline(x, color="0.5", linestyle=":", linewidth=1.2)
        reason = r.get("binding", "")
        name = reason.split("binding constraint: ", 1)[-1].split(" ", 1)[0] if "binding constraint: " in reason else "infeasible"
        ax.annotate(f"{r['target_tau_s']:.3g} s: {name}", (x, 0.02), xycoords=("data", "axes fraction"),
                    rotation=90, fontsize=9, color="0.3", ha="right", va="bottom")
    ax.set_xscale("log")
    if feasible:
        ax.set_yscale("log")
        ax.legend(fontsize=9)
    ax.set_xlabel("correlation time \u03c4_c [\u00b5s]")
    ax.set_ylabel("energy per sample [aJ]")
    ax.margins(0.1)
    return ax
