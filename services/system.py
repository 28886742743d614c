"""The platform's own jobs (the worker) and its command-line operators, as actors.

A system principal comes from no token and the policy grants it nothing (security/policy.py):
a job does what it is for, and each of its steps is recorded through the same trail as a
person's request, as a request of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from audit.trail import AuditTrail
from security.identity import Principal
from security.policy import Viewer
from services.actor import Actor, TrailAudit

ESCALATION = "system:action-escalation"
RETENTION = "system:retention"
# Sends the notifications e-mails (notifications/sender.py).
NOTIFIER = "system:notifier"


def operator(login: str) -> str:
    """The actor of a command run by `login` at the command line."""
    return f"cli:{login}"


def system_principal(subject: str, *, agency_id: UUID | None = None,
                     area_id: UUID | None = None, client_id: str | None = None) -> Principal:
    """`agency_id` and `client_id`: whom a step acts towards (a feed's delivery records its
    subscription's agency and client)."""
    return Principal(subject=subject, kind="system", agency_id=agency_id, area_id=area_id,
                     roles=frozenset(), client_id=client_id)


@dataclass(frozen=True)
class SystemJob:
    """A job run as `principal`: each `step()` is a request of its own, with its own id and
    its one audit record."""

    trail: AuditTrail
    now: Callable[[], datetime]
    principal: Principal

    @classmethod
    def named(cls, trail: AuditTrail, now: Callable[[], datetime], subject: str) -> SystemJob:
        return cls(trail, now, system_principal(subject))

    @property
    def subject(self) -> str:
        return self.principal.subject

    def step(self) -> Actor:
        # No keyed reference: a system principal is named in no case's grants or exclusions.
        return Actor(Viewer(self.principal, ""), TrailAudit(self.trail, self.principal, self.now))
