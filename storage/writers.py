"""One writer at a time per SQLite file, in arrival order, across all of a process's connections.

SQLite has one write lock per file. The platform's own tables and the event store reach the
same file through separate connections, and SQLite's busy handler makes a writer that finds the
lock taken sleep and poll (1 ms growing to 100 ms): under concurrent requests a writer can lose
every poll for seconds while others take turns, and each sleep is time nobody writes. With four
clients that starved the event store's writer past its pool timeout (a 500) and cut throughput
to a fraction of one client's. Here writers queue in the order they came and are woken the
moment the lock is free, so the busy handler is left for other processes (the worker).

PostgreSQL needs none of this: its writers wait on row locks in the server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.transient import StorageBusy

# A writer that waits longer than this is answered 503 with Retry-After: the queue is that
# far behind, and the client is better told than kept waiting.
WAIT_SECONDS = 10.0


class WriterQueue:
    """A first-come-first-served lock (a ticket lock), re-entrant: a thread that holds it may
    take it again, as a write inside another write's transaction does."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next_ticket = 0
        self._serving = 0
        self._abandoned: set[int] = set()
        self._owner: int | None = None
        self._depth = 0

    @property
    def waiting(self) -> int:
        """Writers in the queue behind the one whose turn it is."""
        with self._cond:
            behind = self._next_ticket - self._serving - len(self._abandoned)
            return behind - (1 if self._owner is not None else 0)

    @contextmanager
    def turn(self, timeout: float | None = None) -> Iterator[None]:
        me = threading.get_ident()
        timeout = WAIT_SECONDS if timeout is None else timeout
        with self._cond:
            if self._owner == me:
                self._depth += 1
            else:
                ticket = self._next_ticket
                self._next_ticket += 1
                deadline = time.monotonic() + timeout
                while self._serving != ticket:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self._abandoned.add(ticket)  # skipped when its turn comes
                        raise StorageBusy("timed out waiting for the database's write lock")
                    self._cond.wait(remaining)
                self._owner, self._depth = me, 1
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
            self._serving += 1
            while self._serving in self._abandoned:
                self._abandoned.remove(self._serving)
                self._serving += 1
            self._cond.notify_all()


_queues: dict[Path, WriterQueue] = {}
_queues_lock = threading.Lock()


def writer_queue(path: Path) -> WriterQueue:
    """The one queue of the process for the file at `path`, whoever opens it."""
    key = path.resolve()
    with _queues_lock:
        return _queues.setdefault(key, WriterQueue())
