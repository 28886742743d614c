"""The audit trail: one record for every request that touches case data, allowed or denied.

Written before the response goes out; a failed write fails the request (fail closed). Records
hold ids, roles, purposes and outcomes: never names or free text of case content. Each record
is chained to its predecessor by hash (audit/chain.py); the table is append-only in the
database itself (triggers), and signed checkpoints (audit/checkpoints.py) pin its history.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from audit import partitions
from audit.actions import AuditAction, check_action
from audit.append_connection import AppendConnection
from audit.append_queue import AppendQueue, PendingAppend
from audit.chain import FIELDS, GENESIS, hash_input_sql, record_hash
from storage.database import Cursor, Database

TABLE = partitions.TABLE

# Which records concern which case: derived from the records (not chained), so that a query by
# case reads an index instead of scanning every record's item list.
MENTIONS = "audit_case_mentions"
# A case id as records store it (str(UUID)); any other item is not a mention.
CASE_ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# What no text field of a record may hold (see AuditRecord.__post_init__).
_CONTROL = re.compile("[\x00-\x1f\x7f]")


class AuditUnavailable(Exception):
    code = "audit_unavailable"


@dataclass(frozen=True)
class AuditRecord:
    request_id: str
    actor: str
    actor_kind: str
    agency_id: UUID | None
    client_id: str | None
    roles: tuple[str, ...]
    action: AuditAction
    purpose: str | None
    case_id: UUID | None
    outcome: str
    item_ids: tuple[str, ...] = ()
    at: datetime | None = None
    area_id: UUID | None = None

    def __post_init__(self) -> None:
        check_action(self.action)  # one list of names (audit/actions.py), whoever records
        # The chain ends each field with 0x1f (audit/chain.py): a field holding a control
        # character could shift where fields end, and two different records hash alike. The
        # sources refuse them first (tokens, request ids); this is the last line: fail closed.
        texts = (self.request_id, self.actor, self.actor_kind, self.client_id, self.purpose,
                 self.outcome, *self.roles)
        # One search over all of them: every read's record passes here before its append.
        if _CONTROL.search("".join(text for text in texts if text)):
            raise AuditUnavailable("an audit record's field holds a control character")

    def values(self) -> tuple[object, ...]:
        """The stored form, in the chain's field order."""
        at = (self.at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
        return (at, self.request_id, self.actor, self.actor_kind,
                str(self.agency_id) if self.agency_id else None, self.client_id,
                ",".join(sorted(self.roles)), self.action, self.purpose,
                str(self.case_id) if self.case_id else None, self.outcome,
                json.dumps(list(self.item_ids)), str(self.area_id) if self.area_id else None)


def mentioned_cases(case_id: str | None, item_ids: Iterable[str]) -> list[str]:
    """The cases a record concerns: its own, and every case id among its items (lists,
    searches and disclosures name the cases they showed). Stored form, as in values()."""
    found = {item for item in item_ids if re.fullmatch(CASE_ID, item)}
    if case_id is not None:
        found.add(case_id)
    return sorted(found)


# What scan() and between() read of each record.
_SCANNED = f"seq, {', '.join(FIELDS)}, prev_hash, hash"

# Every table of the audit trail, in one place: each is append-only in the database itself.
AUDIT_TABLES = (TABLE, "audit_head", "audit_checkpoints", "audit_reviews", MENTIONS)



def _text(values: tuple[object, ...]) -> list[str | None]:
    return [None if v is None else str(v) for v in values]


def _mentions(values: tuple[object, ...]) -> list[str]:
    """mentioned_cases() of a record in its stored form."""
    case_id, items = values[FIELDS.index("case_id")], values[FIELDS.index("item_ids")]
    return mentioned_cases(str(case_id) if case_id else None, json.loads(str(items)))


class AuditTrail:
    def __init__(self, db: Database, *, relaxed: bool = False) -> None:
        self.db = db
        # Late-bound, so that the queue appends as record() does, whatever _append is now.
        self._queue: AppendQueue[tuple[object, ...]] = AppendQueue(
            lambda batch: self._counted(batch), "audit-append")  # noqa: PLW0108
        # Whether submit() hands a record to the queue's thread. On PostgreSQL the append is
        # one call that waits on the server, so the thread's wait overlaps the response. On
        # SQLite the append runs in this process and needs the interpreter lock at every
        # statement: handed over, it competes with the response for that lock, and measured it
        # gained nothing (README, "Performance"), so there it runs on the caller's thread.
        self.hands_over = db.dialect == "postgresql"
        # That thread's own connection, not the pool's (audit/append_connection.py).
        self._own = AppendConnection(db.url.conninfo) if db.dialect == "postgresql" else None
        # MARAC_AUDIT_RELAXED_DURABILITY: appends commit without waiting for the disk flush
        # (README, "Audit durability", for what that risks). Off by default.
        self.relaxed = relaxed
        # Records that could not be written (each failed its request): a metric
        # (api/metrics.py), since the requests' 503s alone do not say the trail is the cause.
        self.append_failures = 0
        self._failures_lock = threading.Lock()

    def record(self, rec: AuditRecord) -> int:
        """Append one record; returns its sequence number. Appends are serialised on the head
        row, so the chain never forks.

        The commit waits for the disk flush like every other commit, unless the operator chose
        the relaxed mode (`relaxed`): then it does not (SQLite synchronous=NORMAL for this
        transaction, PostgreSQL synchronous_commit=off for this statement); the record is still
        in the database, in order, before the response leaves, but a crash of the database
        host can lose the latest records until the next flushed commit.
        See the README's design note "Audit durability" for the window.

        Where the trail hands over (PostgreSQL), the append runs on the trail's thread and
        this waits for it: records of concurrent callers then share one commit and one flush
        (they queue on the head row either way), and each still returns only once its record
        is committed, as durable as an append of its own."""
        return self._pending(rec.values()).wait()

    def submit(self, rec: AuditRecord) -> PendingAppend:
        """Start appending one record, for a caller that needs it committed only before its
        response leaves, and waits for that (api/auth.py): where the trail hands over
        (`hands_over`), the append and its flush run on the trail's own thread
        (audit/append_queue.py) meanwhile, committed with whatever other records are waiting;
        else here and now. Durable exactly as record() is."""
        return self._pending(rec.values())  # the time is taken now, in the request

    def _pending(self, values: tuple[object, ...]) -> PendingAppend:
        if self.db.in_transaction or not self.hands_over:
            # Inside this thread's transaction the append joins it; on SQLite the queue's
            # thread would wait for the write lock this thread holds.
            return PendingAppend.settled(self._counted([values])[0])
        return self._queue.submit(values)

    def close(self) -> None:
        """Waits for the appends handed over, then stops the trail's thread."""
        self._queue.close()
        if self._own is not None:
            self._own.close()

    def _counted(self, batch: Sequence[tuple[object, ...]]) -> list[int]:
        """_append(), counting the records that could not be written. A batch that fails is
        appended again one record at a time (audit/append_queue.py), so only a single
        record's failure is counted: each failed record once."""
        try:
            return self._append(batch)
        except Exception:
            if len(batch) == 1:
                with self._failures_lock:
                    self.append_failures += 1
            raise

    def _append(self, batch: Sequence[tuple[object, ...]]) -> list[int]:
        """The records in order, in one transaction and one flush."""
        if self.db.dialect == "postgresql":
            if len(batch) == 1:
                return [self._record_in_database(batch[0])]
            return self._records_in_database(batch)
        try:
            with self.db.transaction(flush=not self.relaxed) as cur:
                cur.execute("SELECT seq, hash FROM audit_head WHERE id = 1")
                head = cur.fetchone()
                if head is None:
                    raise AuditUnavailable("the audit head is missing")
                seq, prev = int(head[0]), bytes(head[1])
                seqs = []
                for values in batch:
                    seq += 1
                    digest = record_hash(prev, seq, values)
                    cur.execute(
                        f"INSERT INTO {TABLE} (seq, {', '.join(FIELDS)}, prev_hash, hash) "  # noqa: S608
                        f"VALUES ({', '.join(['%s'] * (len(FIELDS) + 3))})",
                        (seq, *values, prev, digest),
                    )
                    cur.executemany(f"INSERT INTO {MENTIONS} (case_id, seq) VALUES (%s, %s)",  # noqa: S608
                                    [(case, seq) for case in _mentions(values)])
                    # One step per record: the head's trigger refuses any other move.
                    cur.execute("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1",
                                (seq, digest))
                    seqs.append(seq)
                    prev = digest
        except AuditUnavailable:
            raise
        except Exception as exc:
            raise AuditUnavailable("the audit trail could not be written") from exc
        return seqs

    def _record_in_database(self, values: tuple[object, ...]) -> int:
        """PostgreSQL: one statement, committed on its own (autocommit), so one round trip."""
        try:
            with self._cursor(transaction=False) as cur:
                cur.execute(self._call, (_text(values),))
                row = cur.fetchone()
        except Exception as exc:
            raise AuditUnavailable("the audit trail could not be written") from exc
        if row is None:
            raise AuditUnavailable("the audit trail could not be written")
        return int(row[0])

    def _records_in_database(self, batch: Sequence[tuple[object, ...]]) -> list[int]:
        """PostgreSQL, several records: one transaction, so one flush for all of them. Only
        the queue's thread appends more than one, and it is never inside a transaction, so
        the relaxed setting (local to this transaction) cannot reach anyone else's work."""
        seqs = []
        try:
            with self._cursor(transaction=True) as cur:
                for values in batch:
                    cur.execute(self._call, (_text(values),))
                    row = cur.fetchone()
                    if row is None:
                        raise AuditUnavailable("the audit trail could not be written")
                    seqs.append(int(row[0]))
        except AuditUnavailable:
            raise
        except Exception as exc:
            raise AuditUnavailable("the audit trail could not be written") from exc
        return seqs

    def _cursor(self, *, transaction: bool) -> AbstractContextManager[Cursor]:
        """PostgreSQL: on the queue's thread its own connection; elsewhere the pool's."""
        if self._own is not None and self._queue.on_its_thread():
            return self._own.cursor(transaction=transaction)
        return self.db.transaction() if transaction else self.db.single_statement()

    @property
    def _call(self) -> str:
        # Relaxed: set in the same statement, which is its own transaction when autocommitted,
        # so the setting ends with it (a local setting applies at commit, whatever the order).
        relax = ", set_config('synchronous_commit', 'off', true)" if self.relaxed else ""
        return f'SELECT "{self.db.url.schema}".marac_audit_append(%s){relax}'

    # Reading -----------------------------------------------------------------------------

    def records(self, case_id: UUID | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE case_id = %s", (str(case_id),)) if case_id else ("", ())
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT seq, {', '.join(FIELDS)} FROM {TABLE} {where} "  # noqa: S608
                        "ORDER BY seq", params)
            rows = cur.fetchall()
        return [dict(zip(("seq", *FIELDS), row, strict=True)) for row in rows]

    def count(self) -> int:
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT COUNT(*) FROM {TABLE}")  # noqa: S608
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def head(self) -> tuple[int, bytes]:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT seq, hash FROM audit_head WHERE id = 1")
            row = cur.fetchone()
        return (int(row[0]), bytes(row[1])) if row else (0, GENESIS)

    def highest_seq(self) -> int:
        """The highest seq among the records (not the head: verify compares the two)."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT MAX(seq) FROM {TABLE}")  # noqa: S608
            row = cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def between(self, after: int, through: int) -> list[tuple[Any, ...]]:
        """The records with after < seq <= through, in order, as scan() gives them."""
        with self.db.transaction(readonly=True) as cur:
            cur.execute(f"SELECT {_SCANNED} FROM {TABLE} WHERE seq > %s AND seq <= %s "  # noqa: S608
                        "ORDER BY seq", (after, through))
            return cur.fetchall()

    def hash_inputs(self, after: int, through: int) -> list[tuple[Any, ...]]:
        """The records with after < seq <= through, in order, as verification reads them:
        (seq, prev_hash, hash, the fields joined as record_hash() hashes them)."""
        query = (f"SELECT seq, prev_hash, hash, {hash_input_sql(self.db.dialect)} "  # noqa: S608
                 f"FROM {TABLE} WHERE seq > %s AND seq <= %s ORDER BY seq")
        with self.db.transaction(readonly=True) as cur:
            if isinstance(cur, psycopg.Cursor):
                # Binary results: the hashes and joined fields as bytes, not hex text that
                # the server encodes and this process decodes (measured: 40% less CPU a row).
                cur.execute(query, (after, through), binary=True)
            else:
                cur.execute(query, (after, through))
            return cur.fetchall()

    def scan(self, batch: int = 20_000, after: int = 0) -> Iterator[tuple[Any, ...]]:
        """Every record in order (from `after`): (seq, *FIELDS, prev_hash, hash), in batches."""
        while True:
            with self.db.transaction(readonly=True) as cur:
                cur.execute(f"SELECT {_SCANNED} FROM {TABLE} "  # noqa: S608
                            "WHERE seq > %s ORDER BY seq LIMIT %s", (after, batch))
                rows = cur.fetchall()
            yield from rows
            if len(rows) < batch:
                return
            after = int(rows[-1][0])
