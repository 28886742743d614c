"""A case's MARRAC summary: allocation, the four steps, needs and time per ME (and per child,
each an ME of its own), the plan's and the review's deadlines, the closure's informing and the
feedback collated at closure, worked out at the time asked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.marrac import (
    MES,
    STEPS,
    Allocation,
    Deadline,
    MeContact,
    deadline,
    next_step,
    plan_due,
    review_due,
    time_per_child,
    time_per_me,
)
from projections.cases import CaseDocument
from services.actor import Actor
from services.case_access import Stores, case_not_found, coordinated
from services.closure import ClosureState, closure_state
from services.errors import Invalid


@dataclass(frozen=True)
class AllocationState:
    coordinator: str | None
    allocated_at: datetime | None
    history: tuple[Allocation, ...]


@dataclass(frozen=True)
class StepState:
    step: str
    done: bool
    by: str | None
    at: datetime | None


@dataclass(frozen=True)
class MeTime:
    minutes: int
    contacts: int


@dataclass(frozen=True)
class ChildMe:
    """One child, an ME of its own: its needs and the time spent with it."""

    child: UUID  # the child subject's id
    needs: str | None
    minutes: int
    contacts: int


@dataclass(frozen=True)
class FeedbackState:
    feedback_id: UUID
    me: str | None
    child: UUID | None
    agency_id: UUID | None
    text: str
    by: str
    at: datetime


@dataclass(frozen=True)
class PlanState:
    due_by: datetime | None
    agreed_at: datetime | None
    on_time: bool | None
    late: bool


@dataclass(frozen=True)
class ReviewState:
    due_by: datetime | None
    reviewed_at: datetime | None
    on_time: bool | None
    late: bool
    still_meets_purpose: bool | None
    outcome: str | None
    reviews: int


@dataclass(frozen=True)
class MarracSummary:
    case_id: UUID
    status: str
    allocation: AllocationState
    steps: tuple[StepState, ...]
    next_step: str | None
    needs: Mapping[str, str | None]
    time_per_me: Mapping[str, MeTime]
    children: tuple[ChildMe, ...]  # every child on the case, in the referral's order
    plan: PlanState
    review: ReviewState
    closure: ClosureState | None
    feedback: tuple[FeedbackState, ...]


def summary(stores: Stores, actor: Actor, case_id: UUID) -> MarracSummary:
    """Read with the actor's purpose, by the case's coordinators."""
    purpose = actor.purpose
    if purpose is None:
        raise Invalid("Reading case content needs a purpose", "purpose_required")
    access = coordinated(stores, actor, case_id, "read_marrac", purpose)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    actor.audit.record("read_marrac", "allowed", case_id=case_id, purpose=purpose,
                       items=("marrac",), area_id=access.area_id)
    return marrac_summary(document, stores.now())


def _children(document: CaseDocument, contacts: tuple[MeContact, ...]) -> tuple[ChildMe, ...]:
    needs = document.marrac.child_needs
    times = time_per_child(contacts)
    return tuple(ChildMe(s.subject_id, needs[s.subject_id].needs if s.subject_id in needs
                         else None, *times.get(s.subject_id, (0, 0)))
                 for s in document.referral.subjects if s.role == "child")


def _feedback(document: CaseDocument) -> tuple[FeedbackState, ...]:
    return tuple(FeedbackState(f.feedback_id, f.me, f.child, f.agency_id, f.text, f.by, f.at)
                 for f in document.marrac.feedback)


def _deadline(state: Deadline | None
              ) -> tuple[datetime | None, datetime | None, bool | None, bool]:
    """Due by, done at, on time, late; nothing due yet is not late."""
    if state is None:
        return None, None, None, False
    return state.due_by, state.done_at, state.on_time, state.late


def marrac_summary(document: CaseDocument, now: datetime) -> MarracSummary:
    """Deadlines and flags are worked out at `now`, from the sealed document's record (one
    sealed before MARRAC existed reads as nothing done yet)."""
    m = document.marrac
    plan_at = m.plan_agreed.at if m.plan_agreed else None
    first = m.reviews[0] if m.reviews else None
    steps = {s.step: s for s in m.steps}
    needs: dict[str, str] = {n.me: n.needs for n in m.needs.values()}
    plan_deadline = deadline(plan_due(m.allocated_at), plan_at, now) if m.allocated_at else None
    review_deadline = (deadline(review_due(plan_at), first.at if first else None, now)
                       if plan_at else None)
    return MarracSummary(
        case_id=document.case_id,
        status=document.status,
        allocation=AllocationState(m.coordinator, m.allocated_at, m.allocations),
        steps=tuple(StepState(s, s in steps, steps[s].by if s in steps else None,
                              steps[s].at if s in steps else None) for s in STEPS),
        next_step=next_step(steps),
        needs={me: needs.get(me) for me in MES},
        time_per_me={me: MeTime(minutes, count)
                     for me, (minutes, count) in time_per_me(m.contacts).items()},
        children=_children(document, m.contacts),
        plan=PlanState(*_deadline(plan_deadline)),
        review=ReviewState(*_deadline(review_deadline),
                           still_meets_purpose=first.still_meets_purpose if first else None,
                           outcome=first.outcome if first else None, reviews=len(m.reviews)),
        closure=closure_state(document, now),
        feedback=_feedback(document),
    )
