"""The read models' rebuild from zero (`marac projections rebuild`: the case views, then the
reporting facts) against its floor measured in the same run: reading the whole log and opening
every event, projecting nothing. A second comparison rebuilds as the runner did before holding
aggregates across batches (batches of 200, each case read from the store in every batch it
appears in), so the gain of each part shows.

The log is built in bulk through the domain (bench/history.py); before timing, the views are
projected by ordinary catch-ups, and each rebuild must give exactly the rows they gave
(sealed columns compared opened).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from bench.databases import ScratchDatabases
from bench.history import HistoryBuilder
from bench.machine import machine
from projections.folds import Folds
from projections.runner import FoldingProjector, ProjectionRunner
from security.kek import KeyMaterial
from storage.database import Cursor

# Columns sealed under a case's key: compared by what they say, not their bytes (each seal
# draws a fresh nonce).
SEALED = {"case_documents": "document", "case_labels": "label", "report_profiles": "profile"}


def read_models(platform: Platform) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the case views and the reporting facts, sorted, sealed columns opened."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    sealer = platform.cases.sealer
    tables = (*platform.runner.projector.tables(), *platform.report_runner.projector.tables())
    with platform.database.transaction(readonly=True) as cur:
        for table in tables:
            names = _columns(cur, table, platform.database.dialect)
            cur.execute(f"SELECT * FROM {table}")  # noqa: S608 - the projectors' own names
            rows = []
            for row in cur.fetchall():
                values = list(row)
                if table == "case_fact_counts" and values[names.index("cases")] == 0:
                    # A tally that fell back to nothing counts what no row counts: whether
                    # it was ever written depends on where batches happened to end.
                    continue
                if table in SEALED:
                    at, cid = names.index(SEALED[table]), values[names.index("case_id")]
                    values[at] = sealer.open(table, UUID(str(cid)), bytes(values[at]))
                rows.append(tuple(repr(v) for v in values))
            found[table] = sorted(rows)
    return found


def _columns(cur: Cursor, table: str, dialect: str) -> list[str]:
    if dialect == "sqlite":
        cur.execute("SELECT name FROM pragma_table_info(%s)", (table,))
        names = [r[0] for r in cur.fetchall()]
    else:
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                    " AND table_schema = current_schema() ORDER BY ordinal_position", (table,))
        names = [r[0] for r in cur.fetchall()]
    return names


class NothingHeld:
    """A projector as the runner drove it before aggregates were held across batches: each
    batch folds its aggregates from their first event (the comparison's side)."""

    def __init__(self, inner: FoldingProjector) -> None:
        self.inner = inner
        self.name = inner.name

    def tables(self) -> tuple[str, ...]:
        return self.inner.tables()

    def project(self, cur: Cursor, notifications: Sequence[Notification]) -> None:
        self.inner.project(cur, notifications)

    def folds(self) -> Folds:
        folds = self.inner.folds()
        folds.held_max = 0
        return folds

    def project_folded(self, cur: Cursor, notifications: Sequence[Notification],
                       folds: Folds) -> None:
        self.inner.project_folded(cur, notifications, folds)


def read_and_open_log(platform: Platform) -> float:
    """The floor: every notification read in pages and opened (decrypted, decoded); seconds."""
    app, start = platform.marac, 0
    began = time.perf_counter()
    while True:
        page = app.recorder.select_notifications(start=start, limit=5_000,
                                                 inclusive_of_start=False)
        if not page:
            return time.perf_counter() - began
        for n in page:
            app.mapper.to_domain_event(n)
        start = page[-1].id


class RebuildBenchmark:
    def __init__(self, backend: str, database_url: str | None, *, cases: int,
                 events_per_case: int, open_at_once: int, compare: bool = True) -> None:
        self.backend, self.database_url = backend, database_url
        self.cases, self.events_per_case, self.open_at_once = cases, events_per_case, open_at_once
        self.compare = compare

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            platform = build_platform(
                Settings(data_dir=scratch.dir, database_url=scratch.url("rebuild"), demo=True),
                material=KeyMaterial.generate(demo=True))
            try:
                return self._run(platform)
            finally:
                platform.close()

    def _run(self, platform: Platform) -> dict[str, Any]:
        started = time.perf_counter()
        history = HistoryBuilder(platform).build(self.cases, self.events_per_case,
                                                 self.open_at_once)
        built = time.perf_counter()
        platform.runner.catch_up()
        platform.report_runner.catch_up()
        caught_up = time.perf_counter()
        before = read_models(platform)
        log_events = platform.marac.recorder.max_notification_id() or 0

        floor_s = read_and_open_log(platform)
        timed: dict[str, Any] = {}
        for runner in (platform.runner, platform.report_runner):
            began, cpu = time.perf_counter(), time.process_time()
            projected = runner.rebuild()
            seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
            folds = runner.last_folds
            timed[runner.projector.name] = {
                "events": projected, "seconds": round(seconds, 2),
                "events_per_s": round(projected / seconds),
                # This process's own CPU (not PostgreSQL's): on a shared machine, what the
                # rate would be were this process never kept waiting for a core or the server.
                "events_per_cpu_s": round(projected / max(cpu, 1e-9)),
                "batches": folds.counts.batches if folds else None,
                "aggregates_folded": folds.counts.folded if folds else None,
                "aggregates_read_from_store": folds.counts.read_from_store if folds else None,
                "most_batches_one_case_was_folded_in": max(folds.counts.loads.values(),
                                                            default=0) if folds else None,
            }
        rebuilt = read_models(platform)
        both_s = sum(t["seconds"] for t in timed.values())
        result: dict[str, Any] = {
            "benchmark": "rebuild",
            "backend": platform.database.dialect,
            "machine": machine(),
            "config": {**history.sizes(), "log_events": log_events,
                       "open_at_once": self.open_at_once,
                       "rebuild_batch": platform.runner.rebuild_batch,
                       "rows": {t: len(r) for t, r in before.items() if r}},
            "build_s": round(built - started, 1),
            "catch_up_from_zero_s": round(caught_up - built, 1),
            "floor_read_and_open_log_events_per_s": round(log_events / floor_s),
            "rebuild": timed,
            "rebuild_both_events_per_s": round(log_events / both_s),
            "rebuild_cases_over_floor": round(
                timed["cases"]["events_per_s"] * floor_s / log_events, 3),
            "rebuild_gives_identical_rows": before == rebuilt,
        }
        if self.compare:
            result["nothing_held_batch_200"] = self._nothing_held(platform, before)
        return result

    @staticmethod
    def _nothing_held(platform: Platform, before: dict[str, list[tuple[Any, ...]]]
                      ) -> dict[str, Any]:
        inner = platform.runner.projector
        assert isinstance(inner, FoldingProjector)  # noqa: S101 - the case views' projector
        runner = ProjectionRunner(platform.marac, platform.database, NothingHeld(inner),
                                  rebuild_batch=200)
        began = time.perf_counter()
        projected = runner.rebuild()
        seconds = time.perf_counter() - began
        folds = runner.last_folds
        return {"events": projected, "seconds": round(seconds, 2),
                "cases_events_per_s": round(projected / seconds),
                "aggregates_read_from_store": folds.counts.read_from_store if folds else None,
                "gives_identical_rows": read_models(platform) == before}
