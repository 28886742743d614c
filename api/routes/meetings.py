"""/api/v1/meetings: MARAC hearings, their agendas, research, attendance, each case's hearing,
minutes and the review list; /api/v1/research-requests: an agency's research to do."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api import schemas
from api.auth import Audit, CurrentPlatform, CurrentViewer
from api.errors import AUTHENTICATED, NOT_FOUND
from api.meetings import Meetings
from domain.meeting import Risk

router = APIRouter(prefix="/api/v1/meetings", tags=["meetings"], responses=AUTHENTICATED)
research_router = APIRouter(prefix="/api/v1/research-requests", tags=["meetings"],
                            responses=AUTHENTICATED)


def meetings(platform: CurrentPlatform, viewer: CurrentViewer, audit: Audit) -> Meetings:
    return Meetings(platform, viewer, audit)


Work = Annotated[Meetings, Depends(meetings)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeetingCreate(Strict):
    kind: Literal["standard", "daily_triage", "harmful_practices", "emergency"]
    held_on: schemas.IsoDate
    # A closed (harmful-practices) hearing's named members, by staff id.
    members: Annotated[list[schemas.Staff], Field(max_length=30)] = []


class AgendaListing(Strict):
    case_id: UUID
    invite: Annotated[list[UUID], Field(max_length=30)] = []


class AttendanceCreate(Strict):
    acknowledge_confidentiality: StrictBool


class ResearchRequestCreate(Strict):
    case_id: UUID
    agencies: Annotated[list[UUID], Field(min_length=1, max_length=30)]
    due_on: schemas.IsoDate


class RiskIn(Strict):
    to: Literal["victim", "children", "perpetrator", "staff"]
    description: Annotated[str, Field(min_length=1, max_length=2_000)]


class HearingCreate(Strict):
    case_id: UUID
    risks: Annotated[list[RiskIn], Field(max_length=50)] = []


@router.post("", status_code=201, response_model=schemas.Created, responses=NOT_FOUND)
def schedule_meeting(body: MeetingCreate, work: Work) -> schemas.Created:
    return schemas.Created(id=work.schedule(body.kind, body.held_on, body.members))


@router.get("/next", response_model=schemas.NextMeeting | None)
def next_meeting(work: Work) -> dict[str, Any] | None:
    """The next meeting the caller may see, with the cases on its agenda they may see."""
    return work.next_agenda()


@router.get("/{meeting_id}", response_model=schemas.MeetingView, responses=NOT_FOUND)
def view_meeting(meeting_id: UUID, work: Work) -> dict[str, Any]:
    """The meeting, with its minutes' marking, due date and distribution."""
    return work.meeting(meeting_id)


@router.post("/{meeting_id}/agenda", status_code=204, responses=NOT_FOUND)
def list_case_for_hearing(meeting_id: UUID, body: AgendaListing, work: Work) -> Response:
    """List a case for the hearing; the agencies invited to it gain access to the case (in a
    closed hearing, as advisers on that case alone)."""
    work.list_case(meeting_id, body.case_id, body.invite)
    return Response(status_code=204)


@router.get("/{meeting_id}/agenda", response_model=list[schemas.AgendaEntry],
            responses=NOT_FOUND)
def view_agenda(meeting_id: UUID, work: Work) -> list[dict[str, Any]]:
    """The agenda in hearing order, showing only the cases the caller may see."""
    return work.agenda(meeting_id)


@router.post("/{meeting_id}/research-requests", status_code=204, responses=NOT_FOUND)
def request_research(meeting_id: UUID, body: ResearchRequestCreate, work: Work) -> Response:
    """Ask agencies invited to a listed case to research it before the hearing."""
    work.request_research(meeting_id, body.case_id, body.agencies, body.due_on)
    return Response(status_code=204)


@router.post("/{meeting_id}/attendance", status_code=204, responses=NOT_FOUND)
def record_attendance(meeting_id: UUID, body: AttendanceCreate, work: Work) -> Response:
    """Record the caller's attendance; the confidentiality statement must be acknowledged."""
    work.attend(meeting_id, body.acknowledge_confidentiality)
    return Response(status_code=204)


@router.post("/{meeting_id}/hearings", status_code=204, responses=NOT_FOUND)
def record_hearing(meeting_id: UUID, body: HearingCreate, work: Work) -> Response:
    """A listed case was heard: the risks identified to victim, children, perpetrator, staff."""
    work.record_hearing(meeting_id, body.case_id,
                        [Risk(r.to, r.description) for r in body.risks])
    return Response(status_code=204)


@router.get("/{meeting_id}/minutes/{case_id}", response_model=schemas.Minutes,
            responses=NOT_FOUND)
def view_minutes(meeting_id: UUID, case_id: UUID, work: Work) -> dict[str, Any]:
    """One case's minutes (OFFICIAL-SENSITIVE), as the caller's view of the case allows."""
    return work.minutes(meeting_id, case_id)


@router.post("/{meeting_id}/minutes/distribution", status_code=204, responses=NOT_FOUND)
def distribute_minutes(meeting_id: UUID, work: Work) -> Response:
    """Record that the minutes went out; the meeting shows whether within the deadline."""
    work.distribute_minutes(meeting_id)
    return Response(status_code=204)


@router.get("/{meeting_id}/review", response_model=list[schemas.CarriedAction],
            responses=NOT_FOUND)
def review_open_actions(meeting_id: UUID, work: Work) -> list[dict[str, Any]]:
    """Actions still open from before this meeting, on cases the caller may see."""
    return work.review(meeting_id)


@research_router.get("", response_model=list[schemas.ResearchRequestRow])
def list_research_requests(work: Work) -> list[dict[str, Any]]:
    """My agency's research requests, unanswered first."""
    return work.research_requests()
