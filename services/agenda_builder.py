"""The coordinators' view of their area's meetings: the calendar (upcoming, then past) and a
meeting's agenda builder (its cases in hearing order with the rule that placed each, who is
invited, the accepted cases that may be added, and the area's agencies to invite or ask for
research). Composed of the API's own reads (services/meetings.py, services/case_lists.py),
so each is recorded as the API records it (one record a read: `actors` gives each read its
own caller, as each API request is one); for the area's coordinators and chairs only
(`may_run_meetings`), asked before anything is read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from audit.actions import AuditAction
from domain.area import AreaSettings
from domain.case import ResearchStatus
from projections.partnership import AgencyEntry
from security.identity import Principal
from security.policy import may_run_meetings
from services import meetings, research
from services.actor import Actor
from services.case_access import Stores
from services.case_lists import CaseSummary, list_cases, summaries
from services.meetings import AgendaEntry, ListedMeeting, MeetingView
from services.partnership import agency_directory
from services.research import ResearchRequest

# Each read's caller: the same person, with the read's own audit record.
Actors = Callable[[], Actor]
# As many accepted cases as a coordinator chooses from in one list (the API's page bound).
CANDIDATES = 100


def runs_meetings(principal: Principal) -> bool:
    """Whether the area's meetings are the person's to run (their pages offer the calendar and
    the research across agencies to those only)."""
    return may_run_meetings(principal)


def _require(actor: Actor, action: AuditAction) -> None:
    actor.require(runs_meetings(actor.principal), action,
                  "Coordinators and chairs run the area's meetings")


@dataclass(frozen=True)
class Calendar:
    upcoming: tuple[ListedMeeting, ...]
    past: tuple[ListedMeeting, ...]


def calendar(stores: Stores, actors: Actors, limit: int = 50) -> Calendar:
    """The area's meetings: upcoming soonest first, then past latest first."""
    first = actors()
    _require(first, "list_meetings")
    upcoming = meetings.list_meetings(stores, first, "upcoming", limit)
    past = meetings.list_meetings(stores, actors(), "past", limit)
    return Calendar(tuple(upcoming), tuple(past))


# Which rule placed a case, as domain.meeting.hearing_rank applies the area's settings.
Rule = str


def placed_by(entry: AgendaEntry, settings: AreaSettings) -> Rule | None:
    if entry.honour_based_abuse and settings.hba_placement in ("start", "end"):
        return f"hba_{settings.hba_placement}"
    if entry.children and settings.children_first:
        return "children_first"
    return None


@dataclass(frozen=True)
class AgendaLine:
    """A listed case: its place, what it is called, who referred it, the ordering facts, the
    rule that placed it (None: as listed or moved), whether it is a repeat, and the agencies
    invited to it (involved in the case)."""

    entry: AgendaEntry
    summary: CaseSummary | None
    rule: Rule | None
    invited: tuple[AgencyEntry, ...]


@dataclass(frozen=True)
class AgendaBuilder:
    meeting: MeetingView
    lines: tuple[AgendaLine, ...]
    # Accepted cases not on this agenda, that the caller may list.
    candidates: tuple[CaseSummary, ...]
    # The meeting's area's agencies, by name.
    agencies: tuple[AgencyEntry, ...]


def agenda_builder(stores: Stores, actors: Actors, meeting_id: UUID, *,
                   candidates: bool = True) -> AgendaBuilder:
    """The meeting and its agenda as the caller may see them (a meeting of another area, or
    one they may not see, is not found), with who may be invited and (`candidates`) the
    accepted cases that may be added."""
    actor = actors()
    _require(actor, "read_agenda")
    view = meetings.meeting(stores, actor, meeting_id)
    entries = meetings.agenda(stores, actors(), meeting_id)
    settings = stores.marac.get_area(view.area_id).settings
    case_ids = [e.case_id for e in entries]
    rows = stores.cases.index_rows(case_ids) if case_ids else {}
    # Every line is a case the caller may see (meetings.agenda lists only those).
    described = {s.case_id: s for s in summaries(stores, actor,
                                                  [rows[c] for c in case_ids if c in rows])}
    access = stores.cases.access(case_ids) if case_ids else {}
    directory = agency_directory(stores)
    agencies = _area_agencies(stores, view.area_id)
    lines = tuple(AgendaLine(
        e, described.get(e.case_id), placed_by(e, settings),
        tuple(sorted((directory[a] for a in access[e.case_id].involved_agencies
                      if a in directory), key=lambda a: a.name.casefold()))
        if e.case_id in access else ()) for e in entries)
    if not candidates:
        return AgendaBuilder(view, lines, (), agencies)
    listed = set(case_ids)
    accepted = list_cases(stores, actors(), status="accepted", page=1, page_size=CANDIDATES,
                          oldest_first=True)
    return AgendaBuilder(view, lines, tuple(s for s in accepted.items
                                            if s.case_id not in listed), agencies)


def _area_agencies(stores: Stores, area_id: UUID) -> tuple[AgencyEntry, ...]:
    return tuple(sorted((a for a in agency_directory(stores).values() if a.area_id == area_id),
                        key=lambda a: a.name.casefold()))


@dataclass(frozen=True)
class ResearchOverview:
    """Every agency's research requests for the area's standing hearings, as filtered, and the
    area's agencies to filter by."""

    requests: tuple[ResearchRequest, ...]
    agencies: tuple[AgencyEntry, ...]


def research_overview(stores: Stores, actor: Actor, *, statuses: tuple[ResearchStatus, ...],
                      agency_id: UUID | None = None,
                      meeting_id: UUID | None = None) -> ResearchOverview:
    """As `GET /api/v1/research-requests/outstanding` answers (services/research.py
    `area_research`: the area's coordinators and chairs only), with the area's agencies."""
    found = research.area_research(stores, actor, statuses=statuses, agency_id=agency_id,
                                   meeting_id=meeting_id)
    area_id = actor.principal.area_id
    return ResearchOverview(tuple(found), _area_agencies(stores, area_id) if area_id else ())
