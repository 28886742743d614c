"""Audit appends handed to one thread: a read's commit and flush overlap the rest of its
request, and records that arrive while a commit is in flight share the next transaction and
its one flush (group commit).

A record handed over here is durable only once its `PendingAppend` resolves: whoever holds
the response waits for that before it leaves (the audit guard in api/auth.py). Records are
appended in the order they arrived, each answered by the commit that covers it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from queue import Empty, SimpleQueue
from typing import Generic, TypeVar

T = TypeVar("T")

# Bounds one transaction's hold on the write lock (SQLite) or the head row (PostgreSQL).
MAX_BATCH = 64
# How long submit() waits for an idle thread to take its record: a thread switch takes tens
# of microseconds; if it is missed (a loaded machine), the wait costs at most this.
HANDOVER_WAIT = 0.001


class PendingAppend:
    """An append under way: its sequence number once committed (and flushed, unless the
    relaxed mode is set), or the error that kept it out of the trail."""

    def __init__(self, future: Future[int]) -> None:
        self._future = future

    @classmethod
    def settled(cls, seq: int) -> PendingAppend:
        future: Future[int] = Future()
        future.set_result(seq)
        return cls(future)

    def wait(self) -> int:
        return self._future.result()

    async def wait_async(self) -> int:
        if self._future.done():
            return self._future.result()
        return await asyncio.wrap_future(self._future)


class AppendQueue(Generic[T]):
    """One thread per queue, started on first use, that calls `append` with every item
    waiting (at most MAX_BATCH) and answers each with the sequence number it got."""

    def __init__(self, append: Callable[[Sequence[T]], list[int]], name: str) -> None:
        self._append = append
        self._name = name
        self._queue: SimpleQueue[tuple[T, Future[int], threading.Event] | None] = SimpleQueue()
        self._thread: threading.Thread | None = None
        self._running: threading.Thread | None = None  # the thread that last ran _run
        self._committing = False  # the thread is in a commit (not waiting for records)
        self._lock = threading.Lock()

    @property
    def waiting(self) -> int:
        """Records handed over and not yet taken into a commit."""
        return self._queue.qsize()

    def on_its_thread(self) -> bool:
        """Whether the caller is this queue's thread (appending what was handed over)."""
        return self._running is threading.current_thread()

    def submit(self, item: T) -> PendingAppend:
        """Hands `item` over; to an idle thread, returns once it has taken it. The thread
        needs the interpreter lock to send the append, and the caller, building its
        response, would keep it (CPython takes it from a running thread only every 5 ms):
        measured, the thread then often started only once the response was built, and the
        append overlapped nothing. Waiting here on an event lets the thread run first."""
        future: Future[int] = Future()
        taken = threading.Event()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._queue.put((item, future, taken))
        if not self._committing:  # a busy thread takes it after its commit: no use waiting
            taken.wait(HANDOVER_WAIT)
        return PendingAppend(future)

    def close(self) -> None:
        """Appends what was handed over, then stops the thread (a later submit starts one)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        self._running = threading.current_thread()
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = [first], False
            while len(batch) < MAX_BATCH:
                try:
                    entry = self._queue.get_nowait()
                except Empty:
                    break
                if entry is None:
                    stop = True
                    break
                batch.append(entry)
            self._committing = True
            for _, _, taken in batch:
                taken.set()
            try:
                self._commit([(item, future) for item, future, _ in batch])
            finally:
                self._committing = False
            if stop:
                return

    def _commit(self, batch: list[tuple[T, Future[int]]]) -> None:
        try:
            seqs = self._append([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            # Nothing of the batch was committed (one transaction); appended one by one, a
            # record that cannot be written fails only its own request.
            for entry in batch:
                self._commit([entry])
            return
        for (_, future), seq in zip(batch, seqs, strict=True):
            future.set_result(seq)
