"""/api/v1/cases/{case_id}/marrac: Lancashire's coordinator-led model (MARRAC areas only). Each
write may say when it happened (`at`, now if left out): not before allocation (or what must come
first), not in the future, so that a day's work is entered on the day, after the event."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from api import schemas
from api.auth import CurrentActor, CurrentPlatform, RequiredPurpose
from api.errors import AUTHENTICATED, NEEDS_PURPOSE, NOT_FOUND
from api.marrac_schemas import MarracSummary
from api.plain import answer
from domain.marrac import MAX_CONTACT_MINUTES, MAX_FEEDBACK_LENGTH, MAX_NEEDS_LENGTH
from services import marrac
from services.marrac_summary import summary as marrac_summary

router = APIRouter(prefix="/api/v1/cases/{case_id}/marrac", tags=["marrac"],
                   responses=AUTHENTICATED)
StaffId = Annotated[str, Field(min_length=1, max_length=200)]
Me = Literal["victim", "perpetrator", "child"]


class AllocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    coordinator: StaffId


# When it happened; now if not given.
At = Annotated[schemas.IsoDateTime | None, Field(description="When it happened; now if left out")]
# Which child, each an ME of its own: the child subject's id (may be left out with one child).
Child = Annotated[UUID | None, Field(description="The child subject's id, for a child ME")]


class StepCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # complete_case is refused here: it is completed by closing (POST .../marrac/closure).
    step: Literal["gather_and_assess", "analyse_risk_and_need", "identify_solution",
                  "complete_case"]
    at: At = None


class NeedsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    me: Me
    needs: Annotated[str, Field(min_length=1, max_length=MAX_NEEDS_LENGTH)]
    child: Child = None


class ContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    me: Me
    minutes: Annotated[StrictInt, Field(ge=1, le=MAX_CONTACT_MINUTES)]
    at: At = None
    child: Child = None


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: At = None


class MarracReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    still_meets_purpose: StrictBool
    outcome: Literal["continue_plan", "revise_plan", "ready_to_close"]
    at: At = None


class MarracClosureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: schemas.Reason
    at: At = None


class ToldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency_id: UUID
    at: At = None


class FeedbackCreate(BaseModel):
    """From one ME (`me`, and `child` for a child) or one agency told of the closure."""

    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=MAX_FEEDBACK_LENGTH)]
    me: Me | None = None
    child: Child = None
    agency_id: UUID | None = None
    at: At = None


@router.get("", response_model=MarracSummary, responses={**NOT_FOUND, **NEEDS_PURPOSE})
def view_marrac_summary(case_id: UUID, purpose: RequiredPurpose, platform: CurrentPlatform,
                        actor: CurrentActor) -> MarracSummary:
    """Allocation, steps, needs, time per ME, plan and review deadlines, closure informing."""
    # The closure's schema is the case view's (api/schemas.py), read from attributes too.
    return MarracSummary.model_validate(
        marrac_summary(platform, replace(actor, purpose=purpose.value), case_id),
        from_attributes=True)


@router.get("/allocation-suggestion", response_model=schemas.AllocationSuggestion,
            responses=NOT_FOUND)
def suggest_allocation(
    case_id: UUID, platform: CurrentPlatform, actor: CurrentActor,
    candidate: Annotated[list[StaffId], Query(min_length=1, max_length=30)],
) -> dict[str, Any]:
    """Team leader: each candidate co-ordinator's open cases in the area; the least loaded."""
    return answer(marrac.suggest(platform, actor, case_id, candidate))


@router.post("/allocation", status_code=204, responses=NOT_FOUND)
def allocate_coordinator(case_id: UUID, body: AllocationCreate, platform: CurrentPlatform,
             actor: CurrentActor) -> Response:
    """Team leader: give the case to a case co-ordinator (again, to reallocate it)."""
    marrac.allocate(platform, actor, case_id, body.coordinator)
    return Response(status_code=204)


@router.post("/steps", status_code=204, responses=NOT_FOUND)
def complete_marrac_step(case_id: UUID, body: StepCreate, platform: CurrentPlatform,
                  actor: CurrentActor) -> Response:
    """Complete the next of the four steps; out of order is refused."""
    marrac.complete_step(platform, actor, case_id, body.step, at=body.at)
    return Response(status_code=204)


@router.post("/needs", status_code=204, responses=NOT_FOUND)
def record_needs(case_id: UUID, body: NeedsCreate, platform: CurrentPlatform,
                 actor: CurrentActor) -> Response:
    marrac.record_needs(platform, actor, case_id, body.me, body.needs, child=body.child)
    return Response(status_code=204)


@router.post("/contacts", status_code=201, response_model=schemas.Created, responses=NOT_FOUND)
def record_contact(case_id: UUID, body: ContactCreate, platform: CurrentPlatform,
                   actor: CurrentActor) -> schemas.Created:
    """Time spent with an ME."""
    return schemas.Created(id=marrac.record_contact(platform, actor, case_id, body.me,
                                                    minutes=body.minutes, at=body.at,
                                                    child=body.child))


@router.post("/plan", status_code=204, responses=NOT_FOUND)
def agree_plan(case_id: UUID, platform: CurrentPlatform, actor: CurrentActor,
               body: PlanCreate | None = None) -> Response:
    """The SMART plan (the case's actions) is agreed with the MEs (no body: now)."""
    marrac.agree_plan(platform, actor, case_id, at=body.at if body else None)
    return Response(status_code=204)


@router.post("/reviews", status_code=204, responses=NOT_FOUND)
def review_marrac_plan(case_id: UUID, body: MarracReviewCreate, platform: CurrentPlatform,
                       actor: CurrentActor) -> Response:
    marrac.review(platform, actor, case_id, still_meets_purpose=body.still_meets_purpose,
                  outcome=body.outcome, at=body.at)
    return Response(status_code=204)


@router.post("/closure", status_code=204, responses=NOT_FOUND)
def complete_marrac_case(case_id: UUID, body: MarracClosureCreate, platform: CurrentPlatform,
                         actor: CurrentActor) -> Response:
    """The fourth step, complete the case: the case closes with it, at `at`, and each agency
    that may see it is to be told within 24 hours of then."""
    marrac.complete_case(platform, actor, case_id, reason=body.reason, at=body.at)
    return Response(status_code=204)


@router.post("/told", status_code=204, responses=NOT_FOUND)
def record_agency_told(case_id: UUID, body: ToldCreate, platform: CurrentPlatform,
                       actor: CurrentActor) -> Response:
    """The co-ordinator told an agency of the closure at `at`."""
    marrac.record_told(platform, actor, case_id, body.agency_id, at=body.at)
    return Response(status_code=204)


@router.post("/feedback", status_code=201, response_model=schemas.Created, responses=NOT_FOUND)
def record_feedback(case_id: UUID, body: FeedbackCreate, platform: CurrentPlatform,
                    actor: CurrentActor) -> schemas.Created:
    """Feedback collated at closure from an ME or an agency told of the closure."""
    return schemas.Created(id=marrac.record_feedback(
        platform, actor, case_id, body.text, me=body.me, child=body.child,
        agency_id=body.agency_id, at=body.at))
