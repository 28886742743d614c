"""Escalation of overdue actions, run by the worker so that nothing waits for someone to look."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.actions import is_overdue
from domain.case import ENDED
from domain.exceptions import ActionAlreadyRecorded
from services.case_access import writing
from services.platform import Platform
from services.system import SystemJob


def escalate_overdue(platform: Platform, job: SystemJob, today: date) -> list[UUID]:
    """Escalate every open, overdue, not yet escalated action to the case's coordinators;
    each escalation its own step of `job`, audited before it is made."""
    escalated: list[UUID] = []
    due = [row for row in platform.cases.actions(open_only=True)
           if not row.escalated and is_overdue(row.due_on, None, today)]
    # Escalation stops at closure (an action carried on past it is its new agency's own),
    # and at withdrawal.
    index = platform.cases.index_rows(sorted({r.case_id for r in due}, key=str))
    for row in due:
        case = index.get(row.case_id)
        if case is None or case.status in ENDED:
            continue
        case_id, action_id = row.case_id, row.action_id
        try:
            # Recorded as it turns out (allowed just before the save, else refused or failed):
            # several workers may run this pass at once, from read models read before another
            # one's escalation was projected.
            with writing(platform, job.step(), "escalate", case_id, row.area_id,
                         items=(str(action_id),)):
                platform.marac.escalate_action(case_id, action_id, by=job.subject)
        except (ActionAlreadyRecorded, IntegrityError):
            continue  # another worker escalated it first: once, by that one
        escalated.append(action_id)
    if escalated:
        platform.runner.catch_up()
    return escalated
