"""Escalation of overdue actions: run by the worker, so that nothing waits for someone to look."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from api.bootstrap import Platform
from audit.trail import AuditRecord
from domain.actions import is_overdue

ESCALATION_ACTOR = "system:action-escalation"


def escalate_overdue(platform: Platform, today: date) -> list[UUID]:
    """Escalate every open, overdue, not yet escalated action to the case's coordinators."""
    escalated: list[UUID] = []
    for row in platform.cases.actions(open_only=True):
        if row["escalated"] or not is_overdue(date.fromisoformat(row["due_on"]), None, today):
            continue
        case_id, action_id = UUID(row["case_id"]), UUID(row["action_id"])
        platform.audit.record(AuditRecord(
            request_id=str(uuid4()), actor=ESCALATION_ACTOR, actor_kind="system",
            agency_id=None, client_id=None, roles=(), action="escalate", purpose=None,
            case_id=case_id, outcome="allowed", item_ids=(str(action_id),), at=platform.now(),
            area_id=UUID(row["area_id"])))
        platform.marac.escalate_action(case_id, action_id, by=ESCALATION_ACTOR)
        escalated.append(action_id)
    if escalated:
        platform.runner.catch_up()
    return escalated
