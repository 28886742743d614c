"""Response body of a case's MARRAC summary (services/marrac_summary.py): times as the summary
has always written them (isoformat), the closure as the case view shows it."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from api.schemas import ClosureView, FromResult, IsoformatDateTime
from domain.marrac import Me, ReviewOutcome, Step


class AllocationRecord(FromResult):
    coordinator: str = Field(description="The case co-ordinator's staff id")
    by: str
    at: IsoformatDateTime


class AllocationState(FromResult):
    coordinator: str | None = Field(description="The current one; null until allocated")
    allocated_at: IsoformatDateTime | None = Field(description="The first allocation's time")
    history: list[AllocationRecord]


class StepState(FromResult):
    step: Step
    done: bool
    by: str | None
    at: IsoformatDateTime | None


class MeTime(FromResult):
    minutes: int
    contacts: int


class ChildMe(FromResult):
    """A child, an ME of its own."""

    child: UUID = Field(description="The child subject's id")
    needs: str | None = Field(description="Null until recorded")
    minutes: int
    contacts: int


class FeedbackRecord(FromResult):
    """Feedback collated at closure, from one ME or one agency."""

    feedback_id: UUID
    me: Me | None
    child: UUID | None
    agency_id: UUID | None
    text: str
    by: str
    at: IsoformatDateTime


class PlanState(FromResult):
    """The SMART plan, due within 48 hours of allocation."""

    due_by: IsoformatDateTime | None
    agreed_at: IsoformatDateTime | None
    on_time: bool | None = Field(description="Null until agreed")
    late: bool = Field(description="Agreed late, or not agreed and past due")


class ReviewState(FromResult):
    """The plan's first review, due two weeks after it was agreed."""

    due_by: IsoformatDateTime | None
    reviewed_at: IsoformatDateTime | None
    on_time: bool | None = Field(description="Null until reviewed")
    late: bool = Field(description="Reviewed late, or not reviewed and past due")
    still_meets_purpose: bool | None
    outcome: ReviewOutcome | None
    reviews: int


class MarracSummary(FromResult):
    case_id: UUID
    status: str
    allocation: AllocationState
    steps: list[StepState] = Field(description="The four steps, in order")
    next_step: Step | None = Field(description="Null once all four are done")
    needs: dict[Me, str | None] = Field(description="Each ME's needs; null until recorded")
    time_per_me: dict[Me, MeTime] = Field(description="All children together under `child`")
    children: list[ChildMe] = Field(description="Each child on the case, an ME of its own")
    plan: PlanState
    review: ReviewState
    closure: ClosureView | None
    feedback: list[FeedbackRecord]
