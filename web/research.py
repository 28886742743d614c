"""Research on a case: an agency records what it found for a hearing (kept for its agency and
the coordinators), and releases it, widening who sees it, at the hearing. Through the API's
own use cases (services/research_notes.py, services/sharing.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.access import Audience
from domain.exceptions import DomainError
from services import research_notes, sharing
from services.errors import NotFound
from services.research_notes import CaseResearch
from web.session import CurrentPerson, FormPerson, SignedIn, actor_of, layout, platform_of
from web.sharing import AUDIENCES, MAX_AGENCIES, MAX_TEXT, agencies_of, text_of
from web.templates import render

router = APIRouter(include_in_schema=False)

Release = Literal["whole_case", "agencies"]
# A release widens who sees research: to named agencies, or to the whole case.
RELEASES: dict[Release, str] = {"agencies": AUDIENCES["agencies"],
                                "whole_case": AUDIENCES["whole_case"]}
REFUSALS: dict[str, tuple[str, str]] = {
    "invalid_access_change": ("audience", "A release only widens who sees the research: "
                                          "include everyone who sees it now"),
    "referral_withdrawn": ("audience", "This referral was withdrawn as entered in error"),
}

RECORD_REFUSALS: dict[str, tuple[str, str]] = {
    "invalid_meeting_change": ("meeting", "The case is not on that meeting's agenda"),
    "referral_withdrawn": ("text", "This referral was withdrawn as entered in error"),
}


@dataclass(frozen=True)
class ResearchForm:
    """Research recorded for a hearing, as given, and what is wrong with it."""

    meeting: str = ""
    text: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> ResearchForm:
        given = cls(text_of(form, "meeting"), text_of(form, "text"))
        errors: dict[str, str] = {}
        if given.meeting_id is None:
            errors["meeting"] = "Select the meeting the research is for"
        if not given.text:
            errors["text"] = "Enter what your agency found"
        elif len(given.text) > MAX_TEXT:
            errors["text"] = f"The research must be {MAX_TEXT:,} characters or fewer"
        return cls(given.meeting, given.text, errors)

    @property
    def meeting_id(self) -> UUID | None:
        try:
            return UUID(self.meeting)
        except ValueError:
            return None


@dataclass(frozen=True)
class ReleaseForm:
    audience: str = ""
    agencies: tuple[UUID, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> ReleaseForm:
        agencies, well_formed = agencies_of(form)
        given = cls(text_of(form, "audience"), agencies)
        errors: dict[str, str] = {}
        if given.audience not in RELEASES:
            errors["audience"] = "Select who the research is released to"
        elif given.audience == "agencies" and (
                not agencies or not well_formed or len(agencies) > MAX_AGENCIES):
            errors["agencies"] = "Select the agencies it is released to"
        return cls(given.audience, agencies, errors)

    def audience_given(self) -> Audience:
        if self.audience == "whole_case":
            return Audience("whole_case")
        return Audience("agencies", self.agencies)


@router.get("/cases/{case_id}/research")
def research_page(request: Request, case_id: UUID, person: CurrentPerson) -> Response:
    done = request.query_params.get("done")
    # From "My work": the meeting the research was asked for, chosen already.
    return _research_page(request, person, case_id,
                          ResearchForm(meeting=request.query_params.get("meeting", "")),
                          done=done if done in ("recorded", "released") else None)


@router.post("/cases/{case_id}/research")
async def record_research(request: Request, case_id: UUID, person: FormPerson) -> Response:
    form = ResearchForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_research_page, request, person, case_id, form,
                                       status=400)
    return await run_in_threadpool(_record, request, person, case_id, form)


def _record(request: Request, person: SignedIn, case_id: UUID, form: ResearchForm) -> Response:
    meeting_id = form.meeting_id
    assert meeting_id is not None  # noqa: S101 - the form was checked
    try:
        research_notes.record(platform_of(request), actor_of(request, person), case_id,
                              meeting_id, form.text)
    except DomainError as refused:
        if refused.code not in RECORD_REFUSALS:
            raise
        where, message = RECORD_REFUSALS[refused.code]
        return _research_page(request, person, case_id,
                              ResearchForm(form.meeting, form.text, {where: message}),
                              status=422)
    return RedirectResponse(f"/cases/{case_id}/research?done=recorded", status_code=303)


def _research_page(request: Request, person: SignedIn, case_id: UUID, form: ResearchForm, *,
                   status: int = 200, done: str | None = None) -> Response:
    found = research_notes.case_research(platform_of(request), actor_of(request, person),
                                         case_id)
    return render("research/notes.html", {
        **layout(person), "research": found, "form": form, "done": done,
        "audiences": AUDIENCES}, status_code=status)


@router.get("/cases/{case_id}/research/{item_id}/release")
def release_page(request: Request, case_id: UUID, item_id: UUID,
                 person: CurrentPerson) -> Response:
    return _release_page(request, person, case_id, item_id, ReleaseForm())


@router.post("/cases/{case_id}/research/{item_id}/release")
async def release(request: Request, case_id: UUID, item_id: UUID,
                  person: FormPerson) -> Response:
    form = ReleaseForm.of(await request.form())
    if form.errors:
        return await run_in_threadpool(_release_page, request, person, case_id, item_id, form,
                                       status=400)
    return await run_in_threadpool(_release, request, person, case_id, item_id, form)


def _release(request: Request, person: SignedIn, case_id: UUID, item_id: UUID,
             form: ReleaseForm) -> Response:
    try:
        sharing.release(platform_of(request), actor_of(request, person), case_id, item_id,
                        audience=form.audience_given())
    except DomainError as refused:
        if refused.code not in REFUSALS:
            raise
        where, message = REFUSALS[refused.code]
        return _release_page(request, person, case_id, item_id,
                             ReleaseForm(form.audience, form.agencies, {where: message}),
                             status=422)
    return RedirectResponse(f"/cases/{case_id}/research?done=released", status_code=303)


def _release_page(request: Request, person: SignedIn, case_id: UUID, item_id: UUID,
                  form: ReleaseForm, *, status: int = 200) -> Response:
    found: CaseResearch = research_notes.case_research(
        platform_of(request), actor_of(request, person), case_id)
    note = next((n for n in found.notes if n.item_id == item_id), None)
    if note is None:
        # A note the person may not see is, for them, one that does not exist.
        raise NotFound("no such research note")
    return render("research/release.html", {
        **layout(person), "research": found, "note": note, "form": form,
        "releases": RELEASES, "audiences": AUDIENCES}, status_code=status)
