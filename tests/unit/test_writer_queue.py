"""The queue of a process's SQLite writers: first come, first served; re-entrant; a writer that
cannot have its turn in time gets a transient refusal and leaves the queue."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from eventsourcing.persistence import ConnectionUnavailableError, OperationalError

from audit.trail import AuditUnavailable
from storage.transient import StorageBusy, is_transient
from storage.writers import WriterQueue, writer_queue


def test_writers_have_their_turns_in_the_order_they_came() -> None:
    queue, order = WriterQueue(), []

    def writer(n: int) -> None:
        with queue.turn():
            order.append(n)

    threads = []
    with queue.turn():
        for n in range(5):
            thread = threading.Thread(target=writer, args=(n,))
            thread.start()
            threads.append(thread)
            while queue.waiting < n + 1:  # the next writer starts once this one is queued
                time.sleep(0.001)
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4]
    assert queue.waiting == 0


def test_a_writer_may_take_its_turn_again_inside_its_turn() -> None:
    queue = WriterQueue()
    with queue.turn(), queue.turn():
        pass
    with queue.turn(timeout=0):  # and it was given back whole
        pass


def test_a_writer_that_waits_too_long_is_refused_and_leaves_the_queue() -> None:
    queue, refused = WriterQueue(), []

    def impatient() -> None:
        try:
            with queue.turn(timeout=0.01):
                pass
        except StorageBusy as exc:
            refused.append(exc)

    with queue.turn():
        thread = threading.Thread(target=impatient)
        thread.start()
        thread.join()
    assert len(refused) == 1
    with queue.turn(timeout=0):  # the abandoned ticket did not block the next writer
        pass


def test_one_queue_per_file(tmp_path: Path) -> None:
    assert writer_queue(tmp_path / "a.sqlite") is writer_queue(tmp_path / "x" / ".." / "a.sqlite")
    assert writer_queue(tmp_path / "a.sqlite") is not writer_queue(tmp_path / "b.sqlite")


@pytest.mark.parametrize("error", [
    StorageBusy("queue"),
    ConnectionUnavailableError("Timed out waiting for return of writer"),
    sqlite3.OperationalError("database is locked"),
])
def test_busy_databases_are_transient_however_wrapped(error: Exception) -> None:
    def audited_write() -> None:
        try:
            try:
                raise error
            except Exception as inner:
                raise OperationalError(inner) from inner
        except OperationalError as wrapped:
            raise AuditUnavailable("the audit trail could not be written") from wrapped

    with pytest.raises(AuditUnavailable) as raised:
        audited_write()
    assert is_transient(raised.value)


def test_other_database_errors_are_not_transient() -> None:
    assert not is_transient(sqlite3.OperationalError("no such table: cases"))
    assert not is_transient(ValueError("x"))
