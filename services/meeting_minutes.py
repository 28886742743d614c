"""A meeting's minutes as one document: each case heard that the reader may see, with what of
it they may see (the same rule as one case's minutes, services/minutes.py), the attendance,
and the distribution; read on a page, or issued to a person as a watermarked copy.

One read, one audit record: a page (or a PDF) of the minutes is recorded once, naming the
meeting, the cases and what of them it shows. An issue is recorded only once its copy exists,
and before the copy is handed over; if the record cannot be written, nothing is handed over."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.meeting import MINUTES_MARKING, Meeting, Risk
from projections.cases import item_facts
from security.identity import Principal
from security.policy import case_visibility, is_coordinator_of, item_visible
from services.actor import Actor
from services.agency_names import AgencyName, AgencyNames, agency_names
from services.case_access import Stores
from services.case_view import CaseAction, CaseItem, named_in
from services.meetings import (
    AgendaEntry,
    MinutesState,
    agenda_entries,
    minutes_state,
    seen_meeting,
)
from services.minutes_receipts import MinutesReceipts, receipts_of


@dataclass(frozen=True)
class PresentAttendee:
    """Who attended, for which agency (by name), and the version of the confidentiality
    statement they acknowledged (None: recorded before versions were kept)."""

    person: str
    agency: AgencyName | None
    statement_version: int | None


@dataclass(frozen=True)
class CaseHeard:
    """One case's part of the minutes, as the reader's view of the case allows."""

    entry: AgendaEntry
    risks: tuple[Risk, ...]
    information: tuple[CaseItem, ...]
    actions: tuple[CaseAction, ...]


@dataclass(frozen=True)
class MeetingMinutes:
    """The minutes of a meeting (OFFICIAL-SENSITIVE) for one reader: only the cases heard
    that they may see. `receipts`: every recipient's for the area's coordinators, the
    reader's own agency's for anyone else."""

    marking: str
    meeting_id: UUID
    kind: str
    held_on: date
    attendance: tuple[PresentAttendee, ...]
    cases: tuple[CaseHeard, ...]
    distribution: MinutesState
    receipts: MinutesReceipts
    # Whether the reader runs the area's meetings (distributes, follows receipts).
    coordinates: bool

    def shown(self) -> tuple[str, ...]:
        """What the minutes hold, as an audit record names it (ids only)."""
        return (str(self.meeting_id), *(str(c.entry.case_id) for c in self.cases),
                *(str(i.item_id) for c in self.cases for i in c.information),
                *(str(a.action_id) for c in self.cases for a in c.actions))


@dataclass(frozen=True)
class Recipient:
    """Whom an issued copy is for, as its watermark names them: the person (by the name
    they signed in with), their agency, and when it was issued."""

    person_name: str
    agency_name: str | None
    issued_at: datetime


@dataclass(frozen=True)
class IssuedMinutes:
    minutes: MeetingMinutes
    recipient: Recipient
    document: bytes


def _gather(stores: Stores, actor: Actor, meeting_id: UUID) -> MeetingMinutes:
    """The minutes as `actor` may see them; no record (the caller makes the one record)."""
    row, visible = seen_meeting(stores, actor, meeting_id, "read_minutes")
    meeting = stores.marac.get_meeting(meeting_id)
    entries = agenda_entries(stores, row, visible)
    now = stores.now()
    access = stores.cases.access([e.case_id for e in entries]) if entries else {}
    parts = []
    for entry in entries:
        facts = access.get(entry.case_id)
        visibility = case_visibility(actor.viewer, facts, now) if facts else None
        document = stores.cases.document(entry.case_id) if visibility else None
        hearing = next((h for h in document.hearings if h.meeting_id == meeting_id),
                       None) if document else None
        if document is None or visibility is None or hearing is None:
            continue  # erased meanwhile, or listed but not heard: not in the minutes
        items = [i for i in document.items if i.meeting_id == meeting_id
                 and item_visible(actor.viewer, visibility, item_facts(i))]
        actions = [a for a in document.actions if a.meeting_id == meeting_id]
        parts.append((entry, hearing.risks, items, actions))
    present = meeting.attending_agencies()
    names = agency_names(stores, [*present, *meeting.minutes_sent_to,
                                  *(a for _, _, i, x in parts for a in named_in(i, x))])
    today = now.date()
    cases = tuple(CaseHeard(entry, risks, tuple(CaseItem.of(i, names) for i in items),
                            tuple(CaseAction.of(a, names, today) for a in actions))
                  for entry, risks, items, actions in parts)
    coordinates = is_coordinator_of(actor.principal, row.area_id)
    return MeetingMinutes(
        MINUTES_MARKING, meeting_id, meeting.kind, meeting.held_on,
        _attendance(meeting, names), cases,
        minutes_state(stores, meeting, sees_a_case=bool(visible)),
        receipts_of(meeting, names, actor.principal, coordinates, sees_a_case=bool(visible)),
        coordinates)


def _attendance(meeting: Meeting, names: AgencyNames) -> tuple[PresentAttendee, ...]:
    return tuple(PresentAttendee(a.person, names(a.agency_id) if a.agency_id else None,
                                 a.statement_version) for a in meeting.attendance.values())


def meeting_minutes(stores: Stores, actor: Actor, meeting_id: UUID) -> MeetingMinutes:
    """The meeting's minutes for the reader: a meeting they may not see does not exist."""
    found = _gather(stores, actor, meeting_id)
    actor.audit.record("read_minutes", "allowed", area_id=stores.marac.get_meeting(
        meeting_id).area_id, items=found.shown())
    return found


def recipient_of(principal: Principal, person_name: str, agency_name: str | None,
                 at: datetime) -> Recipient:
    # The staff id stands in where a session holds no display name.
    return Recipient(person_name or principal.subject, agency_name, at)


def issue_minutes(stores: Stores, actor: Actor, meeting_id: UUID, *, person_name: str,
                  make: Callable[[MeetingMinutes, Recipient], bytes]) -> IssuedMinutes:
    """A copy of the minutes made for the caller by `make` (a PDF watermarked for them, say),
    and recorded as issued to them before it is returned: `failed` if it could not be made.
    `person_name`: how the recipient is named on the copy (their own name; the record names
    them by their staff id and agency, as every record does)."""
    found = _gather(stores, actor, meeting_id)
    area_id = stores.marac.get_meeting(meeting_id).area_id
    p = actor.principal
    names = agency_names(stores, [p.agency_id] if p.agency_id else [])
    recipient = recipient_of(p, person_name, names(p.agency_id).name if p.agency_id else None,
                             stores.now())
    try:
        document = make(found, recipient)
    except Exception:
        actor.audit.record("issue_minutes", "failed", area_id=area_id,
                           items=(str(meeting_id),))
        raise
    digest = "sha256:" + hashlib.sha256(document).hexdigest()
    actor.audit.record("issue_minutes", "allowed", area_id=area_id,
                       items=(*found.shown(), digest))
    return IssuedMinutes(found, recipient, document)
