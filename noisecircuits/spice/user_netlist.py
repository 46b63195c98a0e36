r"""A user's netlist, checked before ngspice sees it, and the deck that characterises it.

The toolkit runs netlists that it did not write (``noisecircuits characterise``), so it reads
them first and refuses what could do more than describe a circuit:

* ``.control``/``.endc`` blocks and ``*#`` comment commands (ngspice's scripting, which can run
  programs), and any line starting with ``shell``;
* ``.include``/``.inc``/``.lib`` of a file outside the allowed folders (by default the shipped
  ``spice_models/`` folder and the netlist's own folder); included files are read and checked
  by the same rules, and their paths are written into the deck as absolute paths;
* device or model parameters that read a file (``file=``), and analyses (``.tran``, ``.op``,
  ``.dc`` ...): the sweep writes its own transient analysis.

The netlist's first line is its title (as in every SPICE deck). Its ``temp=`` and ``seed=``
options and any ``.temp`` line are dropped: the sweep sets the temperature and the seed of every
run. The control is a voltage source (``Vname``), whose line is replaced by a DC source at each
bias, or a node: the voltage source from that node to ground, or, when no source drives it, a new
one. Every refusal is one :class:`~noisecircuits.errors.ParameterError` line naming the file and
line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from noisecircuits.errors import ParameterError

__all__ = ["UserNetlist", "read_user_netlist", "parse_user_netlist", "characterisation_deck", "MAX_INCLUDE_DEPTH"]

#: deepest chain of included files followed
MAX_INCLUDE_DEPTH = 8
_MAX_BYTES = 20 * 1024 * 1024
_ANALYSES = ("tran", "ac", "dc", "op", "noise", "pz", "sens", "tf", "disto", "sp", "pss")
_REFUSED = {"control": "a .control block", "endc": "a .control block", "exec": "a script"}
_INCLUDE = ("inc", "lib")  # .include, .inc, .lib and anything ngspice reads as them
_NODE = re.compile(r"^[A-Za-z0-9_]+$")
_EXPRESSION_NODE = re.compile(r"\bv\(\s*([A-Za-z0-9_]+)\s*(?:,\s*([A-Za-z0-9_]+)\s*)?\)", re.I)
_NOISE = re.compile(r"\btr(noise|random)\s*\(([^)]*)\)", re.I)
_FILE = re.compile(r"file\s*=", re.I)  # also input_file= (XSPICE d_source) and the like
_TEMP_OPTION = re.compile(r"\b(temp|seed)\s*=\s*\S+", re.I)
#: node count of each element letter whose nodes come first (X, subcircuit calls, are special)
_NODE_COUNT = {"r": 2, "c": 2, "l": 2, "v": 2, "i": 2, "b": 2, "d": 2, "s": 4, "w": 2, "e": 4, "g": 4, "f": 2,
               "h": 2, "m": 4, "q": 3, "j": 3, "z": 3, "t": 4, "o": 4, "u": 3, "y": 4, "p": 0, "k": 0, "n": 0,
               "a": 0}
_GROUND = ("0", "gnd")


@dataclass(frozen=True)
class UserNetlist:
    """A checked user netlist.

    Parameters
    ----------
    origin : str
        Where it came from (file path or ``"PySpice circuit"``) [-].
    title : str
        Its first line [-].
    lines : tuple of str
        The checked logical lines (continuations joined, comments and ``.end`` removed,
        includes rewritten to absolute paths) [-].
    nodes : tuple of str
        Top-level node names, lower case [-].
    sources : dict
        Top-level independent voltage sources: lower-case name → (line index, n+, n−) [-].
    noise_steps : tuple of float
        Time steps of the ``trnoise``/``trrandom`` sources whose step is a number [s].
    noise_sources : int
        Number of ``trnoise``/``trrandom`` sources [-].
    sha256 : str
        SHA-256 of the netlist text [-].
    """

    origin: str
    title: str
    lines: tuple
    nodes: tuple
    sources: dict
    noise_steps: tuple
    noise_sources: int
    sha256: str


def _logical_lines(text: str, origin: str, first: int = 1):
    """(line number, text) of each logical line: continuations joined, comments removed."""
    out: list[list] = []
    for number, raw in enumerate(text.splitlines(), start=first):
        stripped = raw.strip()
        if stripped.startswith("*#"):
            raise ParameterError(f"{origin}, line {number}: '*#' lines are ngspice commands; remove them")
        if not stripped or stripped.startswith("*"):
            continue
        for marker in (" ;", "\t;", " $ ", "\t$ ", "//"):
            cut = stripped.find(marker)
            if cut >= 0:
                stripped = stripped[:cut].rstrip()
        if stripped.startswith(";"):
            continue
        if stripped.startswith("+"):
            if not out:
                raise ParameterError(f"{origin}, line {number}: a '+' continuation line without a line to continue")
            out[-1][1] += " " + stripped[1:].strip()
            continue
        out.append([number, stripped])
    return [(n, t) for n, t in out if t]


def _inside(path: Path, folders) -> bool:
    return any(path == f or f in path.parents for f in folders)


def _include_target(fields, number, origin, folder, allowed, in_library):
    """The resolved file of an include line, or None for a library section header."""
    keyword = "lib" if fields[0][1:].lower().startswith("lib") else "include"
    args = fields[1:]
    if keyword == "lib" and len(args) == 1 and in_library and re.fullmatch(r"[A-Za-z0-9_]+", args[0]):
        return None  # ".lib SECTION" opens a section inside a library file
    if not args:
        raise ParameterError(f"{origin}, line {number}: .{keyword} needs a file name")
    if keyword == "lib" and len(args) != 2:
        raise ParameterError(f"{origin}, line {number}: .lib needs a file and a section name")
    name = args[0].strip("'\"")
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = folder / path
    path = path.resolve()
    if not _inside(path, allowed):
        shown = ", ".join(str(f) for f in allowed)
        raise ParameterError(f"{origin}, line {number}: .{keyword} of {name!r} is outside the allowed folders "
                             f"({shown}); copy the file next to the netlist")
    if not path.is_file():
        raise ParameterError(f"{origin}, line {number}: .{keyword} file {name!r} does not exist")
    if any(c in str(path) for c in "\"'\n\r"):
        raise ParameterError(f"{origin}, line {number}: included file path must not contain quotes, got {str(path)!r}")
    return path


def _read(path: Path, label: str) -> str:
    try:
        size = path.stat().st_size
        if size > _MAX_BYTES:
            raise ParameterError(f"{label}: the file is {size} bytes, over the {_MAX_BYTES}-byte limit of a netlist")
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ParameterError(f"{label}: cannot read the netlist: {exc.strerror}") from None


def _check_lines(lines, origin, folder, allowed, depth, in_library):
    """Checked lines of one file (includes followed and rewritten)."""
    out = []
    for number, line in lines:
        fields = line.split()
        head = fields[0].lower()
        if head == "shell" or head.startswith("shell"):
            raise ParameterError(f"{origin}, line {number}: 'shell' lines are refused (a netlist describes a circuit)")
        if head.startswith("."):
            word = head[1:]
            if word == "end":
                break
            # ngspice matches these directives by prefix (".controls" opens a block too)
            refused = next((v for k, v in _REFUSED.items() if word.startswith(k)), None)
            if refused is not None:
                raise ParameterError(f"{origin}, line {number}: {refused} is refused; give the circuit only "
                                     "(the sweep writes its own analysis)")
            if word in _ANALYSES or word.startswith("meas"):
                raise ParameterError(f"{origin}, line {number}: .{word} is refused; give the circuit only "
                                     "(the sweep writes its own transient analysis)")
            if word.startswith(_INCLUDE):
                target = _include_target(fields, number, origin, folder, allowed, in_library)
                if target is not None:
                    if depth >= MAX_INCLUDE_DEPTH:
                        raise ParameterError(f"{origin}, line {number}: includes nested deeper than {MAX_INCLUDE_DEPTH}")
                    nested = _read(target, str(target))
                    _check_lines(_logical_lines(nested, str(target)), str(target), target.parent, allowed,
                                 depth + 1, in_library=word.startswith("lib") or target.suffix.lower() == ".lib")
                    tail = f" {fields[2]}" if word.startswith("lib") else ""
                    out.append((number, f'.{"lib" if word.startswith("lib") else "include"} "{target}"{tail}'))
                    continue
            if word == "temp":
                continue
            if word in ("option", "options", "opt"):
                line = _TEMP_OPTION.sub("", line)
                if len(line.split()) < 2:
                    continue
        if _FILE.search(line):
            raise ParameterError(f"{origin}, line {number}: parameters that read a file (file=) are refused; "
                                 "only .include/.lib of the allowed folders may name files")
        out.append((number, line))
    return out


def _nodes_and_sources(lines):
    nodes: list[str] = []
    sources: dict = {}
    depth = 0

    def add(name):
        name = name.lower()
        if name not in nodes:
            nodes.append(name)

    for index, line in enumerate(lines):
        fields = line.split()
        head = fields[0].lower()
        if head.startswith(".subckt"):
            depth += 1
            continue
        if head.startswith(".ends"):
            depth = max(0, depth - 1)
            continue
        if depth or head.startswith("."):
            continue
        letter = head[0]
        if letter == "x":
            terms = [f for f in fields[1:] if "=" not in f]
            count = max(0, len(terms) - 1)
        else:
            count = _NODE_COUNT.get(letter, 0)
        for node in fields[1:1 + count]:
            node = node.split("=")[0]
            if _NODE.match(node):
                add(node)
        for a, b in _EXPRESSION_NODE.findall(line):
            add(a)
            if b:
                add(b)
        if letter == "v" and len(fields) >= 3:
            sources[head] = (index, fields[1].lower(), fields[2].lower())
    return tuple(n for n in nodes if n not in _GROUND), sources


def _noise(lines):
    from noisecircuits.spice.units import parse_value

    steps, count = [], 0
    for line in lines:
        for _, args in _NOISE.findall(line):
            count += 1
            parts = args.split()
            if len(parts) >= 2:
                try:
                    step = parse_value(parts[1])
                except (ParameterError, ValueError):
                    continue
                if step > 0:
                    steps.append(step)
    return tuple(steps), count


def parse_user_netlist(text: str, *, origin: str, folder, allowed_folders=None) -> UserNetlist:
    """Check a netlist's text and read its nodes, voltage sources and noise steps.

    Parameters
    ----------
    text : str
        The netlist, its first line the title [-].
    origin : str
        Name of the netlist in messages (its path) [-].
    folder : path-like
        Folder that relative include paths start from [-].
    allowed_folders : sequence of path-like, optional
        Folders whose files may be included; default ``spice_models/`` and ``folder`` [-].

    Returns
    -------
    UserNetlist
    """
    from noisecircuits.spice.cards import spice_models_dir

    if not isinstance(text, str):
        raise ParameterError(f"{origin}: the netlist must be text, got {type(text).__name__}")
    folder = Path(folder).resolve()
    allowed = [spice_models_dir().resolve(), folder] if allowed_folders is None else \
        [Path(f).resolve() for f in allowed_folders]
    body = text.split("\n", 1)
    title = body[0].strip()
    checked = _check_lines(_logical_lines(body[1] if len(body) > 1 else "", origin, 2), origin, folder, allowed, 0,
                           in_library=False)
    lines = tuple(line for _, line in checked)
    if not lines:
        raise ParameterError(f"{origin}: the netlist has no elements below its title line")
    nodes, sources = _nodes_and_sources(lines)
    steps, count = _noise(lines)
    if count == 0:
        raise ParameterError(f"{origin}: the netlist has no transient noise source (trnoise or trrandom); "
                             "a noiseless circuit does not sample")
    return UserNetlist(origin, title, lines, nodes, sources, steps, count,
                       hashlib.sha256(text.encode("utf-8")).hexdigest())


def read_user_netlist(path, *, allowed_folders=None) -> UserNetlist:
    """Read and check a netlist file (see :func:`parse_user_netlist`).

    Parameters
    ----------
    path : path-like
        The netlist file [-].
    allowed_folders : sequence of path-like, optional
        Folders whose files may be included; default ``spice_models/`` and the netlist's folder [-].
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"netlist {str(path)!r}: no such file")
    return parse_user_netlist(_read(path, str(path)), origin=str(path), folder=path.parent,
                              allowed_folders=allowed_folders)


def _check_node(netlist: UserNetlist, name: str, option: str) -> str:
    node = str(name).lower()
    if not _NODE.match(node) or node not in netlist.nodes:
        shown = ", ".join(netlist.nodes[:20]) + (" ..." if len(netlist.nodes) > 20 else "")
        raise ParameterError(f"{option} {name!r} is not a node of {netlist.origin}; its nodes: {shown}")
    return node


def control_line(netlist: UserNetlist, control: str):
    """(index of the line to replace or None, source name, n+, n−) of the control [-]."""
    key = str(control).lower()
    if key in netlist.sources:
        index, plus, minus = netlist.sources[key]
        return index, key, plus, minus
    if key in netlist.nodes:
        driving = [(name, v) for name, v in netlist.sources.items() if key in v[1:]]
        grounded = [(name, v) for name, v in driving if {v[1], v[2]} & set(_GROUND)]
        if len(driving) == 1 and grounded:
            name, (index, plus, minus) = grounded[0]
            return index, name, plus, minus
        if driving:
            raise ParameterError(f"--control node {control!r} is driven by {', '.join(n for n, _ in driving)}, not "
                                 "by one source to ground; name the source with --control instead")
        name = "vnc_control"
        if name in netlist.sources:
            raise ParameterError(f"{netlist.origin} already has a source named {name}; name the control source")
        return None, name, key, "0"
    allowed = ", ".join(list(netlist.sources)[:20])
    raise ParameterError(f"--control {control!r} is neither a voltage source nor a node of {netlist.origin}; "
                         f"its voltage sources: {allowed or 'none'}; or give one of its nodes")


def characterisation_deck(netlist: UserNetlist, *, control: str, output: str, reference: str | None, bias: float,
                          temperature: float, seed: int, sample_step: float, max_step: float, duration: float,
                          uic: bool = False) -> str:
    """The deck of one characterisation run: the checked circuit, the control at ``bias``, a transient.

    Parameters
    ----------
    netlist : UserNetlist
        The checked circuit [-].
    control : str
        Voltage source or node whose voltage is swept [-].
    output : str
        Output node [-].
    reference : str or None
        Node the output is read against (None: ground) [-].
    bias : float
        Control voltage [V].
    temperature : float
        [K].
    seed : int
        ngspice seed [-].
    sample_step : float
        Output step [s].
    max_step : float
        Largest internal step [s].
    duration : float
        Stop time [s].
    uic : bool
        Start from the netlist's ``.ic`` values without an operating point [-].

    Returns
    -------
    str
        Deck whose ``wrdata`` writes V(output) and V(reference) (or V(output) alone) to ``out.dat``.
    """
    from noisecircuits.constants import celsius
    from noisecircuits.spice.units import format_value as f

    out = _check_node(netlist, output, "--output")
    ref = None if reference is None else _check_node(netlist, reference, "--reference")
    index, name, plus, minus = control_line(netlist, control)
    lines = list(netlist.lines)
    source = f"{name} {plus} {minus} dc {f(float(bias))}"
    if index is None:
        lines.append(source)
    else:
        lines[index] = source
    vectors = f"v({out})" + ("" if ref is None else f" v({ref})")
    title = re.sub(r"[\x00-\x1f]", " ", netlist.title)[:200]
    return "\n".join([
        f"* characterisation of {title}",
        *lines,
        f".options temp={f(celsius(temperature))} seed={int(seed)} interp",
        f".save {vectors}",
        ".control",
        f"tran {f(sample_step)} {f(duration)} 0 {f(max_step)}" + (" uic" if uic else ""),
        f"wrdata out.dat {vectors}",
        "quit 0",
        ".endc",
        ".end",
    ]) + "\n"
