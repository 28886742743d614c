"""Read-your-writes for the threads of one process, with one catch-up run for many writes.

A write that has committed is visible to its writer once a catch-up of the read models has
*begun* after the commit and finished: that pass reads the log from the position projected so
far to its end, which holds the write. Each request running a pass of its own, as it did, made
concurrent writers queue on the tracking row's lock one after another (projections/runner.py),
each pass with its own transaction and flush, most of them finding the work already done by
the pass before. Here a thread that finds a pass running waits for the next one, which one of
the waiting threads runs for all of them: as many passes as there are moments a pass can
start, not as many as there are writes. Runners in other processes still take turns on the
row's lock, so this changes nothing across processes.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Protocol


class CatchUpFailed(RuntimeError):
    """The pass this thread waited for, run by another thread, failed (its error is logged by
    that thread's caller); the write stands, and the next pass projects it."""


class Runner(Protocol):
    def catch_up(self) -> int: ...


class SharedCatchUp:
    """Passes of one runner's catch-up, shared by the threads that need one at once."""

    def __init__(self, catch_up: Callable[[], int]) -> None:
        self._catch_up = catch_up
        self._turn = threading.Condition()
        self._begun = 0  # passes begun, numbered from 1
        self._ended = 0  # the last pass that ended (passes run one at a time, in order)
        self._running = False
        self._failed: set[int] = set()  # passes that raised (kept small: see _end)

    def __call__(self) -> None:
        """Returns once a pass that began after this call has finished (raised if it failed).
        """
        with self._turn:
            # A pass running now may have read the log before this thread's write: the one
            # after it is the first that is sure to hold it.
            needed = self._begun + 1
            while self._ended < needed and self._running:
                self._turn.wait()
            if self._ended >= needed:
                # Every pass from `needed` on began after this call: one that succeeded will do.
                if all(n in self._failed for n in range(needed, self._ended + 1)):
                    raise CatchUpFailed("the read models' catch-up failed")
                return
            self._running = True
            self._begun += 1
            mine = self._begun
        failed = True
        try:
            self._catch_up()
            failed = False
        finally:
            self._end(mine, failed)

    def _end(self, number: int, failed: bool) -> None:
        with self._turn:
            self._running = False
            self._ended = number
            # Only the passes a waiter may still ask about: the last few.
            self._failed = {n for n in self._failed if n > number - 64}
            if failed:
                self._failed.add(number)
            self._turn.notify_all()


_shared: weakref.WeakKeyDictionary[Runner, SharedCatchUp] = weakref.WeakKeyDictionary()
_shared_lock = threading.Lock()


def caught_up(runner: Runner) -> None:
    """The runner's read models hold every write this thread committed before the call."""
    with _shared_lock:
        shared = _shared.get(runner)
        if shared is None:
            shared = _shared[runner] = SharedCatchUp(runner.catch_up)
    shared()
