"""How long work says how far it got: a bar on a terminal, one line per step otherwise, or nothing.

The generator, the importer and the runner take a :class:`Progress` (keyword ``progress=``)
and call three methods; what the user sees is decided once, by the command, from where the
output goes and ``--quiet``:

    progress = Progress.for_stream(quiet=args.quiet)         # the command, once
    with progress.step("import orders.csv", total=size, unit="B"):   # the worker, per step
        for chunk in chunks:
            ...
            progress.advance(len(chunk))
        progress.done(f"{rows:,} rows, {rejected:,} rejected")

- ``step(label, total=None, unit="")`` starts a step (and finishes an open one); as a context
  manager it finishes the step at the end of the block (a step already ``done`` is not repeated).
- ``advance(n=1, note=None)`` moves it on; a ``note`` is a line worth keeping (the generator's
  month, the runner's finished asset): printed as its own line, or shown beside the bar.
- ``done(note=None)`` finishes it: one line, ``label: note (12.3 s)``.

A Dagster run reports through a logger (``defs/ops/progress.py``), which cannot be handed an
object: the command makes its ``Progress`` the process's current one with
``with reporting_to(progress):`` and the logger finds it with :func:`current`.

Modes: ``bar`` redraws one line in place on a terminal (at most ten times a second); ``lines``
prints only the notes and the finishing lines, so a log file or CI output gets one line per
step and nothing else; ``quiet`` prints nothing. Progress goes to stderr: stdout keeps what a
script reads (reports, the run summary).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Literal, TextIO

Mode = Literal["bar", "lines", "quiet"]
REDRAW_EVERY_S = 0.1
BAR_WIDTH = 24


class Progress:
    """Progress of one command's long work (module docstring)."""

    def __init__(self, mode: Mode = "lines", stream: TextIO | None = None) -> None:
        self.mode: Mode = mode
        self._stream = stream
        self._label: str | None = None
        self._total: int | None = None
        self._unit = ""
        self._count = 0
        self._note = ""
        self._started = 0.0
        self._drawn = 0.0
        self._bar_shown = False

    @classmethod
    def for_stream(cls, quiet: bool = False, stream: TextIO | None = None) -> Progress:
        """``quiet`` -> nothing; a terminal -> a bar; anything else (a file, a pipe) -> lines."""
        if quiet:
            return cls("quiet", stream)
        out = stream or sys.stderr
        return cls("bar" if _isatty(out) else "lines", stream)

    @classmethod
    def silent(cls) -> Progress:
        """For callers given no progress: every call is a no-op."""
        return cls("quiet")

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stderr

    # ------------------------------------------------------------------ the three calls

    def step(self, label: str, total: int | None = None, unit: str = "") -> Progress:
        if self._label is not None:
            self.done()
        self._label, self._total, self._unit = label, total, unit
        self._count, self._note = 0, ""
        self._started = time.monotonic()
        self._drawn = 0.0
        self._draw(force=True)
        return self

    def advance(self, n: int = 1, note: str | None = None) -> None:
        self._count += n
        if note is not None:
            self._note = note
            if self.mode == "lines":
                self._write(f"  {note}\n")
        self._draw(force=note is not None)

    def done(self, note: str | None = None) -> None:
        if self._label is None:
            return
        seconds = time.monotonic() - self._started
        summary = note if note is not None else self._counted()
        line = (
            f"{self._label}: {summary} ({seconds:.1f} s)" if summary else f"{self._label} ({seconds:.1f} s)"
        )
        self._clear_bar()
        if self.mode != "quiet":
            self._write(line + "\n")
        self._label = None

    def message(self, text: str) -> None:
        """A line that is not a step's (a warning, a hint): printed above the bar, not in quiet mode."""
        if self.mode == "quiet":
            return
        self._clear_bar()
        self._write(text + "\n")
        self._draw(force=True)

    # ------------------------------------------------------------------ context manager

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.done()
        else:
            self._clear_bar()
            self._label = None

    # ------------------------------------------------------------------ drawing

    def _counted(self) -> str:
        if self._total is None and not self._count:
            return ""
        return f"{_amount(self._count, self._unit)}" + (
            f" of {_amount(self._total, self._unit)}" if self._total is not None else ""
        )

    def _draw(self, force: bool = False) -> None:
        if self.mode != "bar" or self._label is None:
            return
        now = time.monotonic()
        if not force and now - self._drawn < REDRAW_EVERY_S:
            return
        self._drawn = now
        elapsed = _duration(now - self._started)
        if self._total:
            filled = min(BAR_WIDTH, int(BAR_WIDTH * self._count / self._total))
            bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self._counted()}"
        else:
            bar = self._counted()
        line = f"{self._label} {bar} {elapsed}  {self._note}".rstrip()
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self._write("\r\033[K" + line[:width])
        self._bar_shown = True

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self._write("\r\033[K")
            self._bar_shown = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _amount(n: int, unit: str) -> str:
    if unit == "B":
        for suffix, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
            if n >= size:
                return f"{n / size:.1f} {suffix}"
        return f"{n} B"
    return f"{n:,}" + (f" {unit}" if unit else "")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


_current: Progress | None = None


@contextmanager
def reporting_to(progress: Progress) -> Iterator[Progress]:
    """Make ``progress`` the one :func:`current` returns for the duration of the block."""
    global _current
    previous, _current = _current, progress
    try:
        yield progress
    finally:
        _current = previous


def current() -> Progress:
    """The progress the running command reports to; silent when no command set one."""
    return _current or Progress.silent()
