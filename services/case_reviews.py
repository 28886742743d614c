"""What the area's coordinators and chairs review: open cases reaching the end of their repeat
window, and restrictions due their 90-day review. Each lists only cases the caller may see
and coordinate: a restricted case they are not a member of is not there, due or not."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from domain.repeats import repeat_window_ends
from projections.cases import RestrictionDue
from security.policy import (
    is_coordinator_of,
    may_coordinate,
    may_read_audit,
    may_see_case_metadata,
)
from services.actor import Actor
from services.case_access import Stores, visible_cases
from services.case_lists import CaseSummary, summaries

__all__ = ["RestrictionDue", "anniversaries", "restrictions_due",
           "restrictions_due_for_oversight"]


def _coordinated_area(actor: Actor, message: str) -> UUID:
    """The caller's area, where they coordinate or chair; anyone else is refused."""
    area_id = actor.principal.area_id
    if area_id is None or not is_coordinator_of(actor.principal, area_id):
        actor.deny("list", message)
    return area_id


def anniversaries(stores: Stores, actor: Actor, within_days: int) -> list[CaseSummary]:
    """Open cases reaching the end of their repeat window (12 months from the last referral)
    within `within_days`: due a review before a new incident is a new case."""
    area_id = _coordinated_area(actor, "Coordinators and chairs review the area's cases")
    window = stores.marac.get_area(area_id).settings.repeat_window_months
    horizon = stores.now().date() + timedelta(days=within_days)
    visible = visible_cases(stores, actor, stores.cases.candidates(area_id, []))
    rows = [r for r in stores.cases.index_rows(visible).values()
            if r.status == "accepted" and repeat_window_ends(r.last_referral_on, window)
            <= horizon]
    rows.sort(key=lambda r: (r.last_referral_on, str(r.case_id)))
    actor.audit.record("list", "allowed", items=tuple(str(r.case_id) for r in rows))
    return summaries(stores, actor, rows)


def restrictions_due(stores: Stores, actor: Actor, within_days: int) -> list[RestrictionDue]:
    """Restrictions due for review now or within `within_days`, of cases the caller
    coordinates."""
    area_id = _coordinated_area(actor, "Coordinators and chairs review the area's restrictions")
    now = stores.now()
    due = stores.cases.restrictions_due(area_id, now + timedelta(days=within_days))
    accesses = stores.cases.access([d.case_id for d in due])
    shown = [d for d in due if d.case_id in accesses
             and may_coordinate(actor.viewer, accesses[d.case_id], now)]
    actor.audit.record("list", "allowed", items=tuple(str(d.case_id) for d in shown))
    return shown


def restrictions_due_for_oversight(stores: Stores, actor: Actor,
                                   within_days: int) -> list[RestrictionDue]:
    """The same restrictions as the coordinators' list, for the area's data protection officer,
    who answers for their being reviewed in time: each case's id and dates only (metadata,
    security/policy.may_see_case_metadata), whoever else may see the case."""
    area_id = actor.principal.area_id
    if area_id is None or not may_read_audit(actor.principal):
        actor.deny("list", "Data protection officers oversee the area's restriction reviews")
    due = stores.cases.restrictions_due(area_id, stores.now() + timedelta(days=within_days))
    accesses = stores.cases.access([d.case_id for d in due])
    shown = [d for d in due if d.case_id in accesses
             and may_see_case_metadata(actor.viewer, accesses[d.case_id])]
    actor.audit.record("list", "allowed", items=tuple(str(d.case_id) for d in shown))
    return shown
