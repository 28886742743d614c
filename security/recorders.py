"""Event recorders that store a new case's data key in the same transaction as its events, and
refuse an append to a case whose key has been destroyed.

Storing the key separately would cost a second commit (an fsync) per new case, and a crash
between the two would leave either a key with no events or, worse, events with no key. The
check on existing keys closes the window in which another process, still holding a cached
key, could append to a case just erased.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.errors import DivisionByZero
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain.exceptions import CaseErased
from security.keyring import NewDataKey

INSERT_KEY = "INSERT INTO {table} (scope_id, kek_id, wrapped, created_at) VALUES (%s, %s, %s, %s)"
REQUIRE_KEYS = ("SELECT 1 / (CASE WHEN count(*) = %s THEN 1 ELSE 0 END) FROM {table} "
                "WHERE scope_id = ANY(%s)")


@dataclass(frozen=True)
class SealedEvent(StoredEvent):
    """A stored event that may carry the data key it was sealed under, when that key is new."""

    new_key: NewDataKey | None = None


def new_keys(stored_events: Sequence[StoredEvent]) -> list[tuple[str, str, bytes, str]]:
    keys: dict[str, NewDataKey] = {}
    for e in stored_events:
        key = getattr(e, "new_key", None)
        if isinstance(key, NewDataKey):
            seen = keys.setdefault(str(key.scope_id), key)
            if seen.wrapped != key.wrapped:
                raise RuntimeError(f"two new keys for {key.scope_id} in one save")
    return [(str(k.scope_id), k.kek_id, k.wrapped, k.created_at) for k in keys.values()]


def scopes(stored_events: Sequence[StoredEvent]) -> list[str]:
    return sorted({str(e.originator_id) for e in stored_events})


class KeyedSQLiteRecorder(SQLiteApplicationRecorder):
    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # A plain INSERT: if the scope already has a key, the whole transaction fails.
        for row in new_keys(stored_events):
            c.execute(INSERT_KEY.format(table="data_keys").replace("%s", "?"), row)
        wanted = scopes(stored_events)
        marks = ", ".join("?" * len(wanted))
        c.execute(f"SELECT COUNT(*) FROM data_keys WHERE scope_id IN ({marks})",  # noqa: S608
                  wanted)
        if c.fetchone()[0] < len(wanted):
            raise CaseErased("a case in this save has been erased")
        return super()._insert_events(c, stored_events, **kwargs)


class KeyedPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        table = Identifier(self.datastore.schema, "data_keys")
        self._insert_key = SQL(INSERT_KEY).format(table=table)
        self._require_keys = SQL(REQUIRE_KEYS).format(table=table)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        try:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        except Exception as exc:
            cause = exc if isinstance(exc, DivisionByZero) else exc.__cause__
            if isinstance(cause, DivisionByZero):
                raise CaseErased("a case in this save has been erased") from None
            raise

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # Runs inside the library's pipelined transaction, before the events are inserted:
        # these statements add no round trip.
        super()._insert_events(curs, stored_events, **kwargs)
        for row in new_keys(stored_events):
            curs.execute(self._insert_key, row)
        # Fails by itself (division by zero) when a key is missing, so the pipeline needs no
        # round trip to read its answer; a plain prepared statement costs far less than a
        # PL/pgSQL call on every append.
        wanted = scopes(stored_events)
        curs.execute(self._require_keys, (len(wanted), wanted), prepare=True)


RECORDER_TOPICS = {
    "sqlite": "security.recorders:KeyedSQLiteRecorder",
    "postgresql": "security.recorders:KeyedPostgresRecorder",
}
