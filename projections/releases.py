"""Released reports: a report published under disclosure control is kept as released, and
asked for again it is the same report. Recomputed, it would change with every late
correction, erasure or late-recorded hearing, and two versions side by side would describe
the cases that changed. Releases hold published figures only (no case, nothing withheld), and
are not a projection: a rebuild leaves them as they are."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from projections.figures import Published
from storage.database import Database


@dataclass(frozen=True)
class Release:
    """A report as released: what is shown, and nothing about the cases it counted."""

    as_of: date
    released_at: datetime
    threshold: int
    figures: Published  # as published: withheld ones show the withheld label
    withheld: int
    rows: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "released_at": self.released_at.isoformat(),
                "threshold": self.threshold, "figures": self.figures,
                "withheld": self.withheld, "rows": list(self.rows)}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Release:
        return cls(date.fromisoformat(body["as_of"]),
                   datetime.fromisoformat(body["released_at"]), int(body["threshold"]),
                   body["figures"], int(body["withheld"]), tuple(body["rows"]))


class Releases:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, area_id: UUID, kind: str, label: str) -> Release | None:
        with self.db.transaction(readonly=True) as cur:
            cur.execute("SELECT body FROM report_releases WHERE area_id = %s AND kind = %s"
                        " AND label = %s", (str(area_id), kind, label))
            row = cur.fetchone()
        if row is None:
            return None
        return Release.from_json(json.loads(row[0]))

    def put(self, area_id: UUID, released_at: datetime,
            releases: dict[tuple[str, str], Release]) -> None:
        """Keep each (kind, label) release unless one is kept already: the first stands."""
        with self.db.transaction() as cur:
            cur.executemany(
                "INSERT INTO report_releases (area_id, kind, label, released_at, body)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (area_id, kind, label) DO NOTHING",
                [(str(area_id), kind, label, released_at.isoformat(),
                  json.dumps(r.to_json(), sort_keys=True))
                 for (kind, label), r in releases.items()])
