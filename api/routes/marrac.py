"""/api/v1/cases/{case_id}/marrac: Lancashire's coordinator-led model (MARRAC areas only)."""

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
from domain.marrac import MAX_CONTACT_MINUTES, MAX_NEEDS_LENGTH
from services import marrac
from services.marrac_summary import summary as marrac_summary

router = APIRouter(prefix="/api/v1/cases/{case_id}/marrac", tags=["marrac"],
                   responses=AUTHENTICATED)
StaffId = Annotated[str, Field(min_length=1, max_length=200)]
Me = Literal["victim", "perpetrator", "child"]


class AllocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    coordinator: StaffId


class StepCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: Literal["gather_and_assess", "analyse_risk_and_need", "identify_solution",
                  "complete_case"]


class NeedsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    me: Me
    needs: Annotated[str, Field(min_length=1, max_length=MAX_NEEDS_LENGTH)]


class ContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    me: Me
    minutes: Annotated[StrictInt, Field(ge=1, le=MAX_CONTACT_MINUTES)]
    at: schemas.IsoDateTime | None = None  # when it took place; now if not given


class MarracReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    still_meets_purpose: StrictBool
    outcome: Literal["continue_plan", "revise_plan", "ready_to_close"]


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
    marrac.complete_step(platform, actor, case_id, body.step)
    return Response(status_code=204)


@router.post("/needs", status_code=204, responses=NOT_FOUND)
def record_needs(case_id: UUID, body: NeedsCreate, platform: CurrentPlatform,
                 actor: CurrentActor) -> Response:
    marrac.record_needs(platform, actor, case_id, body.me, body.needs)
    return Response(status_code=204)


@router.post("/contacts", status_code=201, response_model=schemas.Created, responses=NOT_FOUND)
def record_contact(case_id: UUID, body: ContactCreate, platform: CurrentPlatform,
                   actor: CurrentActor) -> schemas.Created:
    """Time spent with an ME."""
    return schemas.Created(id=marrac.record_contact(platform, actor, case_id, body.me,
                                                    minutes=body.minutes, at=body.at))


@router.post("/plan", status_code=204, responses=NOT_FOUND)
def agree_plan(case_id: UUID, platform: CurrentPlatform, actor: CurrentActor) -> Response:
    """The SMART plan (the case's actions) is agreed with the MEs, now."""
    marrac.agree_plan(platform, actor, case_id)
    return Response(status_code=204)


@router.post("/reviews", status_code=204, responses=NOT_FOUND)
def review_marrac_plan(case_id: UUID, body: MarracReviewCreate, platform: CurrentPlatform,
                       actor: CurrentActor) -> Response:
    marrac.review(platform, actor, case_id, still_meets_purpose=body.still_meets_purpose,
                  outcome=body.outcome)
    return Response(status_code=204)
