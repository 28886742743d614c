"""services/read_your_writes.py: a writer returns only after a catch-up pass that began after
its call has ended, and the writers that arrive during one pass share the next."""

from __future__ import annotations

import threading

from services.read_your_writes import CatchUpFailed, SharedCatchUp


class Passes:
    """A catch-up whose passes are counted, and whose first pass is held until released, so
    that others can be made to arrive while it runs."""

    def __init__(self, fail: set[int] | None = None) -> None:
        self.count = 0
        self.first_started = threading.Event()
        self.release_first = threading.Event()
        self.fail = fail or set()

    def __call__(self) -> int:
        self.count += 1
        number = self.count
        if number == 1:
            self.first_started.set()
            self.release_first.wait()
        if number in self.fail:
            raise RuntimeError("the database went away")
        return 0


def _during_first_pass(passes: Passes, shared: SharedCatchUp, waiting: int) -> list[object]:
    """Runs `waiting` callers that arrive while the first pass runs; their outcomes."""
    outcomes: list[object] = []
    first = threading.Thread(target=lambda: outcomes.append(_outcome(shared)))
    first.start()
    passes.first_started.wait()
    others = [threading.Thread(target=lambda: outcomes.append(_outcome(shared)))
              for _ in range(waiting)]
    for thread in others:
        thread.start()
    # Each has seen the running pass and waits on it (the only way a caller waits).
    while sum(1 for t in others if t.is_alive()) < waiting or not _all_waiting(shared, waiting):
        pass
    passes.release_first.set()
    for thread in [first, *others]:
        thread.join()
    return outcomes


def _all_waiting(shared: SharedCatchUp, waiting: int) -> bool:
    return len(shared._turn._waiters) == waiting  # type: ignore[attr-defined]


def _outcome(shared: SharedCatchUp) -> object:
    try:
        shared()
    except Exception as exc:  # the outcome is what is asserted
        return exc
    return "ok"


def test_writers_arriving_during_a_pass_share_the_next_one() -> None:
    passes = Passes()
    shared = SharedCatchUp(passes)
    outcomes = _during_first_pass(passes, shared, waiting=3)
    # The running pass may have read the log before their writes: one more, for all three.
    assert passes.count == 2
    assert outcomes == ["ok"] * 4


def test_a_writer_alone_runs_its_own_pass() -> None:
    passes = Passes()
    passes.release_first.set()
    shared = SharedCatchUp(passes)
    shared()
    shared()
    assert passes.count == 2


def test_a_failed_shared_pass_fails_those_who_waited_for_it() -> None:
    passes = Passes(fail={2})
    shared = SharedCatchUp(passes)
    outcomes = _during_first_pass(passes, shared, waiting=2)
    # The pass's runner sees the database's own error; the one who waited is told it failed.
    assert outcomes.count("ok") == 1
    assert [type(o) for o in outcomes if o != "ok"] in ([RuntimeError, CatchUpFailed],
                                                        [CatchUpFailed, RuntimeError])
    shared()  # the next writer runs a pass of its own, which succeeds
    assert passes.count == 3
