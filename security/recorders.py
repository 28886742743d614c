"""Event recorders that store a new case's data key in the same transaction as its events.

Storing the key separately would cost a second commit (an fsync) per new case, and a crash
between the two would leave either a key with no events or, worse, events with no key.

Appends to existing cases are not checked against the shred ledger here: that check cost every
append about 12% (measured with `marac bench store`). A process still holding an erased case's
key in its cache (at most `Keyring.cache_seconds`) can only add ciphertext under a destroyed
key, which nobody can ever read; the blind index and the projector consult the ledger, so such
a write neither re-indexes nor re-projects the case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from security.keyring import NewDataKey
from storage.database import Database
from storage.writers import writer_queue

INSERT_KEY = "INSERT INTO {table} (scope_id, kek_id, wrapped, created_at) VALUES (%s, %s, %s, %s)"


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


class KeyedSQLiteRecorder(SQLiteApplicationRecorder):
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # In line with the platform's own writers (storage/writers.py): taken before the
        # library's writer lock, as every writer of the process takes them, so none deadlocks.
        with writer_queue(Path(self.datastore.pool.db_name)).turn():
            return super().insert_events(stored_events, **kwargs)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # A plain INSERT: if the scope already has a key, the whole transaction fails.
        for row in new_keys(stored_events):
            c.execute(INSERT_KEY.format(table="data_keys").replace("%s", "?"), row)
        return super()._insert_events(c, stored_events, **kwargs)


class KeyedPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        table = Identifier(self.datastore.schema, "data_keys")
        self._insert_key = SQL(INSERT_KEY).format(table=table)

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # Runs inside the library's pipelined transaction, before the events are inserted:
        # these statements add no round trip.
        super()._insert_events(curs, stored_events, **kwargs)
        for row in new_keys(stored_events):
            curs.execute(self._insert_key, row)


class KeyedPOPORecorder(POPOApplicationRecorder):
    """The library's in-memory recorder, for the in-memory platform (`memory:`, tests): the
    new keys go to the data_keys table of the platform's in-memory database in the same
    transaction in which the events are appended."""

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database

    def _insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The database's turn first, then the recorder's lock, in the order the SQLite
        # recorder takes them. A duplicate event is refused before the keys are inserted, and a
        # refused key rolls back before any event is appended; what remains after the append is
        # the commit of an in-memory transaction, which has no disk to fail on.
        rows = new_keys(stored_events)
        with self.database.transaction() as cur, self._database_lock:
            self._assert_uniqueness(stored_events, **kwargs)
            for row in rows:
                cur.execute(INSERT_KEY.format(table="data_keys"), row)
            return self._update_table(stored_events, **kwargs)


def in_memory_recorder(database: Database) -> Callable[[], ApplicationRecorder] | None:
    """The event store's recorder for an in-memory database, which the library cannot be told
    by topic (it needs the database); None for a real one, named by RECORDER_TOPICS."""
    if not database.url.in_memory:
        return None
    return lambda: KeyedPOPORecorder(database)


RECORDER_TOPICS = {
    "sqlite": "security.recorders:KeyedSQLiteRecorder",
    "postgresql": "security.recorders:KeyedPostgresRecorder",
}
