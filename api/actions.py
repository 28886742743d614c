"""The worker's escalation job: services/escalation.py, run by the system actor
`system:action-escalation`."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from api.bootstrap import Platform
from services import escalation
from services.system import ESCALATION, SystemJob


def escalate_overdue(platform: Platform, today: date) -> list[UUID]:
    """Escalate every open, overdue, not yet escalated action to the case's coordinators."""
    job = SystemJob.named(platform.audit, platform.now, ESCALATION)
    return escalation.escalate_overdue(platform, job, today)
