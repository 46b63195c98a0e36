"""Netlist injection: no string of a cell document can put a control line into an export."""

from __future__ import annotations

import json
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noisecircuits.cells.json_format import loads_cell
from noisecircuits.cells.spice import render_spice
from noisecircuits.errors import DataError
from noisecircuits.spice.runner import ngspice_environment

_EXPLOIT_KEY = "x\n.control\nshell touch {marker}\n.endc\n*"


def _deck(subcircuit: str) -> str:
    """A minimal ngspice deck that includes the exported subcircuit, as a user's testbench would."""
    return "\n".join([
        "* injection check", ".include cell.cir", "Vc c 0 DC 0.05", "Xp c o pcell",
        ".tran 1e-7 2e-6 0 2e-8", ".print tran v(o)", ".end", "",
    ])


def _run_ngspice(directory):
    return subprocess.run(["ngspice", "-b", "deck.cir"], cwd=directory, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL, env=ngspice_environment())


@pytest.mark.requires_ngspice
@pytest.mark.parametrize("section", ["parameters", "correlation_time"])
def test_the_reported_exploit_is_refused(tmp_path, pbit_doc, section):
    """The published reproduction: an extra key holding a .control block, then ngspice on the export."""
    marker = tmp_path / "PWNED"
    doc = pbit_doc()
    doc[section][_EXPLOIT_KEY.format(marker=marker)] = 1.0
    try:
        cell = loads_cell(json.dumps(doc))
    except DataError as exc:
        # refused naming the field (shown as its repr, so the message stays one line)
        assert "\n" not in str(exc) and "not a known field" in str(exc) and section in str(exc)
    else:
        (tmp_path / "cell.cir").write_text(render_spice(cell))
        (tmp_path / "deck.cir").write_text(_deck(""))
        _run_ngspice(tmp_path)
    assert not marker.exists(), "the exported netlist ran a shell command"


# ---------------------------------------------------------------------------------------------
# Property: arbitrary strings in every field and every key never reach an export as code.

_MARKER = "PWNED"
_PAYLOADS = [
    f"x\n.control\nshell touch {_MARKER}\n.endc\n*",
    f"\r.control\rshell touch {_MARKER}\r.endc\r",
    f"\u2028.control\u2028shell touch {_MARKER}\u2028.endc",
    f"\x85shell touch {_MARKER}",
    f"\x0b\x0c.control",
    f"+ shell touch {_MARKER}",
    f"$(touch {_MARKER})",
    f"`touch {_MARKER}`",
    "*/ endmodule // \\",
    "a\\",
    ".include /etc/passwd",
    "pcell", "logistic", "probit", "fitted", "given", "0" * 64, "2026-01-01T00:00:00Z",
]
_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(_PAYLOADS),
    st.tuples(st.text(max_size=6), st.sampled_from(_PAYLOADS)).map("".join),
)
# text the free-text fields accept (no control characters or line breaks), dangerous words included
_ACCEPTABLE_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40),
    st.tuples(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=6),
              st.sampled_from([p for p in _PAYLOADS if p.isprintable()])).map("".join),
)
_COMMENT_STARTS = ("noisecircuits ", "model written by ", "source data: ", "source SHA-256: ", "fit quality (transfer): ",
                   "correlation time", "valid for ", "P(1) = ", "parameters: ", "noise step h = ", "out: ", "form: ")
_CONTROL_WORDS = (".control", ".endc", "shell", ".include", ".lib", "+")


def _mutate(doc, path, action, text, value) -> bool:
    """Apply one mutation at ``path``; False when it does not apply there (a list has no keys)."""
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "set":
        parent[last] = text
        return True
    if action == "add_key":
        target = parent[last] if isinstance(parent[last], dict) else parent
        if isinstance(target, dict) and text not in target:
            target[text] = value
            return True
        return False
    if isinstance(parent, dict) and text not in parent:
        parent[text] = parent.pop(last)
        return True
    return False


def _split(text, comment):
    comments, code = [], []
    for line in text.splitlines():
        (comments if line.startswith(comment) else code).append(line)
    return comments, code


def _renders(cell):
    from noisecircuits.cells.csv_format import render_csv
    from noisecircuits.cells.json_format import dumps_cell
    from noisecircuits.cells.verilog_a import render_verilog_a

    return {
        "json": dumps_cell(cell),
        "spice": render_spice(cell, noise_step=1e-7),
        "verilog-a": render_verilog_a(cell),
        "csv": render_csv(cell, n_bias=3, n_temperature=2),
    }


def _check_exports(cell, clean_provenance):
    """Every export is printable ASCII; free text appears only inside single comment lines."""
    from noisecircuits.cells.model import cell_from_document
    from noisecircuits.cells.schema import validate_name

    validate_name(cell.name)
    texts = _renders(cell)
    reference_doc = cell.to_document()
    reference_doc["provenance"] = clean_provenance
    reference = _renders(cell_from_document(reference_doc, on_out_of_range="ignore"))
    for fmt, text in texts.items():
        assert all(" " <= ch <= "~" or ch == "\n" for ch in text), fmt
    assert json.loads(texts["json"]) == cell.to_document()
    for fmt, marker in (("spice", "* "), ("verilog-a", "// "), ("csv", "# ")):
        comments, code = _split(texts[fmt], marker)
        _, reference_code = _split(reference[fmt], marker)
        assert code == reference_code, fmt  # no provenance text outside a comment line
        for line in comments:
            assert line[len(marker):].startswith(_COMMENT_STARTS), (fmt, line)
    for line in texts["spice"].splitlines():  # no control, shell, include or continuation line
        assert not line.lstrip().lower().startswith(_CONTROL_WORDS), line
    return texts["spice"]


def _load_or_refuse(doc):
    """The loaded cell, or None when the document is refused with one DataError line."""
    try:
        text = json.dumps(doc)
    except (TypeError, ValueError):
        return None
    try:
        return loads_cell(text, on_out_of_range="ignore")
    except DataError as exc:
        assert "\n" not in str(exc) and "\r" not in str(exc)
        return None


def _ngspice_leaves_no_file(spice_text):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="nc_injection_") as tmp:
        work = Path(tmp)
        (work / "cell.cir").write_text(spice_text)
        (work / "deck.cir").write_text(_deck(spice_text).replace("pcell", _subckt_name(spice_text)))
        done = _run_ngspice(work)
        # the deck really ran: ngspice printed the transient of the sampler's output
        assert done.returncode == 0 and "v(o)" in done.stdout.lower(), done.stdout[-500:] + done.stderr[-500:]
        assert sorted(p.name for p in work.iterdir()) == ["cell.cir", "deck.cir"]


def _subckt_name(spice_text):
    (line,) = [ln for ln in spice_text.splitlines() if ln.startswith(".subckt ")]
    return line.split()[1]


# the string-valued fields, where text can be accepted and so reach an export
_STRING_FIELDS = [("name",), ("form",), ("correlation_time", "law"), ("correlation_time", "source"),
                  ("supply_power", "law"), ("energy_per_sample", "law"), ("provenance", "toolkit_version"),
                  ("provenance", "source"), ("provenance", "source_sha256"), ("provenance", "created_utc"),
                  ("provenance", "fit_quality", "transfer", "form")]
_MUTATIONS = st.lists(
    st.one_of(
        st.tuples(st.integers(0, 10_000), st.sampled_from(["set", "add_key", "rename_key"]), _TEXT,
                  st.one_of(st.floats(-1e3, 1e3), _TEXT)),
        st.tuples(st.sampled_from(_STRING_FIELDS), st.just("set"), st.one_of(_TEXT, _ACCEPTABLE_TEXT), st.none()),
    ),
    min_size=1, max_size=3,
)
# mostly accepted documents: any text each string field's grammar allows (dangerous words included)
_IDENTIFIER = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,62}", fullmatch=True)
_FIELD_TEXT = {
    ("name",): _IDENTIFIER,
    ("form",): st.sampled_from(["logistic", "probit"]),
    ("correlation_time", "source"): st.sampled_from(["fitted", "given"]),
    ("provenance", "toolkit_version"): st.from_regex(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}", fullmatch=True),
    ("provenance", "source"): _ACCEPTABLE_TEXT,
    ("provenance", "source_sha256"): st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    ("provenance", "created_utc"): st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", fullmatch=True),
    ("provenance", "fit_quality", "transfer", "form"): _IDENTIFIER,
}
_ACCEPTABLE = st.lists(
    st.sampled_from(sorted(_FIELD_TEXT)).flatmap(lambda f: st.tuples(st.just(f), st.just("set"), _FIELD_TEXT[f], st.none())),
    min_size=1, max_size=4,
)


def _apply(doc, mutations, paths_of):
    for where, action, text, value in mutations:
        paths = list(paths_of(doc))
        path = where if isinstance(where, tuple) else paths[where % len(paths)]
        if path in paths:
            _mutate(doc, path, action, text, value)
    return doc


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutations=st.one_of(_MUTATIONS, _ACCEPTABLE))
def test_arbitrary_strings_never_reach_an_export_as_code(pbit_doc, doc_paths, mutations):
    clean = pbit_doc()["provenance"]
    cell = _load_or_refuse(_apply(pbit_doc(), mutations, doc_paths))
    if cell is not None:
        _check_exports(cell, clean)


@pytest.mark.requires_ngspice
@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutations=st.one_of(_MUTATIONS, _ACCEPTABLE))
def test_arbitrary_strings_then_ngspice_create_no_file(pbit_doc, doc_paths, mutations):
    # 300 examples, about half of them accepted and run in ngspice: about 4 s
    clean = pbit_doc()["provenance"]
    cell = _load_or_refuse(_apply(pbit_doc(), mutations, doc_paths))
    if cell is not None:
        _ngspice_leaves_no_file(_check_exports(cell, clean))


@pytest.mark.requires_ngspice
@pytest.mark.parametrize("payload", [_PAYLOADS[0], _PAYLOADS[2]])
def test_the_exploit_string_in_every_key_and_every_field(pbit_doc, doc_paths, payload):
    """Exhaustive over the document: each key renamed to, each value set to, and a key added as the payload."""
    clean = pbit_doc()["provenance"]
    accepted = []
    tried = 0
    for path in doc_paths(pbit_doc()):
        for action in ("set", "add_key", "rename_key"):
            doc = pbit_doc()
            if not _mutate(doc, path, action, payload, 1.0):
                continue
            tried += 1
            cell = _load_or_refuse(doc)
            if cell is not None:
                accepted.append((path, action))
    assert tried > 100  # every key and every field of the document
    assert not accepted, "the payload holds a line break; no field may accept it"
    _ngspice_leaves_no_file(render_spice(loads_cell(json.dumps(pbit_doc())), noise_step=1e-7))

