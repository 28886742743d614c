"""A meeting's minutes: the printable page, the PDF issued to (and watermarked for) the person
who asks for it, their distribution to the agencies that attended, and each agency's
acknowledgement of receipt. Through the API's own use cases (services/meeting_minutes.py,
services/meetings.py, services/minutes_receipts.py): the same policy and the same audit."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.exceptions import DomainError
from services import meeting_minutes, meetings, minutes_receipts
from services.errors import NotFound
from services.meeting_minutes import MeetingMinutes, Recipient
from web.pdf import render_pdf
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import environment, render, uk_time

router = APIRouter(include_in_schema=False)

LABELS = {
    "kinds": {"standard": "MARAC meeting", "daily_triage": "daily triage meeting",
              "harmful_practices": "harmful-practices hearing",
              "emergency": "emergency MARAC meeting"},
    "risk_to": {"victim": "To the victim", "children": "To the children",
                "perpetrator": "To the perpetrator", "staff": "To staff"},
    "item_kinds": {"research_note": "Research", "disclosure": "Disclosure", "risk": "Risk",
                   "note": "Note", "research": "Research"},
    "for_whom": {"victim": "Victim", "perpetrator": "Perpetrator", "child": "Child",
                 "household": "Household"},
}
# A distribution the domain refuses, said on the page.
DISTRIBUTION_REFUSALS = {
    "meeting_not_yet_held": "The minutes are distributed on or after the meeting's day",
    "meeting_cancelled": "The meeting was cancelled: it has no minutes",
    "invalid_meeting_change": "The minutes cannot be distributed: either they already have "
                              "been, or no case was listed",
}
ACKNOWLEDGEMENT_REFUSALS = {
    "minutes_not_distributed": "The minutes have not been distributed yet",
    "minutes_not_sent_to_agency": "The minutes were not sent to your agency",
    "minutes_already_acknowledged": "Your agency has already acknowledged the minutes",
}
NOT_CONFIRMED = "Confirm that your agency has received the minutes"


def _meeting_id(given: str) -> UUID:
    """An address that names no meeting is answered as a meeting that does not exist."""
    try:
        return UUID(given)
    except ValueError:
        raise NotFound("no such meeting") from None


def _minutes_page(request: Request, person: SignedIn, meeting_id: UUID, *,
                  errors: dict[str, str] | None = None, done: str | None = None,
                  status: int = 200) -> Response:
    found = meeting_minutes.meeting_minutes(platform_of(request), actor_of(request, person),
                                            meeting_id)
    return render("minutes/page.html", {
        **layout(person), "minutes": found, "labels": LABELS, "errors": errors or {},
        "done": done}, status_code=status)


@router.get("/meetings/{meeting_id}/minutes")
def minutes_page(request: Request, meeting_id: str, person: CurrentPerson) -> Response:
    done = request.query_params.get("done")
    return _minutes_page(request, person, _meeting_id(meeting_id),
                         done=done if done == "distributed" else None)


def watermark(recipient: Recipient) -> tuple[str, ...]:
    """Whose copy it is, and when it was issued (UK time): on every page of it."""
    at = uk_time(recipient.issued_at)
    return (f"Issued to {recipient.person_name}",
            recipient.agency_name or "no agency",
            f"{at.day} {at:%B %Y %H:%M} {at.tzname()}")


def _minutes_pdf(minutes: MeetingMinutes, recipient: Recipient) -> bytes:
    html = environment.get_template("minutes/pdf.html").render(
        minutes=minutes, recipient=recipient, issued_at=uk_time(recipient.issued_at),
        labels=LABELS)
    return render_pdf(html, watermark_lines=watermark(recipient))


def pdf_name(held_on: date) -> str:
    """The file's name: the meeting's day, nothing about anyone in it."""
    return f"marac-minutes-{held_on}.pdf"


@router.get("/meetings/{meeting_id}/minutes.pdf")
def minutes_pdf(request: Request, meeting_id: str, person: CurrentPerson) -> Response:
    issued = meeting_minutes.issue_minutes(
        platform_of(request), actor_of(request, person), _meeting_id(meeting_id),
        person_name=person.session.data.person_name or "", make=_minutes_pdf)
    return Response(issued.document, media_type="application/pdf", headers={
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Content-Disposition": f'attachment; filename="{pdf_name(issued.minutes.held_on)}"'})


@router.post("/meetings/{meeting_id}/minutes/distribution")
async def distribute(request: Request, meeting_id: str, person: FormPerson) -> Response:
    return await run_in_threadpool(_distribute, request, person, _meeting_id(meeting_id))


def _distribute(request: Request, person: SignedIn, meeting_id: UUID) -> Response:
    try:
        meetings.distribute_minutes(platform_of(request), actor_of(request, person), meeting_id)
    except DomainError as refused:
        if refused.code not in DISTRIBUTION_REFUSALS:
            raise
        return _minutes_page(request, person, meeting_id, status=422,
                             errors={"distribution": DISTRIBUTION_REFUSALS[refused.code]})
    return RedirectResponse(f"/meetings/{meeting_id}/minutes?done=distributed", status_code=303)


def _acknowledgement_page(request: Request, person: SignedIn, meeting_id: UUID, *,
                          errors: dict[str, str] | None = None, done: str | None = None,
                          status: int = 200) -> Response:
    found = minutes_receipts.minutes_receipts(platform_of(request), actor_of(request, person),
                                              meeting_id)
    return render("minutes/acknowledge.html", {
        **layout(person), "receipts": found, "agency_id": person.principal.agency_id,
        "errors": errors or {}, "done": done}, status_code=status)


@router.get("/meetings/{meeting_id}/minutes/acknowledgement")
def acknowledgement_page(request: Request, meeting_id: str, person: CurrentPerson) -> Response:
    done = request.query_params.get("done")
    return _acknowledgement_page(request, person, _meeting_id(meeting_id),
                                 done=done if done == "acknowledged" else None)


@router.post("/meetings/{meeting_id}/minutes/acknowledgement")
async def acknowledge(request: Request, meeting_id: str, person: FormPerson) -> Response:
    meeting = _meeting_id(meeting_id)
    if (await request.form()).get("received") != "yes":
        return await run_in_threadpool(_acknowledgement_page, request, person, meeting,
                                       errors={"received": NOT_CONFIRMED}, status=400)
    return await run_in_threadpool(_acknowledge, request, person, meeting)


def _acknowledge(request: Request, person: SignedIn, meeting_id: UUID) -> Response:
    try:
        minutes_receipts.acknowledge_minutes(platform_of(request), actor_of(request, person),
                                             meeting_id)
    except DomainError as refused:
        if refused.code not in ACKNOWLEDGEMENT_REFUSALS:
            raise
        return _acknowledgement_page(request, person, meeting_id, status=422,
                                     errors={"received": ACKNOWLEDGEMENT_REFUSALS[refused.code]})
    return RedirectResponse(f"/meetings/{meeting_id}/minutes/acknowledgement?done=acknowledged",
                            status_code=303)
