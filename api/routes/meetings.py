"""/api/v1/meetings: MARAC hearings (listed, rescheduled, cancelled), their agendas (moves,
removals, invitations), research, attendance, each case's hearing, minutes and the review
list; /api/v1/research-requests: an agency's research to do, and every agency's outstanding
research for the area's coordinators."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from api import minutes_schemas, schemas
from api.auth import CurrentActor, CurrentPlatform
from api.errors import AUTHENTICATED, CONFLICT, NOT_FOUND
from api.plain import answer, answers
from domain.case import ResearchStatus
from domain.meeting import Risk
from services import meeting_minutes, meeting_run, meetings, minutes_receipts, research
from services import minutes as hearing_minutes
from services.meeting_run import NewAttendee

router = APIRouter(prefix="/api/v1/meetings", tags=["meetings"], responses=AUTHENTICATED)
research_router = APIRouter(prefix="/api/v1/research-requests", tags=["meetings"],
                            responses=AUTHENTICATED)


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
    confidentiality_statement_version: Annotated[StrictInt, Field(ge=1)] = Field(
        description="The version acknowledged, as `GET .../confidentiality-statement` served "
                    "it: only the one in force is (else 409 "
                    "`confidentiality_statement_outdated`)")


class AttendeeCreate(AttendanceCreate):
    """Someone else at the meeting, recorded by its chair or coordinator: their name as they
    gave it, and the agency they attend for."""

    person: Annotated[str, Field(min_length=1, max_length=200)]
    agency_id: UUID


class MeetingRescheduling(Strict):
    held_on: schemas.IsoDate
    reason: schemas.Reason


class MeetingCancellation(Strict):
    reason: schemas.Reason


class AgendaMove(Strict):
    """Either a `position` (from 1, in the agenda as the caller sees it) or a `direction`."""

    position: Annotated[int, Field(ge=1, le=1_000)] | None = None
    direction: Literal["up", "down"] | None = None

    @model_validator(mode="after")
    def one_of(self) -> AgendaMove:
        if (self.position is None) == (self.direction is None):
            raise ValueError("give a position or a direction")
        return self


class AgendaRemoval(Strict):
    reason: schemas.Reason


class HearingInvitation(Strict):
    agencies: Annotated[list[UUID], Field(min_length=1, max_length=30)]


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
def schedule_meeting(body: MeetingCreate, platform: CurrentPlatform,
             actor: CurrentActor) -> schemas.Created:
    return schemas.Created(id=meetings.schedule(platform, actor, body.kind, body.held_on,
                                                body.members))


@router.get("", response_model=list[schemas.ListedMeeting])
def list_meetings(platform: CurrentPlatform, actor: CurrentActor,
                  when: Literal["upcoming", "past", "all"] = "all",
                  limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[dict[str, Any]]:
    """The caller's area's meetings that they may see, with each one's status and the number
    of its cases they may see: upcoming (from today) soonest first, past latest first, or
    all by date."""
    return answers(meetings.list_meetings(platform, actor, when, limit))


@router.get("/next", response_model=schemas.NextMeeting | None)
def next_meeting(platform: CurrentPlatform, actor: CurrentActor) -> dict[str, Any] | None:
    """The next meeting the caller may see, with the cases on its agenda they may see."""
    found = meetings.next_agenda(platform, actor)
    return answer(found) if found else None


@router.get("/{meeting_id}", response_model=schemas.MeetingView, responses=NOT_FOUND)
def view_meeting(meeting_id: UUID, platform: CurrentPlatform,
                 actor: CurrentActor) -> dict[str, Any]:
    """The meeting, with its minutes' marking, due date and distribution."""
    return answer(meetings.meeting(platform, actor, meeting_id))


@router.post("/{meeting_id}/rescheduling", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def reschedule_meeting(meeting_id: UUID, body: MeetingRescheduling, platform: CurrentPlatform,
                       actor: CurrentActor) -> Response:
    """Move a meeting to another day (today or later), with a reason. Refused once the meeting
    has been held (`meeting_already_held`, from its day on) or cancelled
    (`meeting_cancelled`); to its own day or an earlier one, `invalid_meeting_change`."""
    meetings.reschedule(platform, actor, meeting_id, body.held_on, body.reason)
    return Response(status_code=204)


@router.post("/{meeting_id}/cancellation", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def cancel_meeting(meeting_id: UUID, body: MeetingCancellation, platform: CurrentPlatform,
                   actor: CurrentActor) -> Response:
    """Cancel a meeting not yet held, with a reason: it is not held, does not count in reports
    nor in attendance, and its cases may be listed on another meeting. Refused once held
    (`meeting_already_held`) or if already cancelled (`meeting_cancelled`)."""
    meetings.cancel(platform, actor, meeting_id, body.reason)
    return Response(status_code=204)


@router.post("/{meeting_id}/agenda", status_code=204, responses={**NOT_FOUND, **CONFLICT})
def list_case_for_hearing(meeting_id: UUID, body: AgendaListing, platform: CurrentPlatform,
              actor: CurrentActor) -> Response:
    """List a case for the hearing; the agencies invited to it gain access to the case (in a
    closed hearing, as advisers on that case alone)."""
    meetings.list_case(platform, actor, meeting_id, body.case_id, body.invite)
    return Response(status_code=204)


@router.post("/{meeting_id}/agenda/{case_id}/move", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def move_on_agenda(meeting_id: UUID, case_id: UUID, body: AgendaMove,
                   platform: CurrentPlatform, actor: CurrentActor) -> Response:
    """Move a listed case to a position of the agenda (as the caller sees it) or one place up
    or down. The area's order holds (`invalid_agenda_order`: children's cases first,
    'honour'-based abuse at the start or the end, or a position off the agenda); not on a
    cancelled meeting (`meeting_cancelled`)."""
    meetings.move_on_agenda(platform, actor, meeting_id, case_id, position=body.position,
                            direction=body.direction)
    return Response(status_code=204)


@router.post("/{meeting_id}/agenda/{case_id}/removal", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def remove_from_agenda(meeting_id: UUID, case_id: UUID, body: AgendaRemoval,
                       platform: CurrentPlatform, actor: CurrentActor) -> Response:
    """Take a case off the agenda, with a reason; it may be listed on another meeting. Refused
    once the case was heard there (`meeting_already_held`) or on a cancelled meeting
    (`meeting_cancelled`)."""
    meetings.remove_from_agenda(platform, actor, meeting_id, case_id, body.reason)
    return Response(status_code=204)


@router.post("/{meeting_id}/agenda/{case_id}/invitations", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def invite_to_hearing(meeting_id: UUID, case_id: UUID, body: HearingInvitation,
                      platform: CurrentPlatform, actor: CurrentActor) -> Response:
    """Invite agencies to a case already on the agenda: each gains access to the case, as if
    invited when it was listed (in a closed hearing, as an adviser on that case alone). Not
    on a cancelled meeting (`meeting_cancelled`)."""
    meetings.invite(platform, actor, meeting_id, case_id, body.agencies)
    return Response(status_code=204)


@router.get("/{meeting_id}/agenda", response_model=list[schemas.AgendaEntry],
            responses=NOT_FOUND)
def view_agenda(meeting_id: UUID, platform: CurrentPlatform,
           actor: CurrentActor) -> list[dict[str, Any]]:
    """The agenda in hearing order, showing only the cases the caller may see."""
    return answers(meetings.agenda(platform, actor, meeting_id))


@router.post("/{meeting_id}/research-requests", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def request_research(meeting_id: UUID, body: ResearchRequestCreate, platform: CurrentPlatform,
                     actor: CurrentActor) -> Response:
    """Ask agencies invited to a listed case to research it before the hearing."""
    research.request_research(platform, actor, meeting_id, body.case_id,
                              agencies=body.agencies, due_on=body.due_on)
    return Response(status_code=204)


@router.get("/{meeting_id}/confidentiality-statement",
            response_model=schemas.ConfidentialityStatement, responses=NOT_FOUND)
def view_confidentiality_statement(meeting_id: UUID, platform: CurrentPlatform,
                                   actor: CurrentActor) -> dict[str, Any]:
    """The confidentiality statement in force for the meeting, its text and version, for
    whoever may attend it: read before attendance acknowledges it."""
    return answer(meetings.confidentiality_statement(platform, actor, meeting_id))


@router.post("/{meeting_id}/attendance", status_code=204, responses={**NOT_FOUND, **CONFLICT})
def record_attendance(meeting_id: UUID, body: AttendanceCreate, platform: CurrentPlatform,
           actor: CurrentActor) -> Response:
    """Record the caller's attendance; the confidentiality statement must be acknowledged, in
    the version in force (an older one: `confidentiality_statement_outdated`). From the
    meeting's day on (`meeting_not_yet_held`); not at a cancelled meeting
    (`meeting_cancelled`)."""
    meetings.attend(platform, actor, meeting_id, body.acknowledge_confidentiality,
                    body.confidentiality_statement_version)
    return Response(status_code=204)


@router.post("/{meeting_id}/attendees", status_code=204, responses={**NOT_FOUND, **CONFLICT})
def record_attendee(meeting_id: UUID, body: AttendeeCreate, platform: CurrentPlatform,
                    actor: CurrentActor) -> Response:
    """The chair or a coordinator records who attended for which agency (the page
    `/meetings/{id}/attendance` does the same): each having acknowledged the statement in the
    version in force (`confidentiality_statement_outdated`), from the meeting's day on, not at
    a cancelled meeting, once each. An agency not of the meeting's area: 404."""
    meeting_run.record_attendee(platform, actor, meeting_id, NewAttendee(
        person=body.person, agency_id=body.agency_id,
        acknowledged=body.acknowledge_confidentiality,
        statement_version=body.confidentiality_statement_version))
    return Response(status_code=204)


@router.post("/{meeting_id}/hearings", status_code=204, responses={**NOT_FOUND, **CONFLICT})
def record_hearing(meeting_id: UUID, body: HearingCreate, platform: CurrentPlatform,
                   actor: CurrentActor) -> Response:
    """A listed case was heard: the risks identified to victim, children, perpetrator, staff.
    From the meeting's day on (`meeting_not_yet_held`); not at a cancelled meeting
    (`meeting_cancelled`)."""
    meetings.record_hearing(platform, actor, meeting_id, body.case_id,
                            [Risk(r.to, r.description) for r in body.risks])
    return Response(status_code=204)


@router.get("/{meeting_id}/minutes", response_model=minutes_schemas.MeetingMinutes,
            responses=NOT_FOUND)
def view_meeting_minutes(meeting_id: UUID, platform: CurrentPlatform,
                         actor: CurrentActor) -> dict[str, Any]:
    """The meeting's minutes (OFFICIAL-SENSITIVE): each case heard that the caller may see,
    with what of it they may see, the attendance, the distribution and the receipts."""
    return answer(meeting_minutes.meeting_minutes(platform, actor, meeting_id))


@router.get("/{meeting_id}/minutes/acknowledgements",
            response_model=minutes_schemas.MinutesReceipts, responses=NOT_FOUND)
def view_minutes_receipts(meeting_id: UUID, platform: CurrentPlatform,
                          actor: CurrentActor) -> dict[str, Any]:
    """Which agencies the minutes went to and which have acknowledged receipt: every one for
    the area's coordinators, the caller's own agency's for anyone else."""
    return answer(minutes_receipts.minutes_receipts(platform, actor, meeting_id))


@router.post("/{meeting_id}/minutes/acknowledgement", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def acknowledge_minutes(meeting_id: UUID, platform: CurrentPlatform,
                        actor: CurrentActor) -> Response:
    """The caller acknowledges, for their agency, that it received the minutes. Refused
    before they are distributed (`minutes_not_distributed`), for an agency they were not sent
    to (`minutes_not_sent_to_agency`: they go to the agencies that attended), and a second
    time (`minutes_already_acknowledged`); 403 for a caller with no agency."""
    minutes_receipts.acknowledge_minutes(platform, actor, meeting_id)
    return Response(status_code=204)


@router.get("/{meeting_id}/minutes/{case_id}", response_model=schemas.Minutes,
            responses=NOT_FOUND)
def view_minutes(meeting_id: UUID, case_id: UUID, platform: CurrentPlatform,
            actor: CurrentActor) -> dict[str, Any]:
    """One case's minutes (OFFICIAL-SENSITIVE), as the caller's view of the case allows."""
    return answer(hearing_minutes.minutes(platform, actor, meeting_id, case_id))


@router.post("/{meeting_id}/minutes/distribution", status_code=204,
             responses={**NOT_FOUND, **CONFLICT})
def distribute_minutes(meeting_id: UUID, platform: CurrentPlatform,
                       actor: CurrentActor) -> Response:
    """Record that the minutes went out; the meeting shows whether within the deadline.
    From the meeting's day on (`meeting_not_yet_held`); not for a cancelled meeting
    (`meeting_cancelled`)."""
    meetings.distribute_minutes(platform, actor, meeting_id)
    return Response(status_code=204)


@router.get("/{meeting_id}/review", response_model=list[schemas.CarriedAction],
            responses=NOT_FOUND)
def review_open_actions(meeting_id: UUID, platform: CurrentPlatform,
           actor: CurrentActor) -> list[dict[str, Any]]:
    """Actions still open from before this meeting, on cases the caller may see."""
    # Each action as the case records it, with where it is carried from and whether overdue.
    return [{**answer(c.action), "case_id": str(c.case_id), "overdue": c.overdue}
            for c in hearing_minutes.review(platform, actor, meeting_id)]


@research_router.get("", response_model=list[schemas.ResearchRequestRow])
def list_research_requests(platform: CurrentPlatform,
                      actor: CurrentActor) -> list[dict[str, Any]]:
    """My agency's research requests, unanswered first."""
    return answers(research.research_requests(platform, actor))


@research_router.get("/outstanding", response_model=list[schemas.ResearchRequestRow])
def list_outstanding_research(
    platform: CurrentPlatform, actor: CurrentActor,
    status: Annotated[list[ResearchStatus] | None, Query(
        description="Repeat for several; by default `requested` and `overdue`")] = None,
    agency_id: UUID | None = None, meeting_id: UUID | None = None,
) -> list[dict[str, Any]]:
    """For the area's coordinators and chairs (anyone else: 403 `forbidden`): every agency's
    research requests for hearings that stand (the case still listed, the meeting not
    cancelled), on the cases the caller may see, with their status; unanswered first,
    soonest due first. Filtered by status, agency and meeting."""
    return answers(research.area_research(
        platform, actor, statuses=tuple(status or ("requested", "overdue")),
        agency_id=agency_id, meeting_id=meeting_id))
