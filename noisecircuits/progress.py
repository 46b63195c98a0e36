"""Progress reporting for long commands: a tqdm bar on stderr, or one summary line.

The bar (with rate and ETA) is shown only when stderr is a terminal and the caller did not
ask for quiet output (the command line passes ``enabled=False`` under ``--json``). In every
case :meth:`Progress.close` writes one final summary line on stderr, e.g.
``sweep: 24/24 points in 3.1 s (7.7 points/s)``.

Example
-------
>>> from noisecircuits.progress import progress
>>> with progress(total=3, description="demo", unit="step", enabled=False, summary=False) as bar:
...     for _ in range(3):
...         bar.update()
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "progress"]


class Progress:
    """Counts finished work items; draws a tqdm bar when wanted and ends with a summary line.

    Parameters
    ----------
    total : int
        Number of work items expected [-].
    description : str
        Short label shown before the bar and in the summary line.
    unit : str
        Name of one work item (``"point"``, ``"sweep"``, ``"run"``).
    enabled : bool or None
        ``True``/``False`` force the bar on/off; ``None`` shows it when stderr is a terminal.
    summary : bool
        Write the final summary line on stderr when closed.
    stream : file-like or None
        Where the bar and the summary go; ``None`` means ``sys.stderr``.
    initial : int
        Items already done before this run (e.g. resumed points) [-].
    """

    def __init__(self, total, description="", unit="item", enabled=None, summary=True, stream=None, initial=0):
        self.total = int(total)
        self.description = description
        self.unit = unit
        self.summary = summary
        self.stream = sys.stderr if stream is None else stream
        self.initial = int(initial)
        self.count = self.initial
        self._start = time.perf_counter()
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self._bar = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=self.total, initial=self.initial, desc=description, unit=unit, file=self.stream,
                dynamic_ncols=True,
            )
        self._closed = False

    def update(self, n: int = 1) -> None:
        """Record ``n`` more finished items [-]."""
        self.count += n
        if self._bar is not None:
            self._bar.update(n)

    @property
    def elapsed(self) -> float:
        """Seconds since the progress started [s]."""
        return time.perf_counter() - self._start

    def summary_line(self) -> str:
        """The one-line summary: done/total, elapsed time and rate of this run."""
        elapsed = self.elapsed
        done_here = self.count - self.initial
        rate = done_here / elapsed if elapsed > 0 else float("inf")
        prefix = f"{self.description}: " if self.description else ""
        extra = f", {self.initial} already done" if self.initial else ""
        return f"{prefix}{self.count}/{self.total} {self.unit}s in {elapsed:.1f} s ({rate:.3g} {self.unit}s/s{extra})"

    def close(self) -> None:
        """Close the bar and write the summary line (once)."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
        if self.summary:
            self.stream.write(self.summary_line() + "\n")
            self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:  # a failing command prints its one error line, not a summary too
            self.summary = False
        self.close()
        return False


def progress(total, description="", *, unit="item", enabled=None, summary=True, stream=None, initial=0) -> Progress:
    """Start a :class:`Progress` (use it as a context manager).

    Parameters
    ----------
    total : int
        Number of work items expected [-].
    description : str
        Short label for the bar and the summary line.
    unit : str
        Name of one work item.
    enabled : bool or None
        Force the bar on/off; ``None`` shows it only when the stream is a terminal.
    summary : bool
        Write a final summary line on close.
    stream : file-like or None
        Output stream; default ``sys.stderr``.
    initial : int
        Items already done [-].

    Returns
    -------
    Progress
    """
    return Progress(total, description, unit, enabled, summary, stream, initial)
