"""Migration 0003: the KEK roster, for rotating KEKs across running processes in two phases
(security/kek_roster.py): which KEK is current, which is staged, and which running process
has shown it can unwrap under each, so that a KEK is made current only when every process
can open what is wrapped under it."""

from __future__ import annotations

from storage.database import Cursor, Database


def apply(cur: Cursor, db: Database) -> None:
    for statement in (
            f"""CREATE TABLE IF NOT EXISTS kek_roster (
                kek_id TEXT PRIMARY KEY,
                state TEXT NOT NULL,
                probe {db.blob} NOT NULL,
                staged_at TEXT NOT NULL,
                promoted_at TEXT)""",
            # At most one current KEK and one staged.
            """CREATE UNIQUE INDEX IF NOT EXISTS kek_roster_one_each ON kek_roster (state)
                WHERE state <> 'previous'""",
            """CREATE TABLE IF NOT EXISTS kek_processes (
                process_id TEXT PRIMARY KEY,
                seen_at TEXT NOT NULL,
                current_kek TEXT NOT NULL)""",
            """CREATE TABLE IF NOT EXISTS kek_readiness (
                process_id TEXT NOT NULL,
                kek_id TEXT NOT NULL,
                PRIMARY KEY (process_id, kek_id))"""):
        cur.execute(statement)
