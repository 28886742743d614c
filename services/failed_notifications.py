"""The e-mailed notifications that failed, for the area's coordinators and chairs to act on (set
a mailbox right, tell the agency another way): each one's kind, recipient, case or meeting,
when it was noticed and given up, its attempts and its SMTP reply code; never an address. Only
those about cases and meetings the caller may see are listed: a restricted case's failed
notice is not there for anyone outside it, as the case itself is not.

The outbox that keeps them (notifications/outbox.py, above this layer) answers `FailureLog`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from security.identity import Principal
from security.policy import may_see_failed_notifications
from services.actor import Actor
from services.case_access import Stores, visible_cases
from services.meetings import meetings_seen

# An SMTP reply code of the 5yz class (RFC 5321): the server's last word on the message,
# failed at once (notifications/failures.py); anything else failed for three days.
_REFUSED = "smtp:5"


@dataclass(frozen=True)
class FailedNotification:
    message_id: UUID
    # One of notifications.notices.NOTICE_KINDS (the API's schema names them).
    kind: str
    # The agency told; None: the area's coordinators' mailbox.
    recipient_agency_id: UUID | None
    case_id: UUID | None
    meeting_id: UUID | None
    created_at: datetime
    failed_at: datetime
    attempts: int
    # `smtp:550` (the server's reply code), or the kind of connection error.
    error: str

    @property
    def refused(self) -> bool:
        """Refused for good by the mail server (a 5yz reply): the address, or the message,
        is wrong; otherwise the server could not be reached, or kept deferring, for days."""
        return self.error.startswith(_REFUSED)


class FailureLog(Protocol):
    def failures(self, area_id: UUID) -> list[FailedNotification]:
        """The area's notices given up on, latest first."""
        ...


def sees_failed_notifications(principal: Principal) -> bool:
    """Whether the failed notifications are the person's to act on (their pages offer them
    to those only)."""
    return may_see_failed_notifications(principal)


def failed_notifications(stores: Stores, log: FailureLog,
                         actor: Actor) -> list[FailedNotification]:
    """The caller's area's failed notifications, latest first."""
    area_id = actor.principal.area_id
    if area_id is None or not may_see_failed_notifications(actor.principal):
        actor.deny("list", "Coordinators and chairs see the area's failed notifications",
                   items=("notifications",))
    failed = log.failures(area_id)
    cases = set(visible_cases(stores, actor, sorted(
        {f.case_id for f in failed if f.case_id is not None}, key=str)))
    meetings = meetings_seen(stores, actor, area_id,
                             {f.meeting_id for f in failed if f.meeting_id is not None})
    shown = [f for f in failed if (f.case_id in cases if f.case_id is not None
                                   else f.meeting_id in meetings)]
    actor.audit.record("list", "allowed", items=("notifications", *dict.fromkeys(
        str(f.case_id or f.meeting_id) for f in shown)))
    return shown
