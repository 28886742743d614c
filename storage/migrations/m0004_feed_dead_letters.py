"""Migration 0004: the integration outbox's dead letters, indexed apart. They are few among
many delivered events, and the worker's metrics count them at every scrape: from this small
partial index, not by reading the outbox."""

from __future__ import annotations

from storage.database import Cursor, Database


def apply(cur: Cursor, db: Database) -> None:
    cur.execute("CREATE INDEX IF NOT EXISTS feed_outbox_dead ON feed_outbox (subscription_id)"
                " WHERE state = 'dead'")
