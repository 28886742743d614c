"""Running a meeting, for its chair and coordinator: the attendance (the confidentiality
statement read out, and who attended for which agency, each confirming it), the run sheet
(the agenda's cases, heard or not), and case by case the hearing (risks, disclosures and SMART
actions), moving through the agenda in order. Through services/meeting_run.py, itself on the
API's use cases: the same policy, the same audit, the same refusals."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.exceptions import AlreadyRecorded, DomainError
from services import meeting_run
from services import minutes as hearing_minutes
from services.actor import Actor
from web.action_fields import FOR_WHOM
from web.meeting_run_forms import RISKS, AttendanceForm, HearingForm
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import render

router = APIRouter(include_in_schema=False)

KINDS = {"standard": "MARAC meeting", "daily_triage": "Daily triage",
         "harmful_practices": "Closed hearing (harmful practices)",
         "emergency": "Emergency meeting"}
# The domain's refusals a chair can act on, by field; any other is the service's error page.
ATTENDANCE_REFUSALS: dict[str, tuple[str, str]] = {
    "confidentiality_statement_outdated": (
        "confirmed", "The confidentiality statement has changed since this page was shown: "
                     "read the statement below to them again, and confirm it"),
    "meeting_not_yet_held": (
        "person", "Attendance is recorded on or after the day of the meeting"),
    "meeting_cancelled": ("person", "This meeting was cancelled: no attendance is recorded"),
    "invalid_meeting_change": ("person", "This person's attendance is already recorded"),
}
HEARING_REFUSALS: dict[str, tuple[str, str]] = {
    "meeting_not_yet_held": (
        "risk-victim", "A hearing is recorded on or after the day of the meeting"),
    "meeting_cancelled": ("risk-victim", "This meeting was cancelled: no hearing is recorded"),
    "invalid_hearing_change": ("risk-victim", "This case's hearing has already been recorded"),
    "case_not_accepted": ("risk-victim", "Only accepted cases are heard"),
    "referral_withdrawn": ("risk-victim", "This referral was withdrawn as entered in error"),
    "invalid_action": ("actions-1-description", "Each action says what is to be done, "
                                                "for whom, and is due today or later"),
}


def _actor(request: Request, person: SignedIn) -> Actor:
    # The hearing shows case labels: the session's purpose (if one was given) goes with it.
    return actor_of(request, person, person.session.data.purpose)


def _status(refused: DomainError) -> int:
    # As the API answers it: already recorded (or outdated) is a conflict, another rule 422.
    return 409 if isinstance(refused, AlreadyRecorded) else 422


# The run sheet ------------------------------------------------------------------------------

@router.get("/meetings/{meeting_id}/run")
def run_page(request: Request, meeting_id: UUID, person: CurrentPerson) -> Response:
    sheet = meeting_run.run_sheet(platform_of(request), _actor(request, person), meeting_id)
    return render("meeting_run/run.html", {**layout(person), "sheet": sheet, "kinds": KINDS,
                                           "done": request.query_params.get("done") == "yes"})


# The review of actions carried forward -------------------------------------------------------

@router.get("/meetings/{meeting_id}/review")
def review_page(request: Request, meeting_id: UUID, person: CurrentPerson) -> Response:
    """Every action still open from before this meeting, on cases the person may see, overdue
    first (the list is by due date): what the meeting reviews before it hears new cases (the
    API's `/review`)."""
    carried = hearing_minutes.review(platform_of(request), _actor(request, person), meeting_id)
    return render("meeting_run/review.html", {**layout(person), "meeting_id": meeting_id,
                                              "carried": carried, "for_whom": FOR_WHOM})


# Attendance ---------------------------------------------------------------------------------

@router.get("/meetings/{meeting_id}/attendance")
def attendance_page(request: Request, meeting_id: UUID, person: CurrentPerson) -> Response:
    recorded = request.query_params.get("recorded") == "yes"
    return _attendance(request, person, meeting_id, AttendanceForm(), recorded=recorded)


@router.post("/meetings/{meeting_id}/attendance")
async def record_attendance(request: Request, meeting_id: UUID, person: FormPerson) -> Response:
    return await run_in_threadpool(_record_attendance, request, person, meeting_id,
                                   await request.form())


def _record_attendance(request: Request, person: SignedIn, meeting_id: UUID,
                       data: FormData) -> Response:
    platform = platform_of(request)
    # Each service call is its own audited read or write: a caller (and record) each.
    sheet = meeting_run.attendance_sheet(platform, _actor(request, person), meeting_id)
    form = AttendanceForm.of(data, frozenset(a.agency_id for a in sheet.agencies))
    if form.errors:
        return _attendance(request, person, meeting_id, form, status=400)
    try:
        meeting_run.record_attendee(platform, _actor(request, person), meeting_id,
                                    form.attendee())
    except DomainError as refused:
        if refused.code not in ATTENDANCE_REFUSALS:
            raise
        where, message = ATTENDANCE_REFUSALS[refused.code]
        return _attendance(request, person, meeting_id, AttendanceForm(
            form.person, form.agency, False, form.version, {where: message}),
            status=_status(refused))
    return RedirectResponse(f"/meetings/{meeting_id}/attendance?recorded=yes",
                            status_code=303)


def _attendance(request: Request, person: SignedIn, meeting_id: UUID, form: AttendanceForm,
                *, status: int = 200, recorded: bool = False) -> Response:
    sheet = meeting_run.attendance_sheet(platform_of(request), _actor(request, person),
                                         meeting_id)
    return render("meeting_run/attendance.html", {
        **layout(person), "sheet": sheet, "form": form, "kinds": KINDS, "recorded": recorded,
        "agency_names": {a.agency_id: a.name for a in sheet.agencies},
    }, status_code=status)


# A case's hearing ---------------------------------------------------------------------------

@router.get("/meetings/{meeting_id}/hearings/{case_id}")
def hearing_page(request: Request, meeting_id: UUID, case_id: UUID,
                 person: CurrentPerson) -> Response:
    return _hearing(request, person, meeting_id, case_id, HearingForm())


@router.post("/meetings/{meeting_id}/hearings/{case_id}")
async def record_hearing(request: Request, meeting_id: UUID, case_id: UUID,
                         person: FormPerson) -> Response:
    data = await request.form()
    form = HearingForm.of(data)
    if "add_action" in data:
        # Without JavaScript a row is added by posting the form and showing it again, as
        # typed, with one more row (nothing is recorded).
        more = form.with_another_action()
        return await run_in_threadpool(_hearing, request, person, meeting_id, case_id, more,
                                       status=400 if more.errors else 200, added=True)
    return await run_in_threadpool(_record_hearing, request, person, meeting_id, case_id, form)


def _record_hearing(request: Request, person: SignedIn, meeting_id: UUID, case_id: UUID,
                    form: HearingForm) -> Response:
    platform = platform_of(request)
    sheet = meeting_run.hearing_sheet(platform, _actor(request, person), meeting_id, case_id)
    today = platform.now().date()
    form = form.checked(frozenset(a.agency_id for a in sheet.agencies), today)
    if form.errors:
        return _hearing(request, person, meeting_id, case_id, form, status=400)
    try:
        meeting_run.record_case_hearing(platform, lambda: _actor(request, person), meeting_id,
                                        case_id, form.record(meeting_id, today))
    except DomainError as refused:
        if refused.code not in HEARING_REFUSALS:
            raise
        where, message = HEARING_REFUSALS[refused.code]
        return _hearing(request, person, meeting_id, case_id, HearingForm(
            form.risks, form.disclosures, form.actions, {where: message}),
            status=_status(refused))
    if sheet.next_case_id is not None:
        return RedirectResponse(f"/meetings/{meeting_id}/hearings/{sheet.next_case_id}",
                                status_code=303)
    return RedirectResponse(f"/meetings/{meeting_id}/run?done=yes", status_code=303)


def _hearing(request: Request, person: SignedIn, meeting_id: UUID, case_id: UUID,
             form: HearingForm, *, status: int = 200, added: bool = False) -> Response:
    sheet = meeting_run.hearing_sheet(platform_of(request), _actor(request, person),
                                      meeting_id, case_id)
    return render("meeting_run/hearing.html", {
        **layout(person), "sheet": sheet, "form": form, "kinds": KINDS, "risks": RISKS,
        "for_whom": FOR_WHOM, "added": added,
        "agency_names": {a.agency_id: a.name for a in sheet.agencies},
    }, status_code=status)
