"""An agency representative's work: their agency's cases on the next agendas, the research
asked of it, and the actions it owns, each list from the use case the API answers it with
(services/meetings.py, services/research.py, services/action_lists.py; the closures from
services/case_closure.py), ordered as the work is
done: overdue first, then by due date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.case import ResearchStatus
from security.identity import Principal
from security.policy import has_agency_work
from services import action_lists, case_closure, meetings, research
from services.action_lists import ActionRow
from services.actor import Actor
from services.case_access import Stores
from services.case_closure import ClosureToAcknowledge
from services.meetings import AgendaEntry
from services.research import ResearchRequest

# How many meetings ahead the agendas look: the next few are the ones to prepare for.
AGENDAS_AHEAD = 3
# Research to do first: overdue, then asked for and not yet due; answered last.
_RESEARCH_ORDER: dict[ResearchStatus, int] = {"overdue": 0, "requested": 1, "answered": 2}


@dataclass(frozen=True)
class AgendaAhead:
    """An upcoming meeting and the cases on its agenda the caller may see, in hearing
    order."""

    meeting_id: UUID
    kind: str
    held_on: date
    cases: tuple[AgendaEntry, ...]


@dataclass(frozen=True)
class MyWork:
    agendas: tuple[AgendaAhead, ...]
    research: tuple[ResearchRequest, ...]
    actions: tuple[ActionRow, ...]
    closures: tuple[ClosureToAcknowledge, ...]


def has_work(principal: Principal) -> bool:
    """Whether the person has an agency's work to see (the pages offer "My work" to those)."""
    return has_agency_work(principal)


def my_work(stores: Stores, actors: Callable[[], Actor]) -> MyWork:
    """The caller's agency's work. `actors`: the caller, anew for each list, since each is
    read (and recorded in its own audit record) by its own use case, as the API reads it."""
    actors().require(has_agency_work(actors().principal), "list_actions",
                     "An agency's work is its representatives'")
    upcoming = [m for m in meetings.list_meetings(stores, actors(), "upcoming", AGENDAS_AHEAD)
                if m.status == "scheduled" and m.cases]
    agendas = tuple(AgendaAhead(m.meeting_id, m.kind, m.held_on,
                                tuple(meetings.agenda(stores, actors(), m.meeting_id)))
                    for m in upcoming)
    asked = sorted(research.research_requests(stores, actors()),
                   key=lambda r: (_RESEARCH_ORDER[r.status], r.due_on, str(r.case_id)))
    owned = sorted(action_lists.actions(stores, actors(), "mine"),
                   key=lambda a: (not a.overdue, a.due_on, str(a.action_id)))
    closures = case_closure.closures_to_acknowledge(stores, actors())
    return MyWork(agendas, tuple(asked), tuple(owned), tuple(closures))
