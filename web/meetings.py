"""The coordinators' and chairs' meetings: the area's calendar (schedule, reschedule, cancel)
and a meeting's agenda builder (add a case, move it up or down within the area's rules,
remove it with a reason, invite agencies, ask them for research). Through the API's own use
cases (services/meetings.py, services/research.py, services/agenda_builder.py): the same
policy, the same audit. Running the meeting and its minutes are pages of their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.exceptions import DomainError
from services import meetings, research
from services.agenda_builder import AgendaBuilder, AgendaLine, agenda_builder, calendar
from services.errors import NotFound
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.sharing import MAX_AGENCIES, agencies_of, text_of
from web.templates import render

router = APIRouter(include_in_schema=False)
# As the API's schema bounds a reason (api/schemas.py `Reason`).
MAX_REASON = 2_000

KINDS = {"standard": "Standard MARAC", "daily_triage": "Daily triage",
         "harmful_practices": "Harmful-practices hearing (closed)", "emergency": "Emergency"}
STATUSES = {"scheduled": "Scheduled", "held": "Held", "cancelled": "Cancelled"}
STATUS_COLOURS = {"scheduled": "blue", "held": "green", "cancelled": "grey"}
RULES = {"children_first": "Children's cases are heard first",
         "hba_start": "'Honour'-based abuse is heard at the start",
         "hba_end": "'Honour'-based abuse is heard at the end"}
# What a banner says once a change is made (the redirect's `done`, never anything personal).
DONE = {"scheduled": "Meeting scheduled", "rescheduled": "Meeting rescheduled",
        "cancelled": "Meeting cancelled", "added": "Case added to the agenda",
        "moved": "Agenda order changed", "removed": "Case removed from the agenda",
        "invited": "Agency invited", "research": "Research requested"}

# The domain's refusals (domain/exceptions.py, domain/meeting.py codes), said as the form
# shows them; any other is the service's error page.
HELD = "This meeting has been held: it can no longer be changed"
CANCELLED = "This meeting was cancelled: nothing more is changed on it"
REFUSALS: dict[str, str] = {
    "meeting_already_held": HELD,
    "meeting_cancelled": CANCELLED,
    "invalid_agenda_order": "The area's rules fix where that case is heard: it cannot move "
                            "there",
    "referral_withdrawn": "This referral was withdrawn as entered in error",
    "case_closed": "This case is closed",
}


def typed_day(form: FormData, prefix: str,
              what: str) -> tuple[tuple[str, str, str], date | None, str]:
    """A GOV.UK date input's parts, its date, and what is wrong with it ("" if nothing), said
    of `what` ("the meeting's date")."""
    parts = (text_of(form, f"{prefix}-day"), text_of(form, f"{prefix}-month"),
             text_of(form, f"{prefix}-year"))
    if not any(parts):
        return parts, None, f"Enter {what}"
    missing = [n for n, p in zip(("day", "month", "year"), parts, strict=True) if not p]
    if missing:
        return parts, None, f"{what[0].upper()}{what[1:]} must include a " + " and a ".join(
            missing)
    try:
        day, month, year = (int(p) for p in parts)
        return parts, date(year, month, day), ""
    except ValueError:
        return parts, None, f"{what[0].upper()}{what[1:]} must be a real date"


def _reason(form: FormData, what: str) -> tuple[str, str]:
    reason = text_of(form, "reason")
    if not reason:
        return reason, f"Enter why the {what}"
    if len(reason) > MAX_REASON:
        return reason, f"The reason must be {MAX_REASON:,} characters or fewer"
    return reason, ""


@dataclass(frozen=True)
class MeetingForm:
    """Any of these pages' forms as given (the fields each uses), and what is wrong with it
    (field id -> message)."""

    kind: str = ""
    day: tuple[str, str, str] = ("", "", "")
    when: date | None = None
    reason: str = ""
    case: str = ""
    agencies: tuple[UUID, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def case_id(self) -> UUID | None:
        try:
            return UUID(self.case)
        except ValueError:
            return None

    @classmethod
    def schedule(cls, form: FormData) -> MeetingForm:
        kind = text_of(form, "kind")
        parts, when, wrong = typed_day(form, "held-on", "the meeting's date")
        errors = {}
        if kind not in KINDS:
            errors["kind"] = "Select the kind of meeting"
        if wrong:
            errors["held-on-day"] = wrong
        return cls(kind=kind, day=parts, when=when, errors=errors)

    @classmethod
    def reschedule(cls, form: FormData) -> MeetingForm:
        parts, when, wrong = typed_day(form, "held-on", "the new date")
        reason, why = _reason(form, "meeting is moved")
        errors = {k: v for k, v in (("held-on-day", wrong), ("reason", why)) if v}
        return cls(day=parts, when=when, reason=reason, errors=errors)

    @classmethod
    def cancellation(cls, form: FormData) -> MeetingForm:
        reason, why = _reason(form, "meeting is cancelled")
        return cls(reason=reason, errors={"reason": why} if why else {})

    @classmethod
    def removal(cls, form: FormData) -> MeetingForm:
        reason, why = _reason(form, "case is taken off the agenda")
        return cls(reason=reason, errors={"reason": why} if why else {})

    @classmethod
    def listing(cls, form: FormData) -> MeetingForm:
        given = cls(case=text_of(form, "case"))
        if given.case_id is None:
            return cls(case=given.case, errors={"case": "Select the case to add"})
        return given

    @classmethod
    def invitation(cls, form: FormData) -> MeetingForm:
        agencies, well_formed = agencies_of(form)
        if not agencies or not well_formed or len(agencies) > MAX_AGENCIES:
            return cls(errors={"agencies": "Select the agency to invite"})
        return cls(agencies=agencies)

    @classmethod
    def research(cls, form: FormData) -> MeetingForm:
        agencies, well_formed = agencies_of(form)
        parts, when, wrong = typed_day(form, "due-on", "the date research is due")
        errors = {}
        if not agencies or not well_formed or len(agencies) > MAX_AGENCIES:
            errors["research-agencies"] = "Select the agencies to ask for research"
        if wrong:
            errors["due-on-day"] = wrong
        return cls(day=parts, when=when, agencies=agencies if well_formed else (),
                   errors=errors)


def _refused(refused: DomainError, where: str) -> dict[str, str]:
    if refused.code in REFUSALS:
        return {where: REFUSALS[refused.code]}
    return {}


# The calendar ---------------------------------------------------------------------------

@router.get("/meetings")
def calendar_page(request: Request, person: CurrentPerson) -> Response:
    return _calendar(request, person, MeetingForm(), done=request.query_params.get("done"))


@router.post("/meetings")
async def schedule(request: Request, person: FormPerson) -> Response:
    form = MeetingForm.schedule(await request.form())
    if form.errors or form.when is None:
        return await run_in_threadpool(_calendar, request, person, form, status=400)
    when = form.when

    def scheduled() -> Response:
        try:
            meeting_id = meetings.schedule(platform_of(request), actor_of(request, person),
                                           form.kind, when, ())
        except DomainError as refused:
            if refused.code != "invalid_meeting_change":
                raise
            return _calendar(request, person, MeetingForm(
                form.kind, form.day, when, errors={"held-on-day": "Enter a real date for "
                                                                  "the meeting"}), status=422)
        return RedirectResponse(f"/meetings/{meeting_id}?done=scheduled", status_code=303)

    return await run_in_threadpool(scheduled)


def _calendar(request: Request, person: SignedIn, form: MeetingForm, *, status: int = 200,
              done: str | None = None) -> Response:
    found = calendar(platform_of(request), lambda: actor_of(request, person))
    return render("meetings/list.html", {
        **layout(person, "meetings"), "calendar": found, "form": form, "kinds": KINDS,
        "statuses": STATUSES, "colours": STATUS_COLOURS, "done": DONE.get(done or "")},
        status_code=status)


# Rescheduling and cancelling -------------------------------------------------------------

def _change_page(request: Request, person: SignedIn, meeting_id: UUID, template: str,
                 form: MeetingForm, *, status: int = 200) -> Response:
    built = agenda_builder(platform_of(request), lambda: actor_of(request, person), meeting_id,
                           candidates=False)
    return render(template, {**layout(person, "meetings"), "built": built, "form": form,
                             "kinds": KINDS, "statuses": STATUSES}, status_code=status)


@router.get("/meetings/{meeting_id}/reschedule")
def reschedule_page(request: Request, meeting_id: UUID, person: CurrentPerson) -> Response:
    return _change_page(request, person, meeting_id, "meetings/reschedule.html", MeetingForm())


@router.post("/meetings/{meeting_id}/reschedule")
async def reschedule(request: Request, meeting_id: UUID, person: FormPerson) -> Response:
    form = MeetingForm.reschedule(await request.form())
    template = "meetings/reschedule.html"
    if form.errors or form.when is None:
        return await run_in_threadpool(_change_page, request, person, meeting_id, template,
                                       form, status=400)
    when = form.when

    def rescheduled() -> Response:
        try:
            meetings.reschedule(platform_of(request), actor_of(request, person), meeting_id,
                                when, form.reason)
        except DomainError as refused:
            errors = _refused(refused, "held-on-day") or (
                {"held-on-day": "Enter a new date, from today on, other than the meeting's "
                                "day"} if refused.code == "invalid_meeting_change" else {})
            if not errors:
                raise
            return _change_page(request, person, meeting_id, template,
                                MeetingForm(day=form.day, when=when, reason=form.reason,
                                            errors=errors), status=409 if refused.code.startswith(
                                                "meeting_") else 422)
        return RedirectResponse(f"/meetings/{meeting_id}?done=rescheduled", status_code=303)

    return await run_in_threadpool(rescheduled)


@router.get("/meetings/{meeting_id}/cancel")
def cancel_page(request: Request, meeting_id: UUID, person: CurrentPerson) -> Response:
    return _change_page(request, person, meeting_id, "meetings/cancel.html", MeetingForm())


@router.post("/meetings/{meeting_id}/cancel")
async def cancel(request: Request, meeting_id: UUID, person: FormPerson) -> Response:
    form = MeetingForm.cancellation(await request.form())
    template = "meetings/cancel.html"
    if form.errors:
        return await run_in_threadpool(_change_page, request, person, meeting_id, template,
                                       form, status=400)

    def cancelled() -> Response:
        try:
            meetings.cancel(platform_of(request), actor_of(request, person), meeting_id,
                            form.reason)
        except DomainError as refused:
            errors = _refused(refused, "reason")
            if not errors:
                raise
            return _change_page(request, person, meeting_id, template,
                                MeetingForm(reason=form.reason, errors=errors), status=409)
        return RedirectResponse("/meetings?done=cancelled", status_code=303)

    return await run_in_threadpool(cancelled)


# The agenda builder ----------------------------------------------------------------------

@router.get("/meetings/{meeting_id}")
def meeting_page(request: Request, meeting_id: UUID, person: CurrentPerson) -> Response:
    return _meeting(request, person, meeting_id, MeetingForm(),
                    done=request.query_params.get("done"))


def _meeting(request: Request, person: SignedIn, meeting_id: UUID, form: MeetingForm, *,
             status: int = 200, done: str | None = None) -> Response:
    built = agenda_builder(platform_of(request), lambda: actor_of(request, person), meeting_id)
    return render("meetings/meeting.html", {
        **layout(person, "meetings"), "built": built, "form": form, "kinds": KINDS,
        "statuses": STATUSES, "colours": STATUS_COLOURS, "rules": RULES,
        "done": DONE.get(done or "")}, status_code=status)


@router.post("/meetings/{meeting_id}/agenda")
async def add_case(request: Request, meeting_id: UUID, person: FormPerson) -> Response:
    form = MeetingForm.listing(await request.form())
    if form.errors or form.case_id is None:
        return await run_in_threadpool(_meeting, request, person, meeting_id, form,
                                       status=400)
    case_id = form.case_id

    def added() -> Response:
        try:
            meetings.list_case(platform_of(request), actor_of(request, person), meeting_id,
                               case_id, ())
        except DomainError as refused:
            errors = _refused(refused, "case") or (
                {"case": "That case cannot be heard at this meeting (a harmful-practices "
                         "hearing hears only those cases, and a case is listed once)"}
                if refused.code == "invalid_meeting_change" else {})
            if not errors:
                raise
            return _meeting(request, person, meeting_id,
                            MeetingForm(case=form.case, errors=errors), status=422)
        return RedirectResponse(f"/meetings/{meeting_id}?done=added#agenda", status_code=303)

    return await run_in_threadpool(added)


@router.post("/meetings/{meeting_id}/agenda/{case_id}/move")
async def move(request: Request, meeting_id: UUID, case_id: UUID,
               person: FormPerson) -> Response:
    direction = text_of(await request.form(), "direction")
    if direction not in ("up", "down"):
        return await run_in_threadpool(_meeting, request, person, meeting_id, MeetingForm(
            errors={"agenda": "Choose to move the case up or down"}), status=400)
    way: Literal["up", "down"] = "up" if direction == "up" else "down"

    def moved() -> Response:
        try:
            meetings.move_on_agenda(platform_of(request), actor_of(request, person),
                                    meeting_id, case_id, direction=way)
        except DomainError as refused:
            errors = _refused(refused, "agenda") or (
                {"agenda": "That case is not on this agenda"}
                if refused.code == "invalid_meeting_change" else {})
            if not errors:
                raise
            return _meeting(request, person, meeting_id, MeetingForm(errors=errors),
                            status=409 if refused.code.startswith("meeting_") else 422)
        return RedirectResponse(f"/meetings/{meeting_id}?done=moved#agenda", status_code=303)

    return await run_in_threadpool(moved)


# A listed case: invitations, research, removal --------------------------------------------

def _line(built: AgendaBuilder, case_id: UUID) -> AgendaLine:
    """The listed case; one not on the agenda (or that the person may not see) is not found,
    as the services answer a case they may not see."""
    for line in built.lines:
        if line.entry.case_id == case_id:
            return line
    raise NotFound(f"case {case_id} not found")


def _listed(request: Request, person: SignedIn, meeting_id: UUID, case_id: UUID,
            form: MeetingForm, *, status: int = 200, done: str | None = None,
            template: str = "meetings/listed_case.html") -> Response:
    built = agenda_builder(platform_of(request), lambda: actor_of(request, person), meeting_id,
                           candidates=False)
    line = _line(built, case_id)
    return render(template, {
        **layout(person, "meetings"), "built": built, "line": line, "form": form,
        "kinds": KINDS, "statuses": STATUSES, "rules": RULES, "done": DONE.get(done or ""),
        "today": platform_of(request).now().date()}, status_code=status)


@router.get("/meetings/{meeting_id}/agenda/{case_id}")
def listed_case_page(request: Request, meeting_id: UUID, case_id: UUID,
                     person: CurrentPerson) -> Response:
    return _listed(request, person, meeting_id, case_id, MeetingForm(),
                   done=request.query_params.get("done"))


@router.post("/meetings/{meeting_id}/agenda/{case_id}/invitations")
async def invite(request: Request, meeting_id: UUID, case_id: UUID,
                 person: FormPerson) -> Response:
    form = MeetingForm.invitation(await request.form())
    if form.errors:
        return await run_in_threadpool(_listed, request, person, meeting_id, case_id, form,
                                       status=400)

    def invited() -> Response:
        try:
            meetings.invite(platform_of(request), actor_of(request, person), meeting_id,
                            case_id, form.agencies)
        except DomainError as refused:
            errors = _refused(refused, "agencies") or (
                {"agencies": "Select an agency of this area"}
                if refused.code == "agency_not_found" else {})
            if not errors:
                raise
            return _listed(request, person, meeting_id, case_id,
                           MeetingForm(errors=errors), status=422)
        return RedirectResponse(f"/meetings/{meeting_id}/agenda/{case_id}?done=invited",
                                status_code=303)

    return await run_in_threadpool(invited)


@router.post("/meetings/{meeting_id}/agenda/{case_id}/research-requests")
async def request_research(request: Request, meeting_id: UUID, case_id: UUID,
                           person: FormPerson) -> Response:
    form = MeetingForm.research(await request.form())
    if form.errors or form.when is None:
        return await run_in_threadpool(_listed, request, person, meeting_id, case_id, form,
                                       status=400)
    due_on = form.when

    def requested() -> Response:
        try:
            research.request_research(platform_of(request), actor_of(request, person),
                                      meeting_id, case_id, agencies=form.agencies,
                                      due_on=due_on)
        except DomainError as refused:
            errors = _refused(refused, "research-agencies") or (
                {"research-agencies": "Ask agencies invited to the case, once each, for "
                                      "research due today or later"}
                if refused.code == "invalid_hearing_change" else {})
            if not errors:
                raise
            return _listed(request, person, meeting_id, case_id, MeetingForm(
                day=form.day, when=due_on, agencies=form.agencies, errors=errors),
                status=409 if refused.code.startswith("meeting_") else 422)
        return RedirectResponse(f"/meetings/{meeting_id}/agenda/{case_id}?done=research",
                                status_code=303)

    return await run_in_threadpool(requested)


@router.get("/meetings/{meeting_id}/agenda/{case_id}/remove")
def removal_page(request: Request, meeting_id: UUID, case_id: UUID,
                 person: CurrentPerson) -> Response:
    return _listed(request, person, meeting_id, case_id, MeetingForm(),
                   template="meetings/remove.html")


@router.post("/meetings/{meeting_id}/agenda/{case_id}/remove")
async def remove(request: Request, meeting_id: UUID, case_id: UUID,
                 person: FormPerson) -> Response:
    form = MeetingForm.removal(await request.form())
    template = "meetings/remove.html"
    if form.errors:
        return await run_in_threadpool(_listed, request, person, meeting_id, case_id, form,
                                       status=400, template=template)

    def removed() -> Response:
        try:
            meetings.remove_from_agenda(platform_of(request), actor_of(request, person),
                                        meeting_id, case_id, form.reason)
        except DomainError as refused:
            errors = _refused(refused, "reason")
            if not errors:
                raise
            return _listed(request, person, meeting_id, case_id,
                           MeetingForm(reason=form.reason, errors=errors), status=409,
                           template=template)
        return RedirectResponse(f"/meetings/{meeting_id}?done=removed#agenda", status_code=303)

    return await run_in_threadpool(removed)
