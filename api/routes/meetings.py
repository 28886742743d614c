"""/api/v1/meetings: MARAC hearings, their agendas and attendance."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from api import schemas
from api.auth import Audit, CurrentPlatform, CurrentViewer
from api.meetings import Meetings

router = APIRouter(prefix="/api/v1/meetings", tags=["meetings"])


def meetings(platform: CurrentPlatform, viewer: CurrentViewer, audit: Audit) -> Meetings:
    return Meetings(platform, viewer, audit)


Work = Annotated[Meetings, Depends(meetings)]


class MeetingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["standard", "daily_triage", "harmful_practices", "emergency"]
    held_on: date


class AgendaListing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_id: UUID
    invite: Annotated[list[UUID], Field(max_length=30)] = []


class AttendanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    acknowledge_confidentiality: bool


@router.post("", status_code=201, response_model=schemas.Created)
def schedule(body: MeetingCreate, work: Work) -> schemas.Created:
    return schemas.Created(id=work.schedule(body.kind, body.held_on))


@router.post("/{meeting_id}/agenda", status_code=204)
def list_case(meeting_id: UUID, body: AgendaListing, work: Work) -> Response:
    """List a case for the hearing; the agencies invited to it gain access to the case."""
    work.list_case(meeting_id, body.case_id, body.invite)
    return Response(status_code=204)


@router.get("/{meeting_id}/agenda", response_model=list[dict[str, Any]])
def agenda(meeting_id: UUID, work: Work) -> list[dict[str, Any]]:
    """The agenda in hearing order, showing only the cases the caller may see."""
    return work.agenda(meeting_id)


@router.get("/next", response_model=dict[str, Any] | None)
def next_meeting(work: Work) -> dict[str, Any] | None:
    """The next meeting, with the caller's (agency's) cases on its agenda."""
    return work.next_agenda()


@router.post("/{meeting_id}/attendance", status_code=204)
def attend(meeting_id: UUID, body: AttendanceCreate, work: Work) -> Response:
    """Record the caller's attendance; the confidentiality statement must be acknowledged."""
    work.attend(meeting_id, body.acknowledge_confidentiality)
    return Response(status_code=204)
