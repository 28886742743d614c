"""The audit's append queue: records that wait behind a commit share the next one (group
commit), in the order they came; a record that cannot be written fails only its own request."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from audit import append_queue
from audit.append_queue import AppendQueue, PendingAppend


class Log:
    """A stand-in for the trail: numbers the items of each call in order, and can be held
    inside a call so that others queue behind it."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self._seq = 0

    def append(self, batch: Sequence[str]) -> list[int]:
        self.calls.append(list(batch))
        self.entered.set()
        self.release.wait()
        if "unwritable" in batch:
            raise ValueError("cannot be written")
        seqs = list(range(self._seq + 1, self._seq + 1 + len(batch)))
        self._seq += len(batch)
        return seqs


def wait_until_queued(queue: AppendQueue[str], count: int) -> None:
    while queue.waiting < count:
        time.sleep(0.001)


def test_records_that_wait_behind_a_commit_share_the_next_one_in_the_order_they_came() -> None:
    log = Log()
    queue = AppendQueue(log.append, "test-append")
    log.release.clear()
    first = queue.submit("a")
    log.entered.wait()  # "a" is being committed
    pending = [queue.submit(item) for item in ("b", "c", "d")]
    wait_until_queued(queue, 3)
    log.release.set()
    assert [first.wait(), *(p.wait() for p in pending)] == [1, 2, 3, 4]
    assert log.calls == [["a"], ["b", "c", "d"]]
    queue.close()


def test_an_idle_thread_has_taken_the_record_when_submit_returns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread runs first: the caller, building its response, would otherwise keep the
    interpreter lock and the append would start only after it (HANDOVER_WAIT made long here
    so that a loaded machine cannot make the test flaky)."""
    monkeypatch.setattr(append_queue, "HANDOVER_WAIT", 10.0)
    log = Log()
    queue = AppendQueue(log.append, "test-append")
    queue.submit("warm").wait()
    for n in range(20):
        log.release.clear()
        pending = queue.submit(f"r{n}")
        assert queue.waiting == 0
        log.entered.wait()
        log.entered.clear()
        log.release.set()
        assert pending.wait() == n + 2
    queue.close()


def test_a_record_that_cannot_be_written_fails_only_its_own_request() -> None:
    log = Log()
    queue = AppendQueue(log.append, "test-append")
    log.release.clear()
    queue.submit("a")
    log.entered.wait()
    good, bad, also_good = (queue.submit(item) for item in ("b", "unwritable", "c"))
    wait_until_queued(queue, 3)
    log.release.set()
    assert good.wait() == 2
    with pytest.raises(ValueError, match="cannot be written"):
        bad.wait()
    assert also_good.wait() == 3
    # The shared commit failed whole; each was then appended alone, still in order.
    assert log.calls[1:] == [["b", "unwritable", "c"], ["b"], ["unwritable"], ["c"]]
    queue.close()


def test_closing_appends_what_was_handed_over_first() -> None:
    log = Log()
    queue = AppendQueue(log.append, "test-append")
    log.release.clear()
    pending = [queue.submit(item) for item in ("a", "b")]
    closing = threading.Thread(target=queue.close)
    closing.start()
    log.release.set()
    closing.join()
    assert [p.wait() for p in pending] == [1, 2]
    assert queue.submit("c").wait() == 3  # a later record starts the thread again
    queue.close()


def test_an_event_loop_waits_for_an_append_without_blocking() -> None:
    log = Log()
    queue = AppendQueue(log.append, "test-append")
    log.release.clear()
    pending = queue.submit("a")

    async def answer() -> tuple[int, bool]:
        ticked = False

        async def tick() -> None:
            nonlocal ticked
            ticked = True  # ran while the append was still held
            log.release.set()

        ticker = asyncio.get_running_loop().create_task(tick())
        seq = await pending.wait_async()
        await ticker
        return seq, ticked

    assert asyncio.run(answer()) == (1, True)
    assert asyncio.run(PendingAppend.settled(7).wait_async()) == 7
    queue.close()
