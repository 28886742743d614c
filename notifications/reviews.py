"""Restriction reviews due: noticed by the day's jobs (a date passing is no event), for the
coordinators' mailbox."""

from __future__ import annotations

from datetime import datetime

from domain.application import Marac
from domain.area import COORDINATORS
from notifications.notices import notice
from notifications.outbox import NotificationOutbox
from projections.cases import CaseProjector


def restriction_reviews(outbox: NotificationOutbox, cases: CaseProjector, marac: Marac,
                        now: datetime) -> int:
    """Tell each area's coordinators of the restrictions due for review: once per due date
    (the notice's id derives from it). Returns how many are due."""
    told = 0
    for area in marac.areas():
        for due in cases.restrictions_due(area.id, now):
            outbox.add(notice(f"{due.case_id}:{due.review_due.isoformat()}",
                              "restriction_review_due", area.id, COORDINATORS,
                              case_id=due.case_id), now)
            told += 1
    return told
