"""Break-glass: a representative opens a non-restricted case they cannot otherwise see, giving
a reason, for at most `domain.access.MAX_BREAK_GLASS_MINUTES`; each use awaits the DPO's
review."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.access import MAX_BREAK_GLASS_MINUTES
from security.policy import case_visibility, may_break_glass
from services.actor import Actor
from services.case_access import Stores, case_not_found, writing
from services.errors import Conflict


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
