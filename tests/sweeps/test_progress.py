"""The progress helper: a bar only when asked or on a terminal, always one summary line."""

import io

from noisecircuits.progress import progress


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_not_a_terminal_gives_only_the_summary_line():
    stream = io.StringIO()
    with progress(5, "sweep demo", unit="point", stream=stream, initial=2) as bar:
        bar.update(3)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sweep demo: 5/5 points in ") and "2 already done" in lines[0]


def test_terminal_gets_a_bar_with_rate_then_the_summary():
    stream = _Terminal()
    with progress(4, "runs", unit="run", stream=stream) as bar:
        for _ in range(4):
            bar.update()
    text = stream.getvalue()
    assert "4/4" in text and "run/s" in text  # tqdm's rate field
    assert text.rstrip().splitlines()[-1].startswith("runs: 4/4 runs in ")


def test_disabled_and_silent():
    stream = _Terminal()
    with progress(2, enabled=False, summary=False, stream=stream) as bar:
        bar.update(2)
    assert stream.getvalue() == "" and bar.count == 2


def test_no_summary_line_when_the_work_fails():
    import io

    import pytest

    from noisecircuits.progress import progress

    stream = io.StringIO()
    with pytest.raises(ValueError), progress(3, "work", enabled=False, stream=stream) as bar:
        bar.update()
        raise ValueError("bad input")
    assert stream.getvalue() == ""  # the command's one error line stays the only line
