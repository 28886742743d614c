"""Progress of a long command for the person running it, on standard error (standard output
carries the command's JSON): a bar redrawn in place on a terminal; elsewhere (a log, CI) a line
at each tenth of the way and at least every 30 seconds, so that a log shows it moving without
a line for every batch."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR = 30  # characters
STEPS = 10  # lines off a terminal: one a tenth
EVERY = 30.0  # seconds: a line at least this often off a terminal, whatever the tenth


class Progress:
    """Called with (done, total) as the work goes on; `finish()` ends the line."""

    def __init__(self, label: str, unit: str, *, stream: TextIO | None = None,
                 tty: bool | None = None, monotonic: Callable[[], float] = time.monotonic
                 ) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.monotonic = monotonic
        self.done = self.total = 0
        self._step = -1  # the last tenth a line was written for
        self._last = float("-inf")
        self._finished = False

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, max(total, done)
        if self.tty:
            self._draw()
            return
        step = self.done * STEPS // self.total if self.total else STEPS
        if step > self._step or self.monotonic() - self._last >= EVERY:
            self._step = step
            self._line()

    def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self.tty:
            self._draw()
            self.stream.write("\n")
        elif self._step < STEPS:
            self._step = STEPS
            self._line()
        self.stream.flush()

    def _percent(self) -> int:
        return 100 * self.done // self.total if self.total else 100

    def _line(self) -> None:
        self._last = self.monotonic()
        self.stream.write(f"marac {self.label}: {self.done:,} of {self.total:,} {self.unit} "
                          f"({self._percent()}%)\n")
        self.stream.flush()

    def _draw(self) -> None:
        filled = BAR * self._percent() // 100
        self.stream.write(f"\rmarac {self.label} [{'#' * filled}{'.' * (BAR - filled)}] "
                          f"{self.done:,}/{self.total:,} {self.unit} {self._percent()}%")
        self.stream.flush()
