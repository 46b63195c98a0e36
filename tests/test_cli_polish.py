"""What a new user meets first: readable citations (with a BibTeX form) and a clean checkout
after the README's command chain."""

import doctest
import subprocess
from pathlib import Path

import pytest

import noisecircuits
from noisecircuits import citations
from noisecircuits.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]


def test_cite_prints_numbered_readable_text(capsys):
    citations.use("kramers1940")
    refs = noisecircuits.cite()
    print(refs)
    text = capsys.readouterr().out
    assert text.startswith("[1] ") and "Kramers" in text
    assert "['" not in text  # not a raw Python list
    assert any("Kramers" in r for r in refs)  # still a list of str for programs
    assert noisecircuits.cite(format="text") == str(refs)


def test_cite_bibtex_form():
    bib = noisecircuits.cite(all_references=True, format="bibtex")
    entries = bib.split("\n\n")
    assert len(entries) == len(citations.REFERENCES)
    kramers = next(e for e in entries if e.startswith("@misc{kramers1940,"))
    assert "year = {1940}" in kramers and "doi = {10.1016/S0031-8914(40)90098-2}" in kramers
    for entry in entries:
        assert entry.count("{") == entry.count("}"), entry  # balanced: a BibTeX reader accepts it
        assert entry.endswith("\n}")
    assert r"nfet\_01v8" in bib  # BibTeX specials are escaped


def test_cite_unknown_format():
    with pytest.raises(ParameterError, match="format must be"):
        noisecircuits.cite(format="ris")


def test_citations_doctest():
    assert doctest.testmod(citations, optionflags=doctest.ELLIPSIS).failed == 0


@pytest.mark.parametrize("leftover", ["cell.json", "cell.va", "sweep/results.parquet"])
def test_readme_chain_leftovers_are_ignored(leftover):
    done = subprocess.run(["git", "check-ignore", "-q", "--no-index", leftover], cwd=ROOT)
    assert done.returncode == 0, f"{leftover} is not in .gitignore"
