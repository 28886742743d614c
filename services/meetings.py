"""Meetings: scheduling, agendas (with the area's ordering rules and invitations), attendance,
each case's hearing, and the distribution of the minutes.

An agenda shows each caller only the cases they may see: a restricted case's line is absent
for everyone else, as if it were not on the agenda at all. A closed hearing is absent
altogether for anyone who is not a named member and may see none of its cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from audit.actions import AuditAction
from domain.meeting import CLOSED_HEARING, MINUTES_MARKING, AgendaItem, Meeting, Risk, agenda_order
from projections.meetings import MeetingRow
from security.policy import is_coordinator_of, may_see_meeting
from services.actor import Actor
from services.case_access import Stores, coordinated, visible_cases, writing
from services.errors import NotFound


@dataclass(frozen=True)
class MinutesState:
    marking: str
    due_on: date
    distributed_at: datetime | None
    late: bool


@dataclass(frozen=True)
class MeetingView(MeetingRow):
    minutes: MinutesState


@dataclass(frozen=True)
class AgendaEntry:
    """A case listed for a hearing, in hearing order."""

    position: int
    case_id: UUID
    children: bool
    honour_based_abuse: bool


@dataclass(frozen=True)
class NextMeeting(MeetingRow):
    agenda: tuple[AgendaEntry, ...]


# Which meetings the caller may see ---------------------------------------------------------

def _visible_meeting(stores: Stores, actor: Actor, row: MeetingRow) -> tuple[bool, list[UUID]]:
    """Whether the caller may see the meeting, and which of its listed cases."""
    listed = [line.case_id for line in stores.cases.agenda(row.meeting_id)]
    visible = visible_cases(stores, actor, listed) if listed else []
    closed = row.kind == CLOSED_HEARING
    members = stores.cases.meeting_members(row.meeting_id) if closed else frozenset()
    seen = may_see_meeting(actor.viewer, row.area_id, closed, members, bool(visible))
    return seen, visible


def seen_meeting(stores: Stores, actor: Actor, meeting_id: UUID,
                 action: AuditAction) -> tuple[MeetingRow, list[UUID]]:
    """The meeting and the listed cases the caller may see; a meeting they may not see is
    answered exactly like one that does not exist (and audited so). On success the caller
    writes the request's one audit record."""
    area_id = actor.principal.area_id
    found = [m for m in stores.cases.meetings(area_id)
             if m.meeting_id == meeting_id] if area_id else []
    seen, visible = _visible_meeting(stores, actor, found[0]) if found else (False, [])
    if not seen:
        actor.audit.record(action, "not_found", items=(str(meeting_id),))
        raise NotFound(f"meeting {meeting_id} not found")
    return found[0], visible


def _minutes_state(stores: Stores, meeting: Meeting) -> MinutesState:
    settings = stores.marac.get_area(meeting.area_id).settings
    return MinutesState(MINUTES_MARKING, meeting.minutes_due_on(settings),
                        meeting.minutes_distributed_at,
                        meeting.minutes_late(settings, stores.now()))


def _agenda(stores: Stores, meeting: MeetingRow, visible: Sequence[UUID]) -> list[AgendaEntry]:
    shown = set(visible)
    settings = stores.marac.get_area(meeting.area_id).settings
    items = agenda_order([AgendaItem(line.case_id, line.children, line.honour_based_abuse, "")
                          for line in stores.cases.agenda(meeting.meeting_id)
                          if line.case_id in shown], settings)
    return [AgendaEntry(n + 1, i.case_id, i.children, i.honour_based_abuse)
            for n, i in enumerate(items)]


# Reads -------------------------------------------------------------------------------------

def meeting(stores: Stores, actor: Actor, meeting_id: UUID) -> MeetingView:
    """The meeting, with its minutes' marking, due date and distribution."""
    row, _ = seen_meeting(stores, actor, meeting_id, "read_meeting")
    minutes = _minutes_state(stores, stores.marac.get_meeting(meeting_id))
    actor.audit.record("read_meeting", "allowed", items=(str(meeting_id),))
    return MeetingView(row.meeting_id, row.area_id, row.kind, row.held_on, row.attendees,
                       minutes)


def agenda(stores: Stores, actor: Actor, meeting_id: UUID) -> list[AgendaEntry]:
    """The agenda in hearing order, showing only the cases the caller may see."""
    row, visible = seen_meeting(stores, actor, meeting_id, "read_agenda")
    entries = _agenda(stores, row, visible)
    actor.audit.record("read_agenda", "allowed",
                       items=(str(meeting_id), *(str(e.case_id) for e in entries)))
    return entries


def next_agenda(stores: Stores, actor: Actor) -> NextMeeting | None:
    """The next meeting the caller may see, with the cases on its agenda they may see."""
    area_id = actor.principal.area_id
    upcoming = stores.cases.meetings(area_id, stores.now().date()) if area_id else []
    for row in upcoming:
        seen, visible = _visible_meeting(stores, actor, row)
        if seen:
            entries = _agenda(stores, row, visible)
            actor.audit.record("read_agenda", "allowed", items=(
                str(row.meeting_id), *(str(e.case_id) for e in entries)))
            return NextMeeting(row.meeting_id, row.area_id, row.kind, row.held_on,
                               row.attendees, tuple(entries))
    actor.audit.record("read_agenda", "allowed")
    return None


# Writes ------------------------------------------------------------------------------------

def schedule(stores: Stores, actor: Actor, kind: str, held_on: date,
             members: Sequence[str]) -> UUID:
    p = actor.principal
    if p.area_id is None or not is_coordinator_of(p, p.area_id):
        actor.deny("schedule_meeting", "Coordinators and chairs schedule their area's meetings")
    with writing(stores, actor, "schedule_meeting", None, p.area_id):
        return stores.marac.schedule_meeting(p.area_id, kind, held_on, by=p.subject,
                                             members=tuple(members))


def list_case(stores: Stores, actor: Actor, meeting_id: UUID, case_id: UUID,
              invite: Sequence[UUID]) -> None:
    """List a case for the hearing; the agencies invited to it gain access to the case (in a
    closed hearing, as advisers on that case alone)."""
    access = coordinated(stores, actor, case_id, "list_on_agenda")
    seen_meeting(stores, actor, meeting_id, "list_on_agenda")
    with writing(stores, actor, "list_on_agenda", case_id, access.area_id):
        stores.marac.list_on_agenda(meeting_id, case_id, invite=set(invite),
                                    by=actor.principal.subject)


def record_hearing(stores: Stores, actor: Actor, meeting_id: UUID, case_id: UUID,
                   risks: Sequence[Risk]) -> None:
    """A listed case was heard: the risks identified to victim, children, perpetrator, staff."""
    access = coordinated(stores, actor, case_id, "record_hearing")
    seen_meeting(stores, actor, meeting_id, "record_hearing")
    with writing(stores, actor, "record_hearing", case_id, access.area_id):
        stores.marac.record_hearing(meeting_id, case_id, risks=tuple(risks),
                                    by=actor.principal.subject)


def distribute_minutes(stores: Stores, actor: Actor, meeting_id: UUID) -> None:
    """Record that the minutes went out; the meeting shows whether within the deadline."""
    row, _ = seen_meeting(stores, actor, meeting_id, "distribute_minutes")
    actor.require(is_coordinator_of(actor.principal, row.area_id), "distribute_minutes",
                  "Coordinators and chairs run the area's meetings", items=(str(meeting_id),))
    with writing(stores, actor, "distribute_minutes", None, row.area_id):
        stores.marac.distribute_minutes(meeting_id, by=actor.principal.subject)


def attend(stores: Stores, actor: Actor, meeting_id: UUID, acknowledged: bool) -> None:
    """Record the caller's attendance; the confidentiality statement must be acknowledged."""
    seen_meeting(stores, actor, meeting_id, "attend")
    p = actor.principal
    with writing(stores, actor, "attend", None, p.area_id):
        stores.marac.record_attendance(meeting_id, person=p.subject, agency_id=p.agency_id,
                                       acknowledged_confidentiality=acknowledged)
