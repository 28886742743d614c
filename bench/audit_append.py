"""Where one audit append's time goes: the whole append (durable, relaxed, and handed to the
trail's thread), and its parts as far as each backend shows them — the chain hash in Python,
the database round trip, the PostgreSQL function's own time in the server, and the disk
flush (the durable append minus the relaxed one, beside a bare write-and-fdatasync on the
disk of the scratch directory). Medians in microseconds; the sides alternate in rounds.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from audit.chain import record_hash
from audit.trail import AuditRecord, AuditTrail
from bench.databases import ScratchDatabases
from bench.machine import machine
from storage.database import Database
from storage.migrations import upgrade

ROUNDS = 8


def _record() -> AuditRecord:
    """The shape of a case view's record: a case, its referral, decision and one item."""
    return AuditRecord(str(uuid.uuid4()), "coordinator-bench", "person", None, None,
                       ("coordinator",), "read", "meeting_preparation", uuid.uuid4(), "allowed",
                       ("referral", "decision", str(uuid.uuid4())), area_id=uuid.uuid4())


class AuditAppendBenchmark:
    def __init__(self, backend: str, database_url: str | None, appends: int) -> None:
        self.backend, self.database_url, self.appends = backend, database_url, appends

    def run(self) -> dict[str, Any]:
        with ScratchDatabases(self.backend, self.database_url) as scratch:
            db = Database(scratch.url("append"))
            durable, relaxed, handed = AuditTrail(db), AuditTrail(db, relaxed=True), AuditTrail(db)
            handed.hands_over = True  # measured on both backends, whichever is the default
            # The others append on the caller's thread (record() hands over where it may).
            durable.hands_over = relaxed.hands_over = False
            try:
                upgrade(db)
                for _ in range(50):  # past the first pages and the pool's first connections
                    durable.record(_record())
                sides: dict[str, Callable[[], object]] = {
                    "append_durable_us": lambda: durable.record(_record()),
                    "append_relaxed_us": lambda: relaxed.record(_record()),
                    "append_handed_over_durable_us": lambda: handed.submit(_record()).wait(),
                    "chain_hash_us": lambda: record_hash(bytes(32), 1, _record().values()),
                    "round_trip_us": lambda: _round_trip(db),
                    "bare_fdatasync_us": _bare_flush(scratch.dir),
                }
                if db.dialect == "postgresql":
                    sides["function_in_server_us"] = _function_in_server(db)
                figures = self._alternate(sides)
            finally:
                for trail in (durable, relaxed, handed):
                    trail.close()
                db.close()
        figures["flush_us"] = round(figures["append_durable_us"] - figures["append_relaxed_us"], 1)
        return {"benchmark": "audit-append", "backend": db.dialect, "machine": machine(),
                "config": {"appends_per_side": self.appends}, **figures}

    def _alternate(self, sides: dict[str, Callable[[], object]]) -> dict[str, float]:
        times: dict[str, list[float]] = {name: [] for name in sides}
        per_round = max(self.appends // ROUNDS, 1)
        names = list(sides)
        for r in range(ROUNDS):
            for name in names[r % len(names):] + names[:r % len(names)]:
                for _ in range(per_round):
                    started = time.perf_counter()
                    value = sides[name]()
                    elapsed = (time.perf_counter() - started) * 1e6
                    # A part timed by the server reports its own figure.
                    times[name].append(value if isinstance(value, float) else elapsed)
        return {name: round(statistics.median(t), 1) for name, t in times.items()}


def _round_trip(db: Database) -> None:
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT 1")
        cur.fetchone()


def _bare_flush(directory: os.PathLike[str]) -> Callable[[], None]:
    """A 4 KiB overwrite made durable in the scratch directory, the SQLite file's (and
    PostgreSQL's only when its data sit on the same disk): the floor under any flush."""
    fd = os.open(os.path.join(directory, "flush-probe"), os.O_RDWR | os.O_CREAT, 0o600)
    os.write(fd, bytes(4096))
    os.fsync(fd)

    def flush() -> None:
        os.pwrite(fd, os.urandom(4096), 0)
        os.fdatasync(fd)
    return flush


def _function_in_server(db: Database) -> Callable[[], float]:
    """The append function's execution time as the server measures it (the record is
    appended; the commit and its flush come after, outside the figure)."""
    call = f'EXPLAIN (ANALYZE, FORMAT JSON) SELECT "{db.url.schema}".marac_audit_append(%s)'

    def timed() -> float:
        values = [None if v is None else str(v) for v in _record().values()]
        with db.single_statement() as cur:
            cur.execute(call, (values,))
            row = cur.fetchone()
        return float(row[0][0]["Execution Time"]) * 1000 if row else 0.0
    return timed
