"""The case views' lag behind the event store at a sustained rate, against its floor measured
in the same run: being woken by the store's NOTIFY and reading the log's head, projecting
nothing.

The HTTP referral path cannot yet sustain 500 writes a second on this machine, so the bench
drives the store directly, as the application writes: writer processes (spawned, so that they
do not share the projector's interpreter lock) each hold cases in memory and save one command
at a time through the domain application (`Marac.save`: sealed under the case's key, one
transaction, the store's NOTIFY on commit), at a paced rate. The case views' runner runs as
the worker runs it (woken by NOTIFY on PostgreSQL, polling as the fallback; SQLite polls),
alone: the worker's other loops are not running. Lag is from each event's commit (the writer's
clock) to the commit of the projection batch that took it in (the runner's): both monotonic
clocks of one machine.
"""

from __future__ import annotations

import multiprocessing
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from api.bootstrap import Platform, build_platform
from api.settings import Settings
from bench.databases import ScratchDatabases
from bench.history import History, HistoryBuilder
from bench.machine import machine
from security.kek import KeyMaterial


@dataclass(frozen=True)
class Writer:
    data_dir: Path
    database_url: str
    material: KeyMaterial
    area_id: UUID
    agencies: list[UUID]
    case_ids: list[UUID]
    rate: float
    seconds: float


def write(writer: Writer, start_at: float,
          results: multiprocessing.Queue[list[tuple[int, float]]]) -> None:
    """Save one command at a time at `rate` a second from `start_at` (perf_counter) for
    `seconds`; put (notification id, commit time) of each."""
    platform = build_platform(Settings(data_dir=writer.data_dir,
                                       database_url=writer.database_url, demo=True),
                              material=writer.material)
    committed: list[tuple[int, float]] = []
    try:
        builder = HistoryBuilder(platform)
        history = History(writer.area_id, writer.agencies, list(writer.case_ids))
        cases = [platform.marac.get_case(c) for c in writer.case_ids]
        works = [builder.work(c, history, 1_000_000) for c in cases]
        while time.perf_counter() < start_at:
            time.sleep(0.001)
        n = 0
        while True:
            due = start_at + n / writer.rate
            if due > start_at + writer.seconds:
                break
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            i = n % len(cases)
            next(works[i])
            recordings = platform.marac.save(cases[i])
            committed.append((recordings[-1].notification.id, time.perf_counter()))
            n += 1
    finally:
        platform.close()
        results.put(committed)


class ProjectionLagBenchmark:
    def __init__(self, backend: str, database_url: str | None, *, rate: float, seconds: float,
                 writers: int, cases: int) -> None:
        self.backend, self.database_url = backend, database_url
        self.rate, self.seconds, self.writers, self.cases = rate, seconds, writers, cases

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            material = KeyMaterial.generate(demo=True)
            settings = Settings(data_dir=scratch.dir, database_url=scratch.url("lag"), demo=True)
            platform = build_platform(settings, material=material)
            try:
                return self._run(platform, settings, material)
            finally:
                platform.close()

    def _run(self, platform: Platform, settings: Settings,
             material: KeyMaterial) -> dict[str, Any]:
        builder = HistoryBuilder(platform)
        history = builder.area()
        for n in range(self.cases):
            builder.refer(history, n)
        platform.runner.catch_up()
        floor = self._side(settings, material, history, self._floor_watch(platform))
        projected = self._side(settings, material, history, self._runner_watch(platform))
        return {
            "benchmark": "projection-lag",
            "backend": platform.database.dialect,
            "machine": machine(),
            "driven": "the store directly: writer processes save one command at a time "
                      "through the domain application (the HTTP referral path cannot reach "
                      "500/s yet); the case views' runner alone, woken by NOTIFY on PostgreSQL",
            "config": {"rate_asked_per_s": self.rate, "seconds": self.seconds,
                       "writers": self.writers, "cases": self.cases,
                       "catch_up_batch": platform.runner.batch},
            "floor_notify_wake": floor,
            "projected": projected,
            "lag_p99_over_floor": round(projected["lag_p99_ms"] / max(floor["lag_p99_ms"],
                                                                      0.001), 1),
        }

    def _side(self, settings: Settings, material: KeyMaterial, history: History,
              watch: Watch) -> dict[str, Any]:
        context = multiprocessing.get_context("spawn")
        results: multiprocessing.Queue[list[tuple[int, float]]] = context.Queue()
        share = [history.case_ids[i::self.writers] for i in range(self.writers)]
        start_at = time.perf_counter() + 8.0  # past each writer's start-up
        processes = [context.Process(target=write, args=(Writer(
            settings.data_dir, settings.database_url, material, history.area_id,
            history.agencies, ids, self.rate / self.writers, self.seconds), start_at, results))
            for ids in share]
        watch.start()
        for process in processes:
            process.start()
        committed = [c for _ in processes for c in results.get(timeout=self.seconds + 120)]
        for process in processes:
            process.join()
        time.sleep(1.0)  # the last batch's projection
        marks = watch.stop()
        return _figures(committed, marks, self.seconds)

    @staticmethod
    def _runner_watch(platform: Platform) -> Watch:
        return RunnerWatch(platform)

    @staticmethod
    def _floor_watch(platform: Platform) -> Watch:
        return NotifyWatch(platform)


class Watch:
    """Positions seen, with when: (position, perf_counter)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.marks: list[tuple[int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.loop, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> list[tuple[int, float]]:
        self._stop.set()
        self._thread.join(timeout=10)
        return self.marks

    def loop(self) -> None:
        raise NotImplementedError


class RunnerWatch(Watch):
    def loop(self) -> None:
        runner = self.platform.runner
        runner.committed = lambda position: self.marks.append((position, time.perf_counter()))
        try:
            runner.run(self._stop, poll_interval=1.0)
        finally:
            runner.committed = None


class NotifyWatch(Watch):
    """Woken as the runner is, then reads the log's head: the floor of any projection lag."""

    def loop(self) -> None:
        app, db = self.platform.marac, self.platform.database
        channel = getattr(app.recorder, "channel_name", None)
        if db.dialect != "postgresql" or not channel:
            while not self._stop.wait(0.001):  # SQLite: no notifications; a tight poll
                self.marks.append((app.recorder.max_notification_id() or 0,
                                   time.perf_counter()))
            return
        with psycopg.connect(db.url.conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            while not self._stop.is_set():
                if any(True for _ in conn.notifies(timeout=0.5, stop_after=1)):
                    self.marks.append((app.recorder.max_notification_id() or 0,
                                       time.perf_counter()))


def _figures(committed: list[tuple[int, float]], marks: list[tuple[int, float]],
             seconds: float) -> dict[str, Any]:
    marks.sort()
    lags: list[float] = []
    missed = 0
    j = 0
    for nid, at in sorted(committed):
        while j < len(marks) and marks[j][0] < nid:
            j += 1
        if j == len(marks):
            missed += 1
            continue
        # The first time a position at or past this event was seen after its commit.
        seen = min((t for p, t in marks[j:j + 50] if p >= nid and t >= at), default=None)
        if seen is None:
            missed += 1
            continue
        lags.append((seen - at) * 1000)
    times = sorted(t for _, t in committed)
    span = times[-1] - times[0] if len(times) > 1 else seconds
    cuts = statistics.quantiles(lags, n=100, method="inclusive") if len(lags) > 1 else [0.0] * 99
    return {"events": len(committed), "achieved_per_s": round(len(committed) / span, 1),
            "not_seen": missed,
            "lag_p50_ms": round(statistics.median(lags), 2) if lags else None,
            "lag_p99_ms": round(cuts[98], 2), "lag_max_ms": round(max(lags, default=0), 2)}
