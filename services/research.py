"""Research before a hearing: the coordinators ask the agencies invited to a listed case, and
each agency sees the requests made of it, on the cases its staff may see; the area's
coordinators see every agency's, with each one's status, to chase what is outstanding."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.case import ResearchStatus, research_status
from projections.meetings import ResearchRequestRow
from security.policy import is_coordinator_of
from services.actor import Actor
from services.agency_names import agency_names
from services.case_access import Stores, coordinated, visible_cases, writing
from services.meetings import seen_meeting


@dataclass(frozen=True)
class ResearchRequest:
    """Research asked of an agency on a case listed for a hearing: the meeting and its day,
    the case and its label (for those who may see the case: every row is), the agency by id,
    name and code, when it was asked for and is due, and its status."""

    case_id: UUID
    meeting_id: UUID
    agency_id: UUID
    due_on: date
    answered: bool
    held_on: date
    # None only for a request projected before its day was kept (projections/meetings.py).
    requested_on: date | None
    status: ResearchStatus
    label: str | None
    agency_name: str | None
    agency_code: str | None


def _shown(stores: Stores, actor: Actor,
           rows: Sequence[ResearchRequestRow]) -> list[ResearchRequest]:
    """The rows on cases the caller may see (the policy asked once for all), each with its
    case's label and its agency's name; recorded, naming each row, before they are shown."""
    shown_cases = set(visible_cases(stores, actor, sorted({r.case_id for r in rows}, key=str)))
    shown = [r for r in rows if r.case_id in shown_cases]
    cases = list(dict.fromkeys(r.case_id for r in shown))
    # Each case shown by its id, as the trail finds a case's reads (audit/trail.py's
    # mentions: its label is shown), then each request.
    actor.audit.record("list_research", "allowed", items=(
        *(str(c) for c in cases), *(f"{r.case_id}:{r.meeting_id}:{r.agency_id}" for r in shown)))
    today = stores.now().date()
    labels = stores.cases.labels(cases)
    names = agency_names(stores, (r.agency_id for r in shown))
    return [ResearchRequest(r.case_id, r.meeting_id, r.agency_id, r.due_on, r.answered,
                            r.held_on, r.requested_on,
                            research_status(r.answered, r.due_on, today),
                            labels.get(r.case_id), names(r.agency_id).name,
                            names(r.agency_id).code) for r in shown]


def research_requests(stores: Stores, actor: Actor) -> list[ResearchRequest]:
    """My agency's research requests, on cases I may see, unanswered first."""
    agency_id = actor.principal.agency_id
    if agency_id is None:
        actor.deny("list_research", "Research is requested from an agency's staff")
    return _shown(stores, actor, stores.cases.research_requests(agency_id))


def area_research(stores: Stores, actor: Actor, *,
                  statuses: Collection[ResearchStatus] = ("requested", "overdue"),
                  agency_id: UUID | None = None,
                  meeting_id: UUID | None = None) -> list[ResearchRequest]:
    """For the area's coordinators and chairs: every agency's research requests for hearings
    that stand (the case still listed, the meeting not cancelled), on the cases they may see,
    with their status; by default the outstanding ones (requested, overdue). Unanswered
    first, soonest due first."""
    p = actor.principal
    if p.area_id is None or not is_coordinator_of(p, p.area_id):
        actor.deny("list_research", "Coordinators and chairs see every agency's research")
    today = stores.now().date()
    # Whether answered narrows the read (outstanding research is a small part of the years'
    # research); overdue or not is a matter of today's date, so it is judged here.
    answered = None if "answered" in statuses and len(set(statuses)) > 1 else (
        "answered" in statuses)
    rows = [r for r in stores.cases.standing_research(p.area_id, agency_id=agency_id,
                                                      meeting_id=meeting_id, answered=answered)
            if research_status(r.answered, r.due_on, today) in statuses]
    return _shown(stores, actor, rows)


def request_research(stores: Stores, actor: Actor, meeting_id: UUID, case_id: UUID, *,
                     agencies: Sequence[UUID], due_on: date) -> None:
    """Ask agencies invited to a listed case to research it before the hearing."""
    access = coordinated(stores, actor, case_id, "request_research")
    seen_meeting(stores, actor, meeting_id, "request_research")
    with writing(stores, actor, "request_research", case_id, access.area_id):
        stores.marac.request_research(meeting_id, case_id, agencies=set(agencies),
                                      due_on=due_on, by=actor.principal.subject)
