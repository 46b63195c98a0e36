"""The ``noisecircuits`` command line.

Thin by design: each sub-command lives in :mod:`noisecircuits.commands` as a module with a
``register(subparsers)`` function that adds its parser and sets ``func``; ``func(args)``
calls one public function and returns a dict (printed as exactly one JSON object under
``--json``) or ``None``. Any :class:`~noisecircuits.errors.NoisecircuitsError` or argument
error becomes one line on stderr and exit status 2.
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
COMMAND_MODULES = ("simulate", "spice", "fit", "export", "gibbs", "energy", "sweep", "plot", "report", "demo")

EXIT_USAGE = 2


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``noisecircuits <cmd>: error: ...``."""

    def error(self, message):  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


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
    """Print a command's result: one JSON object under ``--json``, else ``key: value`` lines."""
    if result is None:
        return
    if as_json:
        text = json.dumps(_finite_or_none(json.loads(json.dumps(result, default=_json_default))))
        sys.stdout.write(text + "\n")
    else:
        for key, value in result.items():
            if isinstance(value, float):
                value = f"{value:.6g}"
            sys.stdout.write(f"{key}: {value}\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command."""
    parser = _OneLineParser(
        prog="noisecircuits",
        description="Device physics and circuit-noise modelling of probabilistic sampling hardware.",
    )
    parser.add_argument("--version", action="version", version=f"noisecircuits {__version__}")
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
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    """Print a warning as one line on stderr (no source excerpt)."""
    sys.stderr.write(f"noisecircuits: warning: {message}\n")


def main(argv=None) -> int:
    """Entry point of the ``noisecircuits`` console script; returns the exit status."""
    import warnings

    warnings.showwarning = _one_line_warning
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
        emit(result, getattr(args, "json", False))
    except NoisecircuitsError as exc:
        sys.stderr.write(f"noisecircuits {args.command}: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write(f"noisecircuits {args.command}: interrupted\n")
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
