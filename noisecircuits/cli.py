"""The ``noisecircuits`` command line.

Thin by design: each sub-command lives in :mod:`noisecircuits.commands` as a module with a
``register(subparsers)`` function that adds its parser and sets ``func``; ``func(args)``
calls one public function and returns a dict (printed as exactly one JSON object under
``--json``) or ``None``. Any :class:`~noisecircuits.errors.NoisecircuitsError` or argument
error becomes one line on stderr and exit status 2.

Help is uniform without the command modules doing anything: every parser formats its
options with :class:`HelpFormatter` (each option that has a default shows it), and every
sub-command's help ends with one example from :data:`EXAMPLES`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys

from noisecircuits._version import __version__
from noisecircuits.errors import NoisecircuitsError

#: Sub-command modules under noisecircuits.commands, in the order shown by --help.
COMMAND_MODULES = ("simulate", "spice", "characterise", "fit", "export", "cell", "gibbs", "energy", "sweep", "plot", "report", "design", "demo")

EXIT_USAGE = 2

#: One example per sub-command, shown at the end of its --help (keys: the words after ``noisecircuits``).
EXAMPLES = {
    "": "noisecircuits simulate pbit --temperature 300 --json",
    "simulate": "noisecircuits simulate pbit --temperature 300 --json",
    "simulate double-well": "noisecircuits simulate double-well --barrier 4 --tilt 0.5 --tau 1e-9 --duration 2e-5 --json",
    "simulate pbit": "noisecircuits simulate pbit --temperature 300 --v-bias 0.13 --seed 1 --json",
    "simulate categorical": "noisecircuits simulate categorical --temperature 300 --v-controls 0.05,0.05,0.06,0.06 --json",
    "simulate continuous": "noisecircuits simulate continuous --temperature 300 --v-modes 0.02,0.06 --json",
    "spice": "noisecircuits spice ktc --resistance 1e6 --capacitance 1e-13 --duration 2e-5 --json",
    "spice ktc": "noisecircuits spice ktc --resistance 1e6 --capacitance 1e-13 --duration 2e-5 --json",
    "spice iv": "noisecircuits spice iv --card generic --device nmos --temperatures 260:340:5 --json",
    "spice check": "noisecircuits spice check pbit --temperatures 300 --json",
    "characterise": "noisecircuits characterise my_pbit.cir --control Vbias --output out --reference outb "
                    "--biases 0.11:0.14:4 --out cell.json --json",
    "cell": "noisecircuits cell validate cell.json",
    "design": "noisecircuits design pbit --target-tau 3e-3 --temperature-range 300:300 --out design.json --json",
    "design pbit": "noisecircuits design pbit --target-tau 3e-3 --temperature-range 300:300 --out design.json --json",
    "design pareto": "noisecircuits design pareto --taus 1e-6,3e-6 --workers 2 --out front/ --json",
    "design audit": "noisecircuits design audit design.json --draws 200 --json",
    "cell validate": "noisecircuits cell validate cell.json",
    "fit": "noisecircuits fit transfer data/example_pbit_transfer.csv --out cell.json --json",
    "fit transfer": "noisecircuits fit transfer data/example_pbit_transfer.csv --out cell.json --json",
    "export": "noisecircuits export cell.json --format verilog-a --out cell.va",
    "gibbs": "noisecircuits gibbs ising2d --size 32 --beta 0.4 --sweeps 1000 --burn-in 100 --json",
    "gibbs ising2d": "noisecircuits gibbs ising2d --size 32 --beta 0.4 --sweeps 1000 --burn-in 100 --json",
    "gibbs model": "noisecircuits gibbs model model.json --samples 1000 --burn-in 100 --json",
    "energy": "noisecircuits energy --cell-energy 1.3e-15 --graph ising2d --size 70 --sweeps 250 --steps 8 --json",
    "sweep": "noisecircuits sweep pbit --temperatures 280,300,320 --biases 0.09:0.16:8 --out sweep/ --workers 2",
    "plot": "noisecircuits plot transfer sweep/ --out transfer.png",
    "report": "noisecircuits report sweep/ --out report.html",
    "demo": "noisecircuits demo",
}


class HelpFormatter(argparse.HelpFormatter):
    """Appends ``(default: X)`` to every option whose help does not already state its default."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if "default" in text or default is None or default is argparse.SUPPRESS or isinstance(default, bool) \
                or not action.option_strings:
            return text
        if isinstance(default, (list, tuple)):
            shown = ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in default)
        elif isinstance(default, float):
            shown = f"{default:g}"
        else:
            shown = str(default)
        return f"{text} (default: {shown.replace('%', '%%')})"


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``noisecircuits <cmd>: error: ...``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def sub_commands(parser, path=()):
    """Yield ``(words, parser)`` for every sub-command below ``parser``, depth first."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield (*path, name), child
                yield from sub_commands(child, (*path, name))


def _add_examples(parser) -> None:
    parser.epilog = parser.epilog or f"example: {EXAMPLES['']}"
    for words, child in sub_commands(parser):
        example = EXAMPLES.get(" ".join(words))
        if example is not None and not child.epilog:
            child.epilog = f"example: {example}"


def _json_default(obj):
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _finite_or_none(obj):
    """Replace non-finite floats by None so the output is strict JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite_or_none(v) for v in obj]
    return obj


def emit(result, as_json: bool) -> None:
    """Print a command's result: one JSON object under ``--json``, else ``key: value`` lines (a list of
    records, such as a check's points, as a table with one row per record)."""
    if result is None:
        return
    if as_json:
        text = json.dumps(_finite_or_none(json.loads(json.dumps(result, default=_json_default))))
        sys.stdout.write(text + "\n")
    else:
        for key, value in result.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                import pandas as pd

                table = pd.DataFrame(value).to_string(index=False, float_format=lambda x: f"{x:.4g}")
                sys.stdout.write(f"{key}:\n{table}\n")
                continue
            if isinstance(value, float):
                value = f"{value:.6g}"
            sys.stdout.write(f"{key}: {value}\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command."""
    parser = _OneLineParser(
        prog="noisecircuits",
        description="Device physics and circuit-noise modelling of probabilistic sampling hardware.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"noisecircuits {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"noisecircuits.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"noisecircuits.commands.{name}":
                continue
            raise
        module.register(sub)
    _add_examples(parser)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    """Print a warning as one line on stderr (no source excerpt)."""
    sys.stderr.write(f"noisecircuits: warning: {message}\n")


def main(argv=None) -> int:
    """Entry point of the ``noisecircuits`` console script; returns the exit status.

    Warnings raised while a command runs are held back and printed (one line each) when it
    succeeds; a command that fails prints exactly one line, its error.
    """
    import warnings

    held = []
    previous = warnings.showwarning
    warnings.showwarning = lambda message, *rest, **kw: held.append(message)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        try:
            result = args.func(args)
        except NoisecircuitsError as exc:
            sys.stderr.write(f"noisecircuits {args.command}: error: {exc}\n")
            return EXIT_USAGE
        except KeyboardInterrupt:
            sys.stderr.write(f"noisecircuits {args.command}: interrupted\n")
            return 130
        for message in held:
            _one_line_warning(message, None, None, None)
        held.clear()
        try:
            emit(result, getattr(args, "json", False))
        except NoisecircuitsError as exc:
            sys.stderr.write(f"noisecircuits {args.command}: error: {exc}\n")
            return EXIT_USAGE
    finally:
        warnings.showwarning = previous
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
