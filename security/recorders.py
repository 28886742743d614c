"""Event recorders that store a new case's data key in the same transaction as its events.

Storing the key separately would cost a second commit (an fsync) per new case, and a crash
between the two would leave either a key with no events or, worse, events with no key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from security.keyring import NewDataKey

INSERT_KEY = "INSERT INTO {table} (scope_id, kek_id, wrapped, created_at) VALUES (%s, %s, %s, %s)"


@dataclass(frozen=True)
class SealedEvent(StoredEvent):
    """A stored event that may carry the data key it was sealed under, when that key is new."""

    new_key: NewDataKey | None = None


def new_keys(stored_events: Sequence[StoredEvent]) -> list[tuple[str, str, bytes, str]]:
    keys: dict[str, tuple[str, str, bytes, str]] = {}
    for e in stored_events:
        key = getattr(e, "new_key", None)
        if isinstance(key, NewDataKey):
            keys[str(key.scope_id)] = (str(key.scope_id), key.kek_id, key.wrapped, key.created_at)
    return list(keys.values())


class KeyedSQLiteRecorder(SQLiteApplicationRecorder):
    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # A plain INSERT: if the scope already has a key, the whole transaction fails.
        for row in new_keys(stored_events):
            c.execute(INSERT_KEY.format(table="data_keys").replace("%s", "?"), row)
        return super()._insert_events(c, stored_events, **kwargs)


class KeyedPostgresRecorder(PostgresApplicationRecorder):
    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # Runs inside the library's pipelined transaction, before the events are inserted.
        super()._insert_events(curs, stored_events, **kwargs)
        table = Identifier(self.datastore.schema, "data_keys")
        for row in new_keys(stored_events):
            curs.execute(SQL(INSERT_KEY).format(table=table), row)


RECORDER_TOPICS = {
    "sqlite": "security.recorders:KeyedSQLiteRecorder",
    "postgresql": "security.recorders:KeyedPostgresRecorder",
}
