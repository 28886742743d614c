"""A case's timeline: what happened on it, when, and by or for which agency, in order, as its
caller may see it. An entry derived from something the caller may not see (an item outside
their audience, another agency's part, the coordinators' management of the case, a repeat
or a meeting hidden from them) is absent, not redacted: nothing in the answer tells that it
exists. Each of those questions is the policy's (`security/policy.py`), asked as the case view
asks them; the read is audited with its purpose like the case view, naming what was shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.exceptions import CaseErased
from projections.case_document import CaseDocument
from projections.cases import item_facts
from security.policy import (
    Visibility,
    item_visible,
    sees_agency_part,
    sees_case_management,
)
from services.actor import Actor
from services.agency_names import agency_names
from services.case_access import Stores, case_not_found, visible, visible_cases
from services.case_history import HistoryEntry, case_history, listing_history
from services.errors import Invalid
from services.meetings import meetings_seen


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened. `at`: when it happened (the time given for it, where the
    domain keeps one), `recorded_at`: when it was recorded. `agency_id`: the agency it was
    by or for, where one is known (a coordinator's decision names none)."""

    at: datetime
    recorded_at: datetime
    kind: str
    summary: str
    agency_id: UUID | None = None
    agency_name: str | None = None
    item_id: UUID | None = None
    action_id: UUID | None = None
    meeting_id: UUID | None = None
    linked_case_id: UUID | None = None
    # An item's own text: the caller may see the item, or the entry would not be here.
    text: str | None = None


@dataclass(frozen=True)
class CaseTimeline:
    case_id: UUID
    entries: tuple[TimelineEntry, ...]


def timeline(stores: Stores, actor: Actor, case_id: UUID) -> CaseTimeline:
    """The case's timeline for the actor's purpose; a case they may not see is the uniform
    404. Oldest first; entries at the same moment in the order they were recorded."""
    purpose = actor.purpose
    if purpose is None:
        raise Invalid("Reading case content needs a purpose", "purpose_required")
    access, visibility = visible(stores, actor, case_id, "read", purpose)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    try:
        history = _history(stores, case_id)
    except CaseErased:
        raise case_not_found(case_id) from None
    shown = _seen(stores, actor, visibility, document, history)
    shown.sort(key=lambda e: e.at)  # stable: the same moment keeps the recorded order
    named = agency_names(stores, {e.agency_id for e in shown if e.agency_id})
    names = {e.agency_id: n for e in shown
             if e.agency_id and (n := named(e.agency_id).name) is not None}
    entries = tuple(_entry(e, names, document) for e in shown)
    actor.audit.record_before_response("read", "allowed", case_id=case_id, purpose=purpose,
                                       items=("timeline", *_named(entries)),
                                       area_id=access.area_id)
    return CaseTimeline(case_id, entries)


def _history(stores: Stores, case_id: UUID) -> list[HistoryEntry]:
    """The case's events, and its listings on the agendas of the meetings it is on or that
    its events name (invitations, research, hearings). Listings first: a listing and the
    invitations made with it are one moment, and read in that order. (A listing removed
    again that left nothing on the case, no invitation, research or hearing, is not found:
    the agenda's read model keeps the listings that stand.)"""
    history = case_history(stores.marac.events.get(case_id))
    meetings = {e.meeting_id for e in history if e.meeting_id} | set(
        stores.cases.listings(case_id))
    listings: list[HistoryEntry] = []
    for meeting_id in sorted(meetings, key=str):
        listings += listing_history(case_id, stores.marac.events.get(meeting_id))
    return listings + history


def _seen(stores: Stores, actor: Actor, visibility: Visibility, document: CaseDocument,
          history: list[HistoryEntry]) -> list[HistoryEntry]:
    """The entries whose sources the policy lets the caller see (and the meetings they name)."""
    items = {i.item_id: i for i in document.items}
    repeats = set(visible_cases(stores, actor, sorted(
        {e.source.ref for e in history if e.source.kind == "repeat" and e.source.ref},
        key=str)))
    meetings = meetings_seen(stores, actor, document.area_id,
                             {e.meeting_id for e in history if e.meeting_id})

    def sees(entry: HistoryEntry) -> bool:
        source = entry.source
        if entry.meeting_id is not None and entry.meeting_id not in meetings:
            return False
        if source.kind == "item":
            item = items.get(source.ref) if source.ref else None
            return item is not None and item_visible(actor.viewer, visibility,
                                                     item_facts(item))
        if source.kind == "agency":
            return source.ref is not None and sees_agency_part(visibility, source.ref)
        if source.kind == "management":
            return sees_case_management(visibility)
        if source.kind == "repeat":
            return source.ref in repeats
        return True  # the case as a whole, and its actions: all in the case view

    return [e for e in history if sees(e)]


def _entry(e: HistoryEntry, names: Mapping[UUID, str], document: CaseDocument
           ) -> TimelineEntry:
    text = next((i.text for i in document.items if i.item_id == e.item_id),
                None) if e.kind in ("information_shared", "research_answered") else None
    return TimelineEntry(e.at, e.recorded_at, e.kind, e.summary, e.agency_id,
                         names.get(e.agency_id) if e.agency_id else None, e.item_id,
                         e.action_id, e.meeting_id, e.linked_case_id, text)


def _named(entries: Iterable[TimelineEntry]) -> list[str]:
    """What was shown, for the audit record: items and actions by id, the rest by kind (no
    content, no names)."""
    named: dict[str, Any] = {}
    for e in entries:
        named.setdefault(str(e.item_id or e.action_id or e.kind), None)
    return list(named)
