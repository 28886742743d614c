"""What the retention job's pass over subject access requests costs as the event log grows.

The requests are listed from the notification log by their `Received` topic (services/retention.py:
the log is the one complete list), which the database answers by scanning the event table.
`subject_access_pass_ms`: the whole pass (`erase_expired_subject_access`, dry run: list, load
each request, decide) over N events of which R are requests; `full_count_ms`, the baseline in
the same run: `SELECT count(*)` of the same table, the floor of any pass that reads it all.
Alternating rounds; medians.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import date
from typing import Any

from api.bootstrap import Platform, build_platform
from api.retention import erase_expired_subject_access
from api.settings import Settings
from bench.databases import ScratchDatabases
from bench.machine import machine
from domain.subjects import Subject
from security.kek import KeyMaterial

ROUNDS = 6
BATCH = 50_000
FILLER_TOPIC = "domain.case:Case.Referred"  # a case's event: what most of the log is


class RetentionBenchmark:
    def __init__(self, backend: str, database_url: str | None, *, events: int = 1_000_000,
                 requests: int = 20) -> None:
        self.backend, self.database_url = backend, database_url
        self.events, self.requests = events, requests

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            platform = build_platform(
                Settings(data_dir=scratch.dir / "data", database_url=scratch.url("retention"),
                         demo=True), material=KeyMaterial.generate(demo=True))
            try:
                self._fill(platform)
                timings = self._rounds(platform)
            finally:
                platform.close()
        passes, counts = timings["pass"], timings["count"]
        return {
            "backend": scratch.dialect,
            "events": self.events + self.requests,
            "subject_access_requests": self.requests,
            "subject_access_pass_ms": round(statistics.median(passes) * 1000, 1),
            "full_count_ms": round(statistics.median(counts) * 1000, 1),
            "pass_over_full_count": round(statistics.median(passes) / statistics.median(counts),
                                          2),
            "config": {"rounds": ROUNDS, "filler_state_bytes": 400},
            "machine": machine(),
        }

    def _fill(self, platform: Platform) -> None:
        area = platform.marac.create_area("bench-retention", "Bench")
        for n in range(self.requests):
            subject = Subject(uuid.uuid4(), "victim", "Ann", f"Benchxq{n}",
                              date_of_birth=date(1980, 1, 2))
            platform.marac.receive_subject_access_request(area, subject, "dpo-1")
        table = platform.marac.recorder.events_table_name  # type: ignore[attr-defined]
        state = os.urandom(400)
        for done in range(0, self.events, BATCH):
            rows = [(str(uuid.uuid4()), state)
                    for _ in range(min(BATCH, self.events - done))]
            with platform.database.transaction() as cur:
                cur.executemany(
                    f"INSERT INTO {table} (originator_id, originator_version, topic, state) "  # noqa: S608
                    f"VALUES (%s, 1, '{FILLER_TOPIC}', %s)", rows)

    def _rounds(self, platform: Platform) -> dict[str, list[float]]:
        table = platform.marac.recorder.events_table_name  # type: ignore[attr-defined]
        today = platform.marac.today()
        timings: dict[str, list[float]] = {"pass": [], "count": []}
        for round_ in range(ROUNDS):
            for side in ("pass", "count") if round_ % 2 == 0 else ("count", "pass"):
                started = time.perf_counter()
                if side == "pass":
                    if erase_expired_subject_access(platform, today, dry_run=True):
                        raise RuntimeError("requests received today cannot be due")
                else:
                    with platform.database.transaction(readonly=True) as cur:
                        cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
                        cur.fetchone()
                timings[side].append(time.perf_counter() - started)
        return timings
