"""The notifications that failed, for the area's coordinators and chairs to act on (set a
mailbox right, tell the agency another way): each one's kind, recipient, case or meeting, when
it was noticed and given up, its attempts and its SMTP reply code; never an address. Only
those about cases and meetings the caller may see are listed: a restricted case's failed
notice is not there for anyone outside it, as the case itself is not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.area import COORDINATORS
from notifications.notices import NoticeKind
from notifications.outbox import NotificationOutbox
from security.policy import is_coordinator_of
from services.actor import Actor
from services.case_access import Stores, visible_cases
from services.meetings import meetings_seen


@dataclass(frozen=True)
class FailedNotification:
    message_id: UUID
    kind: NoticeKind
    # The agency told; None: the area's coordinators' mailbox.
    recipient_agency_id: UUID | None
    case_id: UUID | None
    meeting_id: UUID | None
    created_at: datetime
    failed_at: datetime
    attempts: int
    # `smtp:550` (the server's reply code), or the kind of connection error.
    error: str


def failed_notifications(stores: Stores, outbox: NotificationOutbox,
                         actor: Actor) -> list[FailedNotification]:
    """The caller's area's failed notifications, latest first."""
    area_id = actor.principal.area_id
    if area_id is None or not is_coordinator_of(actor.principal, area_id):
        actor.deny("list", "Coordinators and chairs see the area's failed notifications",
                   items=("notifications",))
    failed = outbox.failures(area_id)
    cases = set(visible_cases(stores, actor, sorted(
        {f.notice.case_id for f in failed if f.notice.case_id is not None}, key=str)))
    meetings = meetings_seen(stores, actor, area_id, {f.notice.meeting_id for f in failed
                                               if f.notice.meeting_id is not None})
    shown = [f for f in failed if (f.notice.case_id in cases if f.notice.case_id is not None
                                   else f.notice.meeting_id in meetings)]
    actor.audit.record("list", "allowed", items=("notifications", *dict.fromkeys(
        str(f.notice.case_id or f.notice.meeting_id) for f in shown)))
    return [FailedNotification(
        f.notice.message_id, f.notice.kind,
        None if f.notice.recipient == COORDINATORS else UUID(f.notice.recipient),
        f.notice.case_id, f.notice.meeting_id, f.created_at, f.failed_at, f.attempts, f.error)
        for f in shown]
