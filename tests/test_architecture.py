"""The layer table of docs/architecture.md is the package's real import graph, and no import runs up.

Every module under ``noisecircuits/`` is parsed with :mod:`ast`; every ``import`` of a
``noisecircuits`` module counts, at module level or inside a function (a lazy import still
runs when called). The table's rows are ordered bottom-up; a module may import its own layer
and the layers its row lists under "may import", all of which must stand above it in the
table. A listed dependency that no module uses is also an error: the table must say what the
code does, not what it might.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "noisecircuits"
TABLE_DOC = ROOT / "docs" / "architecture.md"


def _layer_table() -> list[dict]:
    """Rows of the ``## Layers`` table: name, module paths and the layers it may import."""
    text = TABLE_DOC.read_text(encoding="utf-8")
    section = text.split("\n## Layers", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or cells[0] in ("layer", "") or set(cells[0]) <= set("-: "):
            continue
        name = cells[0].strip("`* ")
        paths = re.findall(r"`([^`]+)`", cells[1])
        allowed = {a.strip("`* ") for a in cells[2].split(",") if a.strip() not in ("", "—", "-")}
        rows.append({"name": name, "paths": paths, "may_import": allowed})
    return rows


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _owner(module: str, rows) -> str | None:
    """Name of the layer holding ``module`` (longest matching path wins)."""
    best, best_len = None, -1
    for row in rows:
        for entry in row["paths"]:
            prefix = entry.rstrip("/").removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            if entry.endswith("/"):
                hit = module == prefix or module.startswith(prefix + ".")
            else:
                hit = module == prefix
            if hit and len(prefix) > best_len:
                best, best_len = row["name"], len(prefix)
    return best


def _imports(path: Path):
    """(line, imported module) for every absolute import of a noisecircuits module in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"{path}:{node.lineno}: relative import; the layer test reads absolute ones")
            if node.module is None:
                continue
            yield node.lineno, node.module
            for alias in node.names:  # "from noisecircuits import constants" names a module
                yield node.lineno, f"{node.module}.{alias.name}"


def _graph():
    rows = _layer_table()
    modules = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    owners = {m: _owner(m, rows) for m in modules}
    edges = []
    for module, path in modules.items():
        for line, target in _imports(path):
            if target != "noisecircuits" and not target.startswith("noisecircuits."):
                continue
            # "from noisecircuits.x import name": the module is the longest known prefix
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules:
                edges.append((module, line, target))
    return rows, modules, owners, edges


def test_table_parses_and_every_module_has_one_layer():
    rows, modules, owners, _ = _graph()
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names)) and len(names) >= 10, names
    assert not [m for m, o in owners.items() if o is None], "modules missing from the layer table"
    for row in rows:
        assert row["may_import"] <= set(names), f"{row['name']} lists unknown layers"


def test_no_import_runs_up_the_layers():
    rows, _, owners, edges = _graph()
    rank = {r["name"]: i for i, r in enumerate(rows)}
    allowed = {r["name"]: r["may_import"] for r in rows}
    for row in rows:
        above = {a for a in row["may_import"] if rank[a] > rank[row["name"]]}
        assert not above, f"layer {row['name']} may import {sorted(above)}, which stand below it in the table"
    bad = []
    for module, line, target in edges:
        mine, theirs = owners[module], owners[target]
        if theirs != mine and theirs not in allowed[mine]:
            bad.append(f"{module}:{line} ({mine}) imports {target} ({theirs})")
    assert not bad, "imports the layer table does not allow:\n" + "\n".join(bad)


def test_every_listed_dependency_is_used():
    rows, _, owners, edges = _graph()
    used = {(owners[m], owners[t]) for m, _, t in edges}
    unused = [f"{r['name']} -> {a}" for r in rows for a in sorted(r["may_import"]) if (r["name"], a) not in used]
    assert not unused, "the layer table lists dependencies no module has:\n" + "\n".join(unused)


@pytest.mark.parametrize("source, expected", [
    ("import noisecircuits.cli\n", ["noisecircuits.cli"]),
    ("def f():\n    from noisecircuits.sweeps import runner\n", ["noisecircuits.sweeps", "noisecircuits.sweeps.runner"]),
])
def test_the_scanner_sees_module_level_and_lazy_imports(tmp_path, source, expected):
    # the oracle for the scanner itself: a lazy import inside a function is found like a top-level one
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert [t for _, t in _imports(path)] == expected
