"""An agency's research notes on a case: what it found for a hearing the case is listed at,
kept for the coordinators and its own agency until it is released (services/sharing.py's
`release`) to the agencies at the hearing or the whole case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.access import Audience
from projections.cases import item_facts
from security.policy import item_visible, may_act_for
from services import sharing
from services.actor import Actor
from services.agency_names import AgencyName, agency_names
from services.case_access import Stores, case_not_found, visible
from services.partnership import all_agencies
from services.purposes import Purpose

RESEARCH_NOTE = "research_note"
# Where a research note starts (the domain refuses any other): its agency and the
# coordinators see it until it is released.
UNRELEASED = Audience("coordinators")


@dataclass(frozen=True)
class ResearchNote:
    item_id: UUID
    text: str
    author_agency: AgencyName
    recorded_at: datetime
    audience: Audience
    # The hearing it was researched for, and its day, where it names one.
    meeting_id: UUID | None
    held_on: date | None
    # Released beyond the coordinators and its agency.
    released: bool
    # Whether the caller may release it (its agency's staff, or the coordinators).
    may_release: bool


@dataclass(frozen=True)
class ResearchAsked:
    """A hearing at which the caller's agency was asked to research the case."""

    meeting_id: UUID
    held_on: date | None
    due_on: date
    answered: bool


@dataclass(frozen=True)
class CaseResearch:
    case_id: UUID
    notes: tuple[ResearchNote, ...]
    asked: tuple[ResearchAsked, ...]
    # The area's agencies, which a release may name.
    agencies: tuple[AgencyName, ...]


def case_research(stores: Stores, actor: Actor, case_id: UUID) -> CaseResearch:
    """The research notes on the case the caller may see, and what their agency was asked to
    research; read for research (a case they may not see is the uniform 404)."""
    purpose = Purpose.research.value
    access, visibility = visible(stores, actor, case_id, "read", purpose)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    now = stores.now()
    items = [i for i in document.items if i.kind == RESEARCH_NOTE
             and item_visible(actor.viewer, visibility, item_facts(i))]
    held = {m.meeting_id: m.held_on for m in stores.cases.meetings(access.area_id)}
    names = agency_names(stores, (i.author_agency for i in items))
    agency = visibility.agency_id
    asked = tuple(ResearchAsked(r.meeting_id, held.get(r.meeting_id), r.due_on, r.answered)
                  for r in document.research_requests if r.agency_id == agency)
    actor.audit.record_before_response("read", "allowed", case_id=case_id, purpose=purpose,
                                       area_id=access.area_id,
                                       items=tuple(str(i.item_id) for i in items))
    return CaseResearch(
        case_id=case_id,
        notes=tuple(ResearchNote(
            i.item_id, i.text, names(i.author_agency), i.recorded_at, i.audience,
            i.meeting_id, held.get(i.meeting_id) if i.meeting_id else None,
            released=i.audience.kind in ("agencies", "whole_case"),
            may_release=may_act_for(actor.viewer, access, i.author_agency, now))
            for i in sorted(items, key=lambda i: i.recorded_at, reverse=True)),
        asked=asked,
        agencies=tuple(AgencyName(a.id, a.name, a.code)
                       for a in all_agencies(stores, access.area_id)))


def record(stores: Stores, actor: Actor, case_id: UUID, meeting_id: UUID, text: str) -> UUID:
    """The caller's agency's research for the hearing: shared with the coordinators (and
    its own agency) until released."""
    return sharing.share(stores, actor, case_id, kind=RESEARCH_NOTE, text=text,
                         audience=UNRELEASED, meeting_id=meeting_id)
