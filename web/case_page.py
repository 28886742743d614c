"""The case page: a case as the signed-in person may see it, through the API's own use case
(services/case_view.py: the same policy decides, the same audited read records it, with the
purpose the person gave). The purpose is asked once a session and may be changed; a case the
person may not see, or an address that names no case, is the one "Page not found"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from services import case_view
from services.case_view import CaseView
from services.errors import NotFound
from services.names import agency_names
from services.purposes import LABELS, Purpose
from web import dash_labels
from web.cases import STATUS_LABELS
from web.session import (
    CurrentPerson,
    FormPerson,
    actor_of,
    layout,
    platform_of,
    remember_purpose,
)
from web.templates import render, uk_time

router = APIRouter(include_in_schema=False)
NO_PURPOSE = "Select why you are viewing this case"
DECISIONS = {"accepted": "Accepted at the threshold check",
             "declined": "Declined at the threshold check",
             "linked_as_repeat": "Linked to an earlier case as a repeat"}
ENDINGS = {"completed": "Completed", "changed_circumstance": "Ended: circumstances changed",
           "not_done": "Ended: not done", "closed_with_case": "Closed with the case"}


def _case_id(given: str) -> UUID:
    """An address that names no case is answered as a case that does not exist."""
    try:
        return UUID(given)
    except ValueError:
        raise NotFound("no such case") from None


def _purpose(person: CurrentPerson) -> Purpose | None:
    given = person.session.data.purpose
    return Purpose(given) if given is not None and given in Purpose.__members__ else None


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, person: CurrentPerson) -> Response:
    case = _case_id(case_id)
    purpose = _purpose(person)
    if purpose is None:
        return RedirectResponse(f"/cases/{case}/purpose", status_code=303)
    platform = platform_of(request)
    found = case_view.view(platform, actor_of(request, person, purpose.value), case)
    return render("case/page.html", {
        **layout(person, "cases"), "case": found, "purpose": LABELS[purpose],
        "status_labels": STATUS_LABELS, "labels": dash_labels, "decisions": DECISIONS,
        "endings": ENDINGS, "timeline": timeline_of(found),
        # Partnership configuration, not case content: the agencies closure and access name.
        "agencies": agency_names(platform)})


@router.get("/cases/{case_id}/purpose")
def purpose_page(case_id: str, person: CurrentPerson) -> Response:
    case = _case_id(case_id)
    chosen = _purpose(person)
    return render("case/purpose.html", {
        **layout(person, "cases"), "case_id": case, "purposes": LABELS,
        "chosen": chosen.value if chosen else "", "error": None})


@router.post("/cases/{case_id}/purpose")
async def choose_purpose(request: Request, case_id: str, person: FormPerson) -> Response:
    case = _case_id(case_id)
    given = (await request.form()).get("purpose")
    if not isinstance(given, str) or given not in Purpose.__members__:
        return render("case/purpose.html", {
            **layout(person, "cases"), "case_id": case, "purposes": LABELS, "chosen": "",
            "error": NO_PURPOSE}, status_code=400)
    await run_in_threadpool(remember_purpose, request, person, given)
    return RedirectResponse(f"/cases/{case}", status_code=303)


@dataclass(frozen=True)
class TimelineItem:
    """One entry of the MoJ timeline (macros/moj.html): `at` a UK time, or a day where only
    the day is recorded."""

    title: str
    at: datetime | date
    byline: str | None = None
    text: str | None = None

    @property
    def order(self) -> datetime:
        if isinstance(self.at, datetime):
            return self.at
        return datetime.combine(self.at, time.min, tzinfo=UTC)


def timeline_of(found: CaseView) -> list[TimelineItem]:
    """What happened on the case, newest first, from what the view shows the person (until
    the timeline has its own use case): the referral, the decision, the items, the actions
    and their progress, the closure."""
    summary = found.summary
    entries = [TimelineItem("Referred", summary.referred_on, summary.referring_agency_name)]
    if found.decision is not None:
        entries.append(TimelineItem(DECISIONS.get(found.decision.outcome, "Decided"),
                                    found.decision.on, text=found.decision.reason))
    entries += [TimelineItem(f"{i.kind.replace('_', ' ').capitalize()} shared",
                             uk_time(i.recorded_at), i.author_agency_name, i.text)
                for i in found.items]
    for action in found.actions:
        entries.append(TimelineItem("Action agreed", action.agreed_on,
                                    action.owner_agency_name, action.description))
        entries += [TimelineItem(ENDINGS.get(n.outcome, "Action updated") if n.outcome
                                 else "Action updated", n.on, action.owner_agency_name,
                                 n.note) for n in action.notes]
    if found.closure is not None:
        closure = found.closure
        entries.append(TimelineItem(
            "Case closed", uk_time(closure.closed_at) if closure.closed_at
            else closure.closed_on, text=closure.reason))
    # Oldest first, the same moment in the order made; then turned round: newest first.
    return sorted(entries, key=lambda e: e.order)[::-1]
