"""What the area's coordinators and chairs review: open cases reaching the end of their repeat
window, and restrictions due their 90-day review. Each lists only cases the caller may see
and coordinate: a restricted case they are not a member of is not there, due or not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from domain.repeats import repeat_window_ends
from projections.cases import RestrictionDue
from security.identity import Principal
from security.policy import (
    may_coordinate,
    may_read_audit,
    may_review_cases,
    may_see_case_metadata,
)
from services.actor import Actor
from services.case_access import Stores, visible_cases
from services.case_lists import CaseSummary, summaries

__all__ = ["Anniversary", "CaseReviews", "RestrictionDue", "RestrictionReview",
           "anniversaries", "anniversaries_due", "restrictions_due",
           "restrictions_due_for_oversight", "reviews_cases", "reviews_due"]


@dataclass(frozen=True)
class Anniversary:
    """An open case and the day its repeat window ends (its last referral's anniversary):
    after it, a new incident is a new referral, not a repeat."""

    summary: CaseSummary
    falls_on: date


@dataclass(frozen=True)
class RestrictionReview:
    """A restriction due its review, with the case's label (the caller coordinates it)."""

    case_id: UUID
    label: str | None
    review_due: datetime
    # No members named yet: the referrer and the area's coordinators see it meanwhile.
    provisional: bool


@dataclass(frozen=True)
class CaseReviews:
    """The coordinators' reviews due within `within_days` of today (or already due)."""

    within_days: int
    anniversaries: tuple[Anniversary, ...]
    restrictions: tuple[RestrictionReview, ...]


def reviews_cases(principal: Principal) -> bool:
    """Whether the area's case reviews are the person's (their pages offer them to those
    only)."""
    return may_review_cases(principal)


def _coordinated_area(actor: Actor, message: str) -> UUID:
    """The caller's area, where they coordinate or chair; anyone else is refused."""
    area_id = actor.principal.area_id
    if area_id is None or not may_review_cases(actor.principal):
        actor.deny("list", message)
    return area_id


def anniversaries(stores: Stores, actor: Actor, within_days: int) -> list[CaseSummary]:
    """Open cases reaching the end of their repeat window (12 months from the last referral)
    within `within_days`: due a review before a new incident is a new case."""
    return [a.summary for a in anniversaries_due(stores, actor, within_days)]


def anniversaries_due(stores: Stores, actor: Actor, within_days: int) -> list[Anniversary]:
    """`anniversaries`, each with the day its window ends; the earliest first."""
    area_id = _coordinated_area(actor, "Coordinators and chairs review the area's cases")
    window = stores.marac.get_area(area_id).settings.repeat_window_months
    horizon = stores.now().date() + timedelta(days=within_days)
    visible = visible_cases(stores, actor, stores.cases.candidates(area_id, []))
    rows = [r for r in stores.cases.index_rows(visible).values()
            if r.status == "accepted" and repeat_window_ends(r.last_referral_on, window)
            <= horizon]
    rows.sort(key=lambda r: (r.last_referral_on, str(r.case_id)))
    actor.audit.record("list", "allowed", items=tuple(str(r.case_id) for r in rows))
    return [Anniversary(s, repeat_window_ends(s.last_referral_on, window))
            for s in summaries(stores, actor, rows)]


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


def reviews_due(stores: Stores, actors: Callable[[], Actor], within_days: int) -> CaseReviews:
    """Both lists, as the API gives them (GET /case-reviews/anniversaries and /restrictions),
    for the coordinators' page. `actors`: the caller, anew for each list, since each is read
    and recorded by its own use case."""
    found = anniversaries_due(stores, actors(), within_days)
    due = restrictions_due(stores, actors(), within_days)
    labels = stores.cases.labels([d.case_id for d in due])
    return CaseReviews(within_days, tuple(found), tuple(
        RestrictionReview(d.case_id, labels.get(d.case_id), d.review_due, d.provisional)
        for d in due))
