"""Characterise a user's p-bit netlist (a file or a PySpice ``Circuit``) into a calibrated cell.

The netlist is checked (:mod:`noisecircuits.spice.user_netlist`), its control is swept over the
biases at every temperature in ngspice with its own transient-noise sources
(:func:`noisecircuits.spice.characterise.sweep_user_netlist`), and the measured P(1) and τ_c
points are fitted like any transfer table (:func:`noisecircuits.cells.calibrate.fit_pbit_cell`,
the path of ``noisecircuits fit transfer``). The cell's provenance names the netlist and its
SHA-256.

>>> cell, points = characterise("my_pbit.cir", control="Vbias", output="out", reference="outb",
...                             biases=[0.11, 0.12, 0.13, 0.14])   # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from noisecircuits.errors import ParameterError

__all__ = ["characterise", "load_netlist", "estimate_work"]

#: memory per stored read-out sample while a run is read and reduced (text parsing included) [bytes]
_BYTES_PER_SAMPLE = 200.0


def load_netlist(netlist, *, allowed_folders=None):
    """The checked netlist of a path or a PySpice ``Circuit``.

    Parameters
    ----------
    netlist : str, path or PySpice.Spice.Netlist.Circuit
        A netlist file, or a circuit (its includes are checked against ``allowed_folders``,
        default ``spice_models/`` and the working directory) [-].
    allowed_folders : sequence of path-like, optional
        Folders whose files may be included [-].

    Returns
    -------
    UserNetlist
    """
    from noisecircuits.spice.user_netlist import parse_user_netlist, read_user_netlist

    if isinstance(netlist, (str, Path)):
        return read_user_netlist(netlist, allowed_folders=allowed_folders)
    from noisecircuits.interop.pyspice import pyspice_netlist

    text = pyspice_netlist(netlist)
    return parse_user_netlist(text, origin="PySpice circuit", folder=Path.cwd(), allowed_folders=allowed_folders)


def estimate_work(netlist, n_points: int, *, sample_step=None, duration=None, workers: int = 1):
    """(peak memory [bytes], wall time [s]) of a characterisation.

    Parameters
    ----------
    netlist : UserNetlist
        [-].
    n_points : int
        Number of (temperature, bias) runs [-].
    sample_step, duration : float, optional
        As for :func:`noisecircuits.spice.characterise.run_plan` [s].
    workers : int
        Concurrent ngspice processes [-].
    """
    from noisecircuits.spice.characterise import SECONDS_PER_STEP, run_plan

    step, max_step, duration = run_plan(netlist, sample_step=sample_step, duration=duration)
    samples = duration / step
    memory = n_points * samples * _BYTES_PER_SAMPLE
    seconds = n_points * (duration / max_step) * SECONDS_PER_STEP / max(1, min(workers, n_points))
    return memory, seconds


def characterise(netlist, *, control: str, output: str, reference: str | None = None, temperatures=(300.0,),
                 biases, seed=0, sample_step: float | None = None, duration: float | None = None,
                 threshold: float | None = None, uic: bool = False, form: str = "auto", criterion: str = "aicc",
                 name: str = "netlist_cell", workers: int = 1, allowed_folders=None, budget=None,
                 show_progress: bool | None = False, timeout: float = 600.0):
    """Sweep a netlist's control in ngspice with transient noise and fit a p-bit cell model.

    Parameters
    ----------
    netlist : str, path or PySpice.Spice.Netlist.Circuit
        The circuit: no ``.control`` block, no analyses, includes only from the allowed
        folders (:mod:`noisecircuits.spice.user_netlist`); it must hold ``trnoise``/``trrandom``
        noise sources [-].
    control : str
        Voltage source name or node whose voltage is swept [-].
    output : str
        Output node; state 1 is V(output) − V(reference) above the threshold [-].
    reference : str, optional
        Node the output is read against (e.g. the latch's other side); default ground [-].
    temperatures : sequence of float
        Simulation temperatures [K].
    biases : sequence of float
        Control voltages [V].
    seed : int, SeedSequence or Generator
        Seed of the runs' noise (one ngspice seed per run is spawned) [-].
    sample_step : float, optional
        Output step; default half the netlist's shortest noise step [s].
    duration : float, optional
        Simulated time of each run; default 20 000 output steps [s].
    threshold : float, optional
        Read-out threshold; default midway between the two read-out levels [V].
    uic : bool
        Start each run from the netlist's ``.ic`` values, skipping the operating point [-].
    form : {"auto", "logistic", "probit", "two_rate"}
        Transfer law (as ``fit transfer --form``) [-].
    criterion : {"aicc", "aic", "bic"}
        Information criterion of ``form="auto"`` [-].
    name : str
        Cell name (identifier) [-].
    workers : int
        Concurrent ngspice processes [-].
    allowed_folders : sequence of path-like, optional
        Folders whose files the netlist may include [-].
    budget : noisecircuits.budget.Budget, optional
        Memory and time limits checked before any run [-].
    show_progress : bool or None
        Progress bar on stderr (None: when stderr is a terminal) [-].
    timeout : float
        Wall-clock limit of each ngspice run [s].

    Returns
    -------
    (PBitCellModel, pandas.DataFrame)
        The cell and the measured points (one row per temperature and bias).
    """
    from noisecircuits import _validate
    from noisecircuits.budget import check_budget
    from noisecircuits.cells.calibrate import fit_pbit_cell
    from noisecircuits.cells.schema import validate_name
    from noisecircuits.fitting.data import PBitData, read_pbit_data
    from noisecircuits.progress import progress
    from noisecircuits.spice.characterise import sweep_user_netlist
    from noisecircuits.spice.user_netlist import characterisation_deck

    validate_name(name)
    temperatures = [_validate.temperature("--temperatures", t) for t in temperatures]
    biases = [_validate.finite("--biases", b, "V") for b in biases]
    if sample_step is not None:
        sample_step = _validate.positive("--sample-step", sample_step, "s")
    if duration is not None:
        duration = _validate.positive("--duration", duration, "s")
    checked = load_netlist(netlist, allowed_folders=allowed_folders)
    if len(biases) < 2:
        raise ParameterError(f"--biases needs at least 2 values to fit a transfer curve, got {len(biases)}")
    # refuse bad names before sizing the work
    characterisation_deck(checked, control=control, output=output, reference=reference, bias=0.0,
                          temperature=300.0, seed=1, sample_step=1e-9, max_step=1e-9, duration=1e-6)
    n_points = len(temperatures) * len(biases)
    memory, seconds = estimate_work(checked, n_points, sample_step=sample_step, duration=duration, workers=workers)
    check_budget("characterise", memory_bytes=memory, seconds=seconds, budget=budget,
                 options="--biases/--temperatures/--duration")
    with progress(total=n_points, description="characterise", unit="run", enabled=show_progress,
                  summary=show_progress is not False) as bar:
        frame = sweep_user_netlist(checked, control=control, output=output, reference=reference,
                                   temperatures=temperatures, biases=biases, seed=seed, sample_step=sample_step,
                                   duration=duration, threshold=threshold, uic=uic, workers=workers, timeout=timeout,
                                   on_done=bar.update)
    data = read_pbit_data(frame)
    data = PBitData(data.columns, checked.sha256, checked.origin)
    cell, _ = fit_pbit_cell(data, form=form, name=name, criterion=criterion,
                            correlation_time_stderr_s=frame["correlation_time_stderr_s"].to_numpy())
    return cell, frame
