"""Subject access for the data protection officer: the area's requests (overdue first) with the
form to record one, and a request's page: verify the requester, extend the due date, assemble
the draft, review it (what is redacted and why; withhold more with a reason; confirm), release
it as a PDF and download it. Through the API's own use cases
(services/subject_access_requests.py): the same policy, the same audit."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.exceptions import AlreadyRecorded, DomainError
from domain.subjects import Subject
from services import subject_access_requests as sar
from services.actor import Actor
from services.subject_access import REASONS, REDACTED, STAFF, WITHHELD
from web.referral_values import typed_date
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.templates import PAGE_HEADERS, environment, render

router = APIRouter(include_in_schema=False)
# As the API's schemas bound them (api/routes/subject_access.py).
MAX_NAME = 200
MAX_TEXT = 2_000
MAX_REDACTION = 500

STATUS_LABELS: dict[str, str] = {
    "awaiting_identity": "Identity not verified", "to_assemble": "To assemble",
    "in_review": "In review", "confirmed": "Confirmed", "released": "Released"}
# Reasons a DPO gives for withholding more (the assembly notes staff names itself).
ADDED_REASONS = {k: v for k, v in REASONS.items() if k != "staff"}
# The domain's refusals a DPO can act on, by code: where the page shows it, and what it says.
REFUSALS: dict[str, str] = {
    "subject_access_identity_not_verified":
        "Verify the requester's identity before assembling their data",
    "subject_access_not_assembled": "Assemble the data before reviewing it",
    "subject_access_not_confirmed": "Review and confirm the draft before releasing it",
    "subject_access_draft_changed":
        "The draft has changed since you reviewed it: review it again and confirm it",
    "subject_access_already_released": "This request has already been released",
}
_MARKS = re.compile("(" + "|".join(re.escape(m) for m in (REDACTED, STAFF, WITHHELD)) + ")")


def redactions_marked(text: str) -> Markup:
    """A draft's text with each redaction shown as a tag: the DPO sees at a glance what goes."""
    parts = _MARKS.split(text)
    return Markup("").join(
        Markup('<strong class="govuk-tag govuk-tag--grey app-redaction">{}</strong>').format(p)
        if i % 2 else escape(p) for i, p in enumerate(parts))


environment.filters["redactions_marked"] = redactions_marked


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _date_parts(form: FormData, name: str) -> tuple[str, str, str]:
    return (text_of(form, f"{name}-day"), text_of(form, f"{name}-month"),
            text_of(form, f"{name}-year"))


@dataclass(frozen=True)
class RequestForm:
    """The new request as given (the requester's details), and what is wrong with it."""

    forenames: str = ""
    surname: str = ""
    dob: tuple[str, str, str] = ("", "", "")
    reference: str = ""
    received: tuple[str, str, str] = ("", "", "")
    identity: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    date_of_birth: date | None = None
    received_on: date | None = None

    @classmethod
    def of(cls, form: FormData, today: date) -> RequestForm:
        forenames, surname = text_of(form, "forenames"), text_of(form, "surname")
        reference, identity = text_of(form, "reference"), text_of(form, "identity")
        dob, received = _date_parts(form, "dob"), _date_parts(form, "received")
        errors: dict[str, str] = {}
        if len(forenames) > MAX_NAME:
            errors["forenames"] = f"Forenames must be {MAX_NAME} characters or fewer"
        if not surname:
            errors["surname"] = "Enter the requester's surname"
        elif len(surname) > MAX_NAME:
            errors["surname"] = f"The surname must be {MAX_NAME} characters or fewer"
        born, wrong = typed_date(dob, today)
        if wrong:
            errors["dob-day"] = f"Date of birth {wrong}"
        if len(reference) > MAX_NAME:
            errors["reference"] = f"The reference must be {MAX_NAME} characters or fewer"
        if born is None and not reference and "dob-day" not in errors:
            errors["dob-day"] = "Enter the requester's date of birth, or an agency reference"
        received_on, wrong = typed_date(received, today)
        if wrong:
            errors["received-day"] = ("The date received must be today or in the past"
                                      if wrong == "must be in the past"
                                      else f"The date received {wrong}")
        if len(identity) > MAX_TEXT:
            errors["identity"] = f"Say how in {MAX_TEXT:,} characters or fewer"
        return cls(forenames, surname, dob, reference, received, identity, errors, born,
                   received_on)

    def probe(self) -> Subject:
        return Subject(uuid4(), "victim", self.forenames, self.surname,
                       date_of_birth=self.date_of_birth,
                       references=(self.reference,) if self.reference else ())


# The list ------------------------------------------------------------------------------------

@router.get("/subject-access")
def requests_page(request: Request, person: CurrentPerson) -> Response:
    return _list(request, person, RequestForm())


@router.post("/subject-access")
async def record_request(request: Request, person: FormPerson) -> Response:
    form = RequestForm.of(await request.form(), platform_of(request).now().date())
    if form.errors:
        return await run_in_threadpool(_list, request, person, form, 400)
    return await run_in_threadpool(_record, request, person, form)


def _record(request: Request, person: SignedIn, form: RequestForm) -> Response:
    try:
        request_id = sar.record_request(platform_of(request), actor_of(request, person),
                                        form.probe(), received_on=form.received_on,
                                        identity_verified_how=form.identity)
    except DomainError:
        return _list(request, person, replace(form, errors={
            "dob-day": "Enter the requester's date of birth, or an agency reference"}), 422)
    return RedirectResponse(f"/subject-access/{request_id}?done=recorded", status_code=303)


def _list(request: Request, person: SignedIn, form: RequestForm,
          status: int = 200) -> Response:
    found = sar.list_requests(platform_of(request), actor_of(request, person))
    return render("subject_access/list.html", {
        **layout(person, "subject_access"), "requests": found, "form": form,
        "errors": form.errors, "status_labels": STATUS_LABELS}, status_code=status)


# A request -----------------------------------------------------------------------------------

@router.get("/subject-access/{request_id}")
def request_page(request: Request, request_id: UUID, person: CurrentPerson) -> Response:
    done = request.query_params.get("done", "")
    return _page(request, person, request_id, notice=done if done in NOTICES else "")


NOTICES = {"recorded": "Request recorded", "verified": "Identity verified",
           "extended": "Due date extended", "assembled": "Draft assembled",
           "redacted": "Redaction added", "confirmed": "Draft confirmed",
           "released": "Disclosure released"}


@router.post("/subject-access/{request_id}/identity")
async def verify_identity(request: Request, request_id: UUID, person: FormPerson) -> Response:
    form = await request.form()
    how = text_of(form, "identity-how")
    values = {"identity-how": how}
    if not how or len(how) > MAX_TEXT:
        return await run_in_threadpool(_page, request, person, request_id, values=values,
                                       errors={"identity-how": "Say how the requester's "
                                               "identity was verified"}, status=400)
    return await run_in_threadpool(partial(
        _step, request, person, request_id, done="verified", where="identity-how",
        values=values,
        call=lambda actor: sar.verify_identity(platform_of(request), actor, request_id, how)))


@router.post("/subject-access/{request_id}/extension")
async def extend(request: Request, request_id: UUID, person: FormPerson) -> Response:
    form = await request.form()
    parts = _date_parts(form, "due")
    reason = text_of(form, "extension-reason")
    values: dict[str, Any] = {"due": parts, "extension-reason": reason}
    errors: dict[str, str] = {}
    due = _future_date(parts)
    if due is None:
        errors["due-day"] = "Enter the new due date as a real date, for example 9 3 2026"
    if not reason or len(reason) > MAX_TEXT:
        errors["extension-reason"] = "Enter why the request needs longer"
    if errors or due is None:
        return await run_in_threadpool(_page, request, person, request_id, values=values,
                                       errors=errors, status=400)
    return await run_in_threadpool(partial(
        _step, request, person, request_id, done="extended", where="due-day",
        values=values,
        call=lambda actor: sar.extend(platform_of(request), actor, request_id, due, reason)))


def _future_date(parts: tuple[str, str, str]) -> date | None:
    try:
        day, month, year = (int(p) for p in parts)
        return date(year, month, day)
    except ValueError:
        return None


@router.post("/subject-access/{request_id}/assemble")
async def assemble(request: Request, request_id: UUID, person: FormPerson) -> Response:
    form = await request.form()
    redact_staff = form.get("redact-staff") == "yes"
    return await run_in_threadpool(partial(
        _step, request, person, request_id, done="assembled", where="assemble",
        values={}, call=lambda actor: sar.assemble_draft(
            platform_of(request), actor, request_id, redact_staff=redact_staff)))


@router.post("/subject-access/{request_id}/redactions")
async def add_redaction(request: Request, request_id: UUID, person: FormPerson) -> Response:
    form = await request.form()
    words, reason = text_of(form, "redaction-text"), text_of(form, "redaction-reason")
    note = text_of(form, "redaction-note")
    values = {"redaction-text": words, "redaction-reason": reason, "redaction-note": note}
    errors: dict[str, str] = {}
    if len(words) < 2 or len(words) > MAX_REDACTION:
        errors["redaction-text"] = (f"Enter the words to withhold (2 to {MAX_REDACTION} "
                                    "characters), as they appear in the draft")
    if reason not in ADDED_REASONS:
        errors["redaction-reason"] = "Select why the words are withheld"
    if len(note) > MAX_TEXT:
        errors["redaction-note"] = f"The note must be {MAX_TEXT:,} characters or fewer"
    if errors:
        return await run_in_threadpool(_page, request, person, request_id, values=values,
                                       errors=errors, status=400)
    return await run_in_threadpool(partial(
        _step, request, person, request_id, done="redacted", where="redaction-text",
        values=values, call=lambda actor: sar.add_redaction(
            platform_of(request), actor, request_id, text=words, reason=reason, note=note)))


@router.post("/subject-access/{request_id}/confirm")
async def confirm(request: Request, request_id: UUID, person: FormPerson) -> Response:
    form = await request.form()
    given = text_of(form, "version")
    if not given.isdigit():
        return await run_in_threadpool(_page, request, person, request_id,
                                       errors={"confirm": "Review the draft, then confirm it"},
                                       status=400)
    return await run_in_threadpool(partial(
        _step, request, person, request_id, done="confirmed", where="confirm",
        values={},
        call=lambda actor: sar.confirm(platform_of(request), actor, request_id, int(given))))


@router.post("/subject-access/{request_id}/release")
async def release(request: Request, request_id: UUID, person: FormPerson) -> Response:
    return await run_in_threadpool(partial(
        _step, request, person, request_id, done="released", where="release",
        values={}, call=lambda actor: sar.release(platform_of(request), actor, request_id)))


@router.get("/subject-access/{request_id}/disclosure.pdf")
def download(request: Request, request_id: UUID, person: CurrentPerson) -> Response:
    released = sar.released_pdf(platform_of(request), actor_of(request, person), request_id)
    return Response(released.pdf, media_type="application/pdf", headers={
        **PAGE_HEADERS,
        "Content-Disposition": f'attachment; filename="subject-access-{request_id}.pdf"'})


def _step(request: Request, person: SignedIn, request_id: UUID, *, done: str, where: str,
          values: dict[str, Any], call: Callable[[Actor], object]) -> Response:
    """One step through its use case, then back to the request's page; a refusal the DPO can
    act on is shown on the page (409 if it conflicts with what is recorded, else 422)."""
    try:
        call(actor_of(request, person))
    except DomainError as refused:
        message = REFUSALS.get(refused.code)
        if refused.code == "invalid_subject_access_request":
            message = {"due-day": "The new due date must be after the current one and at most "
                              "three months after the request was received",
                       "identity-how": "Say how the requester's identity was verified"
                       }.get(where, "Check the details and try again")
        if message is None:
            raise
        # Shown beside the form that can put it right (the refused one may not be on the page).
        where = {"subject_access_identity_not_verified": "identity-how",
                 "subject_access_not_confirmed": "confirm",
                 "subject_access_draft_changed": "confirm"}.get(refused.code, where)
        status = 409 if isinstance(refused, AlreadyRecorded) else 422
        return _page(request, person, request_id, values=values, errors={where: message},
                     status=status)
    return RedirectResponse(f"/subject-access/{request_id}?done={done}", status_code=303)


def _page(request: Request, person: SignedIn, request_id: UUID, *, notice: str = "",
          values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          status: int = 200) -> Response:
    view = sar.view_request(platform_of(request), actor_of(request, person), request_id)
    return render("subject_access/request.html", {
        **layout(person, "subject_access"), "view": view, "values": values or {},
        "errors": errors or {}, "notice": NOTICES.get(notice, ""),
        "status_labels": STATUS_LABELS, "reasons": REASONS, "added_reasons": ADDED_REASONS,
        "today": platform_of(request).now().date()}, status_code=status)
