"""The case page: a case as the signed-in person may see it, through the API's own use case
(services/case_view.py: the same policy decides, the same audited read records it, with the
purpose the person gave), and its timeline (services/case_timeline.py, likewise). The purpose
is asked once a session and may be changed; a case the person may not see, or an address that
names no case, is the one "Page not found"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.safeguarding import OnwardTo
from services import case_timeline, case_view
from services.actor import Actor
from services.case_timeline import CaseTimeline
from services.case_view import CaseView
from services.errors import NotFound
from services.partnership import agency_directory, runs_marrac
from services.purposes import LABELS, Purpose
from web import dash
from web.cases import STATUS_LABELS
from web.session import (
    CurrentPerson,
    FormPerson,
    SignedIn,
    actor_of,
    layout,
    platform_of,
    remember_purpose,
)
from web.templates import render, uk_time

router = APIRouter(include_in_schema=False)
NO_PURPOSE = "Select why you are viewing this case"
DECISIONS = {"accepted": "Accepted", "declined": "Declined",
             "linked_as_repeat": "Linked to an earlier case as a repeat"}
ENDINGS = {"completed": "Completed", "changed_circumstance": "Ended: circumstances changed",
           "not_done": "Ended: not done", "closed_with_case": "Closed with the case"}
# What the banner says after a change made from the case page (the redirect's `done`).
DONE = {"action-added": "Action added", "withdrawn": "Referral withdrawn as entered in error",
        "subject-corrected": "Details corrected",
        "risk-assessment-corrected": "Risk assessment corrected",
        "criteria-corrected": "Referral criteria corrected"}
# Every arrangement the API takes (domain/safeguarding.py ONWARD_TO), as people name them.
ONWARD: dict[OnwardTo, str] = {
    "mappa": "MAPPA (multi-agency public protection arrangements)",
    "mash": "MASH (multi-agency safeguarding hub)",
    "child_protection": "Child protection",
    "adult_safeguarding": "Adult safeguarding",
    "early_help": "Early help",
    "other_marac": "Another MARAC (the victim has moved)",
    "other": "Another safeguarding arrangement",
}


def case_id_of(given: str) -> UUID:
    """An address that names no case is answered as a case that does not exist."""
    try:
        return UUID(given)
    except ValueError:
        raise NotFound("no such case") from None


def session_purpose(person: SignedIn) -> Purpose | None:
    """The purpose the person gave this session for reading case content, if any."""
    given = person.session.data.purpose
    return Purpose(given) if given is not None and given in Purpose.__members__ else None


def case_actor(request: Request, person: SignedIn) -> Actor:
    """The person as a case's use cases' caller, with the purpose they gave this session."""
    purpose = session_purpose(person)
    return actor_of(request, person, purpose.value if purpose else None)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    case = case_id_of(case_id)
    purpose = session_purpose(person)
    if purpose is None:
        return purpose_asked(case)
    platform = platform_of(request)
    # The API's two reads, GET /api/v1/cases/{id} and its /timeline, each audited as there
    # with the purpose given (a denial is recorded by the first, which then answers 404).
    found = case_view.view(platform, actor_of(request, person, purpose.value), case)
    timeline = case_timeline.timeline(platform, actor_of(request, person, purpose.value), case)
    return render("case/page.html", {
        **layout(person, "cases"), "case": found, "purpose": LABELS[purpose],
        "status_labels": STATUS_LABELS, "labels": dash, "decisions": DECISIONS,
        "endings": ENDINGS, "timeline": timeline_items(found, timeline),
        # Partnership configuration, not case content: the agencies closure and access name.
        "agencies": {a: e.name for a, e in agency_directory(platform).items()},
        "marrac": runs_marrac(platform, found.summary.area_id), "onward_to": ONWARD,
        "done": DONE.get(request.query_params.get("done") or "")})


# Where the purpose page may send the person back to, under the case's address: a closed
# set of pages (a subject's correction by the subject's id), so that it redirects nowhere else.
RETURNS = re.compile(r"marrac|actions/new|withdrawal|risk-assessment/correction"
                     r"|criteria/correction"
                     r"|subjects/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                     r"/correction")


def _then(given: object) -> str:
    return given if isinstance(given, str) and RETURNS.fullmatch(given) else ""


def purpose_asked(case: UUID, then: str = "") -> RedirectResponse:
    """To the purpose page first, and back to `then` (one of RETURNS) once given."""
    return RedirectResponse(f"/cases/{case}/purpose" + (f"?then={then}" if then else ""),
                            status_code=303)


@router.get("/cases/{case_id}/purpose")
def purpose_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    case = case_id_of(case_id)
    chosen = session_purpose(person)
    return render("case/purpose.html", {
        **layout(person, "cases"), "case_id": case, "purposes": LABELS,
        "chosen": chosen.value if chosen else "", "error": None,
        "then": _then(request.query_params.get("then"))})


@router.post("/cases/{case_id}/purpose")
async def choose_purpose(request: Request, case_id: str, person: FormPerson) -> Response:
    case = case_id_of(case_id)
    form = await request.form()
    given, then = form.get("purpose"), _then(form.get("then"))
    if not isinstance(given, str) or given not in Purpose.__members__:
        return render("case/purpose.html", {
            **layout(person, "cases"), "case_id": case, "purposes": LABELS, "chosen": "",
            "error": NO_PURPOSE, "then": then}, status_code=400)
    await run_in_threadpool(remember_purpose, request, person, given)
    return RedirectResponse(f"/cases/{case}" + (f"/{then}" if then else ""), status_code=303)


@dataclass(frozen=True)
class TimelineItem:
    """One entry of the MoJ timeline (macros/moj.html), its time in UK time."""

    title: str
    at: datetime
    byline: str | None = None
    text: str | None = None


def timeline_items(found: CaseView, timeline: CaseTimeline) -> list[TimelineItem]:
    """The timeline newest first, as the MoJ pattern shows it; an action's entries say what
    the action is (the view holds every action the timeline names)."""
    actions = {a.action_id: a.description for a in found.actions}
    return [TimelineItem(e.summary, uk_time(e.at), e.agency_name,
                         e.text or (actions.get(e.action_id) if e.action_id else None))
            for e in reversed(timeline.entries)]
