"""Released reports: a report published under disclosure control is kept as released, and
asked for again it is the same report. Recomputed, it would change with every late
correction, erasure or late-recorded hearing, and two versions side by side would describe
the cases that changed. Releases hold published figures only (no case, nothing withheld), and
are not a projection: a rebuild leaves them as they are."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from storage.database import Database


class Releases:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create_tables(self) -> None:
        self.db.execute_script([
            """CREATE TABLE IF NOT EXISTS report_releases (
                area_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                label TEXT NOT NULL,
                released_at TEXT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (area_id, kind, label))""",
        ])

    def get(self, area_id: UUID, kind: str, label: str) -> dict[str, Any] | None:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT body FROM report_releases WHERE area_id = %s AND kind = %s"
                        " AND label = %s", (str(area_id), kind, label))
            row = cur.fetchone()
        if row is None:
            return None
        body: dict[str, Any] = json.loads(row[0])
        return body

    def put(self, area_id: UUID, released_at: datetime,
            bodies: dict[tuple[str, str], dict[str, Any]]) -> None:
        """Keep each (kind, label) release unless one is kept already: the first stands."""
        with self.db.transaction() as cur:
            cur.executemany(
                "INSERT INTO report_releases (area_id, kind, label, released_at, body)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (area_id, kind, label) DO NOTHING",
                [(str(area_id), kind, label, released_at.isoformat(),
                  json.dumps(body, sort_keys=True)) for (kind, label), body in bodies.items()])
