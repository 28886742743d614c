"""Restrictions due for review: read from the access facts (`case_access_facts`), where each
restriction's next review date is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from storage.database import Database


@dataclass(frozen=True)
class RestrictionDue:
    case_id: UUID
    provisional: bool
    review_due: datetime


def restrictions_due(db: Database, area_id: UUID, by: datetime) -> list[RestrictionDue]:
    """The area's restrictions due for review by `by` (a case's own: a repeat referral
    merged into it is reviewed with it), earliest first."""
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT a.case_id, a.ref, a.expires_at FROM case_access a "
                    "JOIN case_index i ON i.case_id = a.case_id "
                    "WHERE a.relation = 'restriction' AND i.area_id = %s", (str(area_id),))
        rows = cur.fetchall()
    due = [RestrictionDue(UUID(c), ref == "provisional", datetime.fromisoformat(at))
           for c, ref, at in rows]
    return sorted((d for d in due if d.review_due <= by),
                  key=lambda d: (d.review_due, str(d.case_id)))
