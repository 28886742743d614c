"""What a coordinator decides a referral's threshold from: the referral with its DASH score
and the criteria it meets under the area's settings, and beside it the possible repeats
(services/repeats.py), in one read recorded for the threshold decision. The decision itself is
services/referrals.py's `decide`, as the API records it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.application import PossibleRepeat
from domain.case import Decision
from services.actor import Actor
from services.case_access import Stores, case_not_found, coordinated
from services.case_lists import CaseSummary, summaries
from services.case_view import ReferralView
from services.purposes import Purpose
from services.repeats import visible_repeats


@dataclass(frozen=True)
class RepeatCandidate:
    """A possible repeat, with its label for the coordinator who may see it."""

    case_id: UUID
    label: str | None
    matched_on: tuple[str, ...]
    status: str
    last_referral_on: date
    within_window: bool
    # How strongly it looks like the same victim, and why (domain/repeat_strength.py).
    strength: int = 0
    reason: str = ""
    strong: bool = False


@dataclass(frozen=True)
class ThresholdReview:
    summary: CaseSummary
    referral: ReferralView
    # None until decided: then the page shows the decision instead of asking for one.
    decision: Decision | None
    possible_repeats: tuple[RepeatCandidate, ...]
    # The area's settings the criteria were judged by, for the coordinator to see why.
    referral_threshold: int
    escalation_count: int
    repeat_window_months: int


def threshold_review(stores: Stores, actor: Actor, case_id: UUID) -> ThresholdReview:
    """For the area's coordinators and chairs, on a case they may see (another person who may
    see it is refused; one who may not, the uniform 404); read for the threshold decision."""
    purpose = Purpose.threshold_decision.value
    access = coordinated(stores, actor, case_id, "read", purpose)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    found: list[PossibleRepeat] = visible_repeats(stores, actor, case_id)
    labels = stores.cases.labels([f.case_id for f in found])
    (summary,) = summaries(stores, actor, [document])
    actor.audit.record_before_response(
        "read", "allowed", case_id=case_id, purpose=purpose, area_id=access.area_id,
        items=("referral", *(["decision"] if document.decision else []),
               *(str(f.case_id) for f in found)))
    settings = stores.marac.get_area(document.area_id).settings
    return ThresholdReview(
        summary=summary, referral=ReferralView.of(document.referral, settings),
        decision=document.decision,
        possible_repeats=tuple(RepeatCandidate(f.case_id, labels.get(f.case_id), f.matched_on,
                                               f.status, f.last_referral_on, f.within_window,
                                               f.strength, f.reason, f.strong)
                               for f in found),
        referral_threshold=settings.referral_threshold,
        escalation_count=settings.escalation_count,
        repeat_window_months=settings.repeat_window_months)
