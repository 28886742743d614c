"""Research before a hearing: the coordinators ask the agencies invited to a listed case, and
each agency sees the requests made of it, on the cases its staff may see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from projections.meetings import ResearchRequestRow
from services.actor import Actor
from services.case_access import Stores, coordinated, visible_cases, writing
from services.meetings import seen_meeting


def research_requests(stores: Stores, actor: Actor) -> list[ResearchRequestRow]:
    """My agency's research requests, on cases I may see, unanswered first."""
    agency_id = actor.principal.agency_id
    if agency_id is None:
        actor.deny("list_research", "Research is requested from an agency's staff")
    rows = stores.cases.research_requests(agency_id)
    shown_cases = set(visible_cases(stores, actor, sorted({r.case_id for r in rows}, key=str)))
    shown = [r for r in rows if r.case_id in shown_cases]
    actor.audit.record("list_research", "allowed",
                       items=tuple(f"{r.case_id}:{r.meeting_id}" for r in shown))
    return shown


def request_research(stores: Stores, actor: Actor, meeting_id: UUID, case_id: UUID, *,
                     agencies: Sequence[UUID], due_on: date) -> None:
    """Ask agencies invited to a listed case to research it before the hearing."""
    access = coordinated(stores, actor, case_id, "request_research")
    seen_meeting(stores, actor, meeting_id, "request_research")
    with writing(stores, actor, "request_research", case_id, access.area_id):
        stores.marac.request_research(meeting_id, case_id, agencies=set(agencies),
                                      due_on=due_on, by=actor.principal.subject)
