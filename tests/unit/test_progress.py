"""Progress for people (api/progress.py): a bar redrawn in place on a terminal; off one, a line
a tenth of the way and at least every 30 seconds, never one a batch."""

from __future__ import annotations

import io

from api.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self) -> float:
        return self.at


def test_off_a_terminal_a_line_each_tenth_of_the_way_and_the_end_once() -> None:
    out = io.StringIO()
    progress = Progress("projections rebuild", "events", stream=out, tty=False,
                        monotonic=Clock())
    for done in range(0, 1001, 7):  # 143 batches
        progress(done, 1000)
    progress(1000, 1000)
    progress.finish()
    progress.finish()
    lines = out.getvalue().splitlines()
    assert lines[0] == "marac projections rebuild: 0 of 1,000 events (0%)"
    assert lines[-1] == "marac projections rebuild: 1,000 of 1,000 events (100%)"
    assert len(lines) == 11


def test_off_a_terminal_a_slow_tenth_still_shows_a_line_every_30_seconds() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress("audit verify", "records", stream=out, tty=False, monotonic=clock)
    progress(0, 1000)
    progress(10, 1000)
    clock.at = 29.0
    progress(20, 1000)
    assert len(out.getvalue().splitlines()) == 1
    clock.at = 31.0
    progress(30, 1000)
    assert out.getvalue().splitlines()[-1] == "marac audit verify: 30 of 1,000 records (3%)"


def test_on_a_terminal_one_bar_redrawn_in_place() -> None:
    out = io.StringIO()
    progress = Progress("retention run (cases)", "cases erased", stream=out, tty=True)
    progress(0, 4)
    progress(2, 4)
    progress(4, 4)
    progress.finish()
    text = out.getvalue()
    assert text.count("\n") == 1
    assert text.endswith("\n")
    assert text.count("\r") == 4
    assert text.rstrip("\n").rsplit("\r", 1)[-1] == (
        "marac retention run (cases) [" + "#" * 30 + "] 4/4 cases erased 100%")


def test_nothing_to_do_is_done() -> None:
    out = io.StringIO()
    progress = Progress("retention run (cases)", "cases erased", stream=out, tty=False)
    progress(0, 0)
    progress.finish()
    assert out.getvalue() == "marac retention run (cases): 0 of 0 cases erased (100%)\n"
