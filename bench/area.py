"""A large area, as issue 19 sizes it (50,000 cases of about 40 events: 2M events), built
through the domain (bench/history.py: referred, accepted and worked, the cases' events
interleaved as a busy area's are), then measured where size tells:

- the read models rebuilt from zero (`marac projections rebuild`), against reading and opening
  the whole log with nothing projected (the floor), both timed in this run;
- the case view at that size against a plain read of the same row (bench/read.py's sides).

It is the one part of `marac bench national` that builds millions of events, so its size is
an option; the JSON states the size it ran at.
"""

from __future__ import annotations

import time
from typing import Any

from api.bootstrap import Platform
from bench.history import HistoryBuilder
from bench.read import ReadBenchmark
from bench.rebuild import read_and_open_log

OPEN_AT_ONCE = 150  # cases worked at a time: each case's events spread among ~150 others'


class AreaBenchmark(ReadBenchmark):
    def __init__(self, backend: str, database_url: str | None, *, cases: int,
                 events_per_case: int, reads: int = 1000) -> None:
        super().__init__(backend, database_url, cases=cases, reads=reads)
        self.events_per_case = events_per_case

    def _populate(self, stack: Platform) -> dict[str, float]:
        started = time.perf_counter()
        history = HistoryBuilder(stack).build(self.n_cases, self.events_per_case, OPEN_AT_ONCE)
        built = time.perf_counter() - started
        self.area_id, self.case_ids = history.area_id, history.case_ids
        events = stack.marac.recorder.max_notification_id() or 0
        floor_s = read_and_open_log(stack)
        setup: dict[str, Any] = {"events": events, "build_s": round(built, 1),
                                 "floor_read_and_open_log_events_per_s": round(events / floor_s)}
        for runner in (stack.runner, stack.report_runner):
            began, cpu = time.perf_counter(), time.process_time()
            projected = runner.rebuild()
            seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
            name = runner.projector.name
            setup[f"rebuild_{name}_s"] = round(seconds, 1)
            setup[f"rebuild_{name}_events_per_s"] = round(projected / seconds)
            setup[f"rebuild_{name}_events_per_cpu_s"] = round(projected / max(cpu, 1e-9))
        return setup
