"""Reads of the event store's own table for many aggregates at once, in the caller's
transaction: the projector reads the earlier events of every aggregate a batch brings in
one round trip, where the library's repository reads one aggregate a query.

The table is the library's (storage/migrations names it); rows come back as the library's
stored events, still sealed, for its mapper to open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from storage.database import Cursor, chunks
from storage.migrations.m0001_previous_release import EVENTS, EVENTS_SQLITE_TABLE


@dataclass(frozen=True)
class EventRange:
    """An aggregate's events after version `after`, up to and including `upto`."""

    originator_id: UUID
    after: int
    upto: int


def select_events(cur: Cursor, dialect: str,
                  ranges: Sequence[EventRange]) -> dict[UUID, list[StoredEvent]]:
    """Each range's events in version order, one statement per few hundred aggregates."""
    table = EVENTS if dialect == "postgresql" else EVENTS_SQLITE_TABLE
    found: dict[UUID, list[StoredEvent]] = {}
    for chunk in chunks(ranges, 300):
        if dialect == "postgresql":
            # The id as the uuid it is stored as; SQLite's library stores its hex digits.
            marks = ", ".join(["(%s::uuid, %s::bigint, %s::bigint)"] * len(chunk))
            params: list[object] = [v for r in chunk
                                    for v in (r.originator_id, r.after, r.upto)]
        else:
            marks = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params = [v for r in chunk for v in (r.originator_id.hex, r.after, r.upto)]
        cur.execute(
            f"WITH wanted (oid, after, upto) AS (VALUES {marks}) "  # noqa: S608 - our names
            f"SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {table} e "
            "JOIN wanted w ON e.originator_id = w.oid AND e.originator_version > w.after "
            "AND e.originator_version <= w.upto "
            "ORDER BY e.originator_id, e.originator_version", params)
        for oid, version, topic, state in cur.fetchall():
            key = oid if isinstance(oid, UUID) else UUID(oid)
            found.setdefault(key, []).append(StoredEvent(
                originator_id=key, originator_version=int(version), topic=topic,
                state=bytes(state)))
    return found
