"""Escalation of overdue actions, run by the worker so that nothing waits for someone to look."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.actions import is_overdue
from services.platform import Platform
from services.system import SystemJob


def escalate_overdue(platform: Platform, job: SystemJob, today: date) -> list[UUID]:
    """Escalate every open, overdue, not yet escalated action to the case's coordinators;
    each escalation its own step of `job`, audited before it is made."""
    escalated: list[UUID] = []
    for row in platform.cases.actions(open_only=True):
        if row.escalated or not is_overdue(row.due_on, None, today):
            continue
        case_id, action_id = row.case_id, row.action_id
        job.step().audit.record("escalate", "allowed", case_id=case_id,
                                items=(str(action_id),), area_id=row.area_id)
        platform.marac.escalate_action(case_id, action_id, by=job.subject)
        escalated.append(action_id)
    if escalated:
        platform.runner.catch_up()
    return escalated
