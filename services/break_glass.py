"""Break-glass: a representative opens a non-restricted case they cannot otherwise see, giving
a reason, for at most `domain.access.MAX_BREAK_GLASS_MINUTES`; each use awaits the DPO's
review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.access import MAX_BREAK_GLASS_MINUTES
from security.identity import Principal
from security.policy import (
    break_glass_ends,
    case_visibility,
    may_ask_break_glass,
    may_break_glass,
)
from services.actor import Actor
from services.case_access import Stores, case_not_found, visible, writing
from services.errors import Conflict

# What the audit record of a look at one's own session names (no case content is shown).
SESSION_SHOWN = ("break_glass_session",)


@dataclass(frozen=True)
class OwnAccess:
    """How the caller sees a case they may see: through their own break-glass session, until
    `expires_at` (`left` from now), or otherwise (both None)."""

    expires_at: datetime | None
    left: timedelta | None

    @property
    def by_break_glass(self) -> bool:
        return self.expires_at is not None


def asks_emergency_access(principal: Principal) -> bool:
    """Whether the person may ask for emergency access to a case (their pages offer the
    break-glass form to those only)."""
    return may_ask_break_glass(principal)


def open_break_glass(stores: Stores, actor: Actor, case_id: UUID, *, reason: str,
                minutes: int = MAX_BREAK_GLASS_MINUTES) -> datetime:
    """When the access expires. A case the caller may not break into (restricted, say)
    answers as missing, as one that does not exist."""
    now = stores.now()
    access = stores.cases.access([case_id]).get(case_id)
    if access is not None and case_visibility(actor.viewer, access, now) is not None:
        actor.audit.record("break_glass", "rejected", case_id=case_id)
        raise Conflict("You can already see this case", code="already_visible")
    agency_id = actor.principal.agency_id
    # may_break_glass requires an agency; the second test narrows the type.
    if access is None or not may_break_glass(actor.viewer, access, now) or agency_id is None:
        actor.audit.record("break_glass", "not_found" if access is None else "denied",
                           case_id=case_id)
        raise case_not_found(case_id)
    with writing(stores, actor, "break_glass", case_id, access.area_id):
        return stores.marac.open_break_glass(case_id, person=actor.principal.subject,
                                             agency_id=agency_id, reason=reason,
                                             minutes=minutes)


def own_access(stores: Stores, actor: Actor, case_id: UUID) -> OwnAccess:
    """Whether the caller sees the case through a break-glass session of theirs, and for how
    long yet. A case they may not see (missing, hidden, or one they may yet break into)
    answers as missing, alike; the look is recorded as a read of their session."""
    access, _ = visible(stores, actor, case_id, "read", actor.purpose)
    now = stores.now()
    actor.audit.record_before_response("read", "allowed", case_id=case_id,
                                       purpose=actor.purpose, items=SESSION_SHOWN,
                                       area_id=access.area_id)
    expires_at = break_glass_ends(actor.viewer, access, now)
    return OwnAccess(expires_at, expires_at - now if expires_at else None)
