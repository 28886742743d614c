"""Lancashire's MARRAC model: a case co-ordinator owns each case, with no meeting. Its steps,
its three MEs (victim, perpetrator, child: each child an ME of its own), and its clocks: a SMART
plan within 48 hours of allocation, a review two weeks after the plan. What happened is recorded
with the time it happened, given by the co-ordinator within bounds (after allocation, not in the
future), so that a day's work can be entered on that day, after the event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args
from uuid import UUID

from domain.exceptions import DomainError

Step = Literal["gather_and_assess", "analyse_risk_and_need", "identify_solution",
               "complete_case"]
STEPS: tuple[str, ...] = get_args(Step)
Me = Literal["victim", "perpetrator", "child"]
MES: tuple[str, ...] = get_args(Me)
ReviewOutcome = Literal["continue_plan", "revise_plan", "ready_to_close"]
REVIEW_OUTCOMES: tuple[str, ...] = get_args(ReviewOutcome)

PLAN_WITHIN = timedelta(hours=48)
REVIEW_AFTER = timedelta(days=14)
# One contact longer than a working day is a typing error, not a visit.
MAX_CONTACT_MINUTES = 600
MAX_NEEDS_LENGTH = 2000
MAX_FEEDBACK_LENGTH = 4000


class InvalidMarracChange(DomainError):
    code = "invalid_marrac_change"


class NotAMarracArea(InvalidMarracChange):
    code = "not_a_marrac_area"


class NotAllocated(InvalidMarracChange):
    code = "marrac_not_allocated"


class StepOutOfOrder(InvalidMarracChange):
    code = "marrac_step_out_of_order"


class TimeOutOfBounds(InvalidMarracChange):
    """A time given for what happened falls before what must come first, or in the future."""

    code = "marrac_time_out_of_bounds"


class CompletedByClosing(InvalidMarracChange):
    """The fourth step, complete the case, is recorded by closing the case, never alone."""

    code = "marrac_completed_by_closing"


@dataclass(frozen=True)
class Allocation:
    coordinator: str  # the case co-ordinator's staff subject id
    by: str
    at: datetime


@dataclass(frozen=True)
class StepCompleted:
    step: Step
    by: str
    at: datetime


@dataclass(frozen=True)
class MeNeeds:
    me: Me
    needs: str  # free text, personal data: only in encrypted events and the sealed document
    by: str
    at: datetime
    # Each child is an ME of its own: the child subject's id (None for victim, perpetrator, and
    # for needs recorded before children were told apart).
    child: UUID | None = None


@dataclass(frozen=True)
class MeContact:
    contact_id: UUID
    me: Me
    minutes: int
    at: datetime
    by: str
    child: UUID | None = None  # as MeNeeds.child


@dataclass(frozen=True)
class Feedback:
    """At closure, feedback collated from an ME or from an agency told of the closure."""

    feedback_id: UUID
    text: str  # free text, personal data: only in encrypted events and the sealed document
    by: str
    at: datetime
    me: Me | None = None
    child: UUID | None = None
    agency_id: UUID | None = None


@dataclass(frozen=True)
class PlanAgreed:
    by: str
    at: datetime


@dataclass(frozen=True)
class Review:
    by: str
    at: datetime
    still_meets_purpose: bool
    outcome: ReviewOutcome


def next_step(done: Iterable[str]) -> str | None:
    """The step to complete next; None once all four are done."""
    completed = set(done)
    return next((s for s in STEPS if s not in completed), None)


def check_next_step(done: Iterable[str], step: str) -> None:
    if step not in STEPS:
        raise InvalidMarracChange(f"a step is one of {STEPS}")
    expected = next_step(done)
    if step != expected:
        raise StepOutOfOrder(f"the next step is {expected or 'none: all are complete'}")


def check_happened(what: str, at: datetime, not_before: datetime, recorded_at: datetime) -> None:
    """A time given for what happened: not before `not_before` (allocation, or what must come
    first), not after it is recorded (the future)."""
    if at.tzinfo is None:
        raise TimeOutOfBounds(f"the time {what} happened needs a time zone")
    if at > recorded_at:
        raise TimeOutOfBounds(f"{what} cannot have happened in the future")
    if at < not_before:
        raise TimeOutOfBounds(f"{what} cannot have happened before {not_before.isoformat()}")


def check_contact(contact: MeContact, allocated_at: datetime, recorded_at: datetime) -> None:
    if contact.me not in MES:
        raise InvalidMarracChange(f"an ME is one of {MES}")
    if isinstance(contact.minutes, bool) or not 1 <= contact.minutes <= MAX_CONTACT_MINUTES:
        raise InvalidMarracChange(f"a contact lasts 1 to {MAX_CONTACT_MINUTES} minutes")
    check_happened("a contact", contact.at, allocated_at, recorded_at)


def check_feedback(feedback: Feedback) -> None:
    if (feedback.me is None) == (feedback.agency_id is None):
        raise InvalidMarracChange("feedback comes from one ME or one agency")
    if feedback.me is not None and feedback.me not in MES:
        raise InvalidMarracChange(f"an ME is one of {MES}")
    if not feedback.text.strip() or len(feedback.text) > MAX_FEEDBACK_LENGTH:
        raise InvalidMarracChange(f"feedback is 1 to {MAX_FEEDBACK_LENGTH} characters")


def plan_due(allocated_at: datetime) -> datetime:
    return allocated_at + PLAN_WITHIN


def review_due(plan_agreed_at: datetime) -> datetime:
    return plan_agreed_at + REVIEW_AFTER


@dataclass(frozen=True)
class Deadline:
    due_by: datetime
    done_at: datetime | None
    # None while not done; `late` is also true of a deadline passed with nothing done.
    on_time: bool | None
    late: bool


def deadline(due_by: datetime, done_at: datetime | None, now: datetime) -> Deadline:
    if done_at is None:
        return Deadline(due_by, None, None, now > due_by)
    on_time = done_at <= due_by
    return Deadline(due_by, done_at, on_time, not on_time)


def time_per_me(contacts: Iterable[MeContact]) -> dict[str, tuple[int, int]]:
    """(total minutes, number of contacts) for each ME, zero where never contacted."""
    totals = dict.fromkeys(MES, (0, 0))
    for c in contacts:
        minutes, count = totals[c.me]
        totals[c.me] = (minutes + c.minutes, count + 1)
    return totals


def time_per_child(contacts: Iterable[MeContact]) -> dict[UUID, tuple[int, int]]:
    """(total minutes, number of contacts) for each child contacted, each an ME of its own."""
    totals: dict[UUID, tuple[int, int]] = {}
    for c in contacts:
        if c.me == "child" and c.child is not None:
            minutes, count = totals.get(c.child, (0, 0))
            totals[c.child] = (minutes + c.minutes, count + 1)
    return totals


def least_loaded(loads: dict[str, int]) -> str | None:
    """Work given out evenly: the candidate with the fewest open cases; ties by id."""
    return min(loads, key=lambda c: (loads[c], c)) if loads else None
