"""Keeps read models up to date from the notification log.

Each batch's view changes and its tracking position commit in one transaction, so a crash
between the two cannot happen and replaying a batch changes nothing. Runners in several
processes (the API's read-your-writes catch-up, the worker) take turns by locking the tracking
row. On PostgreSQL the worker wakes on the event table's NOTIFY, with polling as the fallback
for a missed notification or a dropped connection; SQLite has no notifications, so it polls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import psycopg
import structlog
from eventsourcing.persistence import Notification

from domain.application import Marac
from projections.folds import Folds
from storage.database import Cursor, Database

log = structlog.get_logger("projections")


class Projector(Protocol):
    name: str

    def tables(self) -> tuple[str, ...]: ...
    def project(self, cur: Cursor, notifications: Sequence[Notification]) -> None: ...


@runtime_checkable
class FoldingProjector(Projector, Protocol):
    """A projector written from aggregates folded once per batch (projections/folds.py),
    holding them from one batch to the next of a pass."""

    def folds(self) -> Folds: ...
    def project_folded(self, cur: Cursor, notifications: Sequence[Notification],
                       folds: Folds) -> None: ...


class ProjectionRunner:
    def __init__(self, app: Marac, db: Database, projector: Projector, batch: int = 200,
                 rebuild_batch: int = 5_000) -> None:
        """`batch`: notifications a catch-up reads at a time; `rebuild_batch`: a rebuild's
        (larger: each batch's views are one transaction, and each table one statement)."""
        self.app = app
        self.db = db
        self.projector = projector
        self.batch = batch
        self.rebuild_batch = rebuild_batch
        self.last_folds: Folds | None = None  # the last pass's counts, for benchmarks
        # Told the position each batch committed (a benchmark's clock on the projection lag).
        self.committed: Callable[[int], None] | None = None

    def register(self, *, from_now: bool = False) -> None:
        """The projector's tracking row, where it has none yet (the table is storage/
        migrations'). `from_now`: a projector added to a platform that already has a log
        starts at its end (notifications: nobody is told of what happened before they
        existed)."""
        start = (self.app.recorder.max_notification_id() or 0) if from_now else 0
        with self.db.transaction() as cur:
            cur.execute("INSERT INTO projection_tracking (name, position) VALUES (%s, %s) "
                        "ON CONFLICT (name) DO NOTHING", (self.projector.name, start))

    def position(self) -> int:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT position FROM projection_tracking WHERE name = %s",
                        (self.projector.name,))
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def lag(self) -> int:
        """Events recorded that this read model has not projected yet."""
        return max((self.app.recorder.max_notification_id() or 0) - self.position(), 0)

    def catch_up(self) -> int:
        """Project everything recorded so far; returns how many notifications were read.
        Called after a write, it gives the writer read-your-writes."""
        return self._project(None, self.batch)

    def _project(self, progress: Callable[[int], None] | None, size: int) -> int:
        """`progress` is told the position reached after each batch (the command line's
        progress bar)."""
        folds = self.projector.folds() if isinstance(self.projector, FoldingProjector) else None
        self.last_folds = folds
        try:
            return self._batches(progress, size, folds)
        finally:
            if folds is not None:
                folds.drop()

    def _batches(self, progress: Callable[[int], None] | None, size: int,
                 folds: Folds | None) -> int:
        total = 0
        while True:
            with self.db.transaction() as cur:
                # The row lock makes concurrent runners take turns (SQLite's writer lock
                # already does); each sees the position the last one committed.
                lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
                cur.execute("SELECT position FROM projection_tracking "  # noqa: S608
                            "WHERE name = %s" + lock, (self.projector.name,))
                row = cur.fetchone()
                position = int(row[0]) if row else 0
                notifications = self.app.recorder.select_notifications(
                    start=position, limit=size, inclusive_of_start=False)
                if not notifications:
                    return total
                if folds is not None and isinstance(self.projector, FoldingProjector):
                    self.projector.project_folded(cur, notifications, folds)
                else:
                    self.projector.project(cur, notifications)
                cur.execute("UPDATE projection_tracking SET position = %s WHERE name = %s",
                            (notifications[-1].id, self.projector.name))
            total += len(notifications)
            if self.committed is not None:
                self.committed(notifications[-1].id)
            if progress is not None:
                progress(notifications[-1].id)
            if len(notifications) < size:
                return total

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Drop the read models' rows and project the whole log again. `progress` is told
        the position reached and the log's length, after each batch."""
        with self.db.transaction() as cur:
            for table in self.projector.tables():
                cur.execute(f"DELETE FROM {table}")  # noqa: S608 - the projector's own names
            cur.execute("UPDATE projection_tracking SET position = 0 WHERE name = %s",
                        (self.projector.name,))
        if progress is None:
            return self._project(None, self.rebuild_batch)
        total = self.app.recorder.max_notification_id() or 0
        progress(0, total)
        return self._project(lambda position: progress(position, total), self.rebuild_batch)

    def run(self, stop: threading.Event, poll_interval: float = 1.0) -> None:
        """Catch up whenever woken (NOTIFY) or every `poll_interval` seconds, until `stop`."""
        channel = getattr(self.app.recorder, "channel_name", None)
        listener = self._listen(channel) if self.db.dialect == "postgresql" and channel else None
        last = float("-inf")
        try:
            while not stop.is_set():
                woken = False
                if time.monotonic() - last >= poll_interval:
                    self._safe_catch_up()
                    last = time.monotonic()
                # Wait in slices of at most a second, so that `stop` is seen promptly.
                if listener is not None:
                    try:
                        woken = any(True for _ in listener.notifies(
                            timeout=min(poll_interval, 1.0), stop_after=1))
                    except psycopg.Error:
                        listener.close()
                        listener = self._listen(channel)
                else:
                    stop.wait(min(poll_interval, 1.0))
                if woken:
                    self._safe_catch_up()
                    last = time.monotonic()
        finally:
            if listener is not None:
                listener.close()

    def _safe_catch_up(self) -> None:
        try:
            self.catch_up()
        except Exception as exc:  # keep running; the next pass retries
            log.error("projection_failed", projection=self.projector.name,
                      error_type=type(exc).__name__)

    def _listen(self, channel: str | None) -> psycopg.Connection[tuple[object, ...]] | None:
        try:
            conn = psycopg.connect(self.db.url.conninfo, autocommit=True)
            conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(channel or "")))
        except psycopg.Error:
            log.warning("listen_unavailable_polling", projection=self.projector.name)
            return None
        return conn
