"""Meetings: scheduling, listing, rescheduling and cancelling them; agendas (with the area's
ordering rules, moves within them, removals and invitations), attendance, each case's
hearing, and the distribution of the minutes.

An agenda shows each caller only the cases they may see: a restricted case's line is absent
for everyone else, as if it were not on the agenda at all. A closed hearing is absent
altogether for anyone who is not a named member and may see none of its cases."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from audit.actions import AuditAction
from domain.confidentiality import ConfidentialityStatement
from domain.meeting import (
    CLOSED_HEARING,
    MINUTES_MARKING,
    AgendaItem,
    InvalidAgendaOrder,
    InvalidMeetingChange,
    Meeting,
    MeetingStatus,
    Risk,
    agenda_order,
    meeting_status,
)
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
class Attendee:
    """Who attended, for which agency, when, and the version of the confidentiality statement
    they acknowledged (None: recorded before versions were kept)."""

    person: str
    agency_id: UUID | None
    at: datetime
    statement_version: int | None


@dataclass(frozen=True)
class MeetingView(MeetingRow):
    minutes: MinutesState
    status: MeetingStatus
    attendance: tuple[Attendee, ...] = ()


@dataclass(frozen=True)
class ListedMeeting:
    """A meeting in an area's list: `cases` counts only the listed cases the caller may see."""

    meeting_id: UUID
    kind: str
    held_on: date
    status: MeetingStatus
    cases: int


When = Literal["upcoming", "past", "all"]


@dataclass(frozen=True)
class AgendaEntry:
    """A case listed for a hearing, in hearing order."""

    position: int
    case_id: UUID
    children: bool
    honour_based_abuse: bool
    # What coordinators call the case (every line is a case the caller may see); None
    # until read for an answer, or if erased meanwhile.
    label: str | None = None


@dataclass(frozen=True)
class NextMeeting(MeetingRow):
    agenda: tuple[AgendaEntry, ...]


# Which meetings the caller may see ---------------------------------------------------------

def _visible_meetings(stores: Stores, actor: Actor,
                      rows: Sequence[MeetingRow]) -> list[tuple[bool, list[UUID]]]:
    """Whether the caller may see each meeting, and which of its listed cases (the policy
    asked once for all of their cases)."""
    listed = {row.meeting_id: [line.case_id for line in stores.cases.agenda(row.meeting_id)]
              for row in rows}
    every = list(dict.fromkeys(c for cases in listed.values() for c in cases))
    shown = set(visible_cases(stores, actor, every)) if every else set()
    found = []
    for row in rows:
        visible = [c for c in listed[row.meeting_id] if c in shown]
        closed = row.kind == CLOSED_HEARING
        members = stores.cases.meeting_members(row.meeting_id) if closed else frozenset()
        found.append((may_see_meeting(actor.viewer, row.area_id, closed, members,
                                      bool(visible)), visible))
    return found


def _visible_meeting(stores: Stores, actor: Actor, row: MeetingRow) -> tuple[bool, list[UUID]]:
    """Whether the caller may see the meeting, and which of its listed cases."""
    return _visible_meetings(stores, actor, [row])[0]


def meetings_seen(stores: Stores, actor: Actor, area_id: UUID,
                  meeting_ids: Collection[UUID]) -> frozenset[UUID]:
    """Which of these meetings of the area the caller may see. No record: the read that asks
    (a case's timeline, a listing of failed notices) makes its own."""
    if not meeting_ids:
        return frozenset()
    rows = [m for m in stores.cases.meetings(area_id) if m.meeting_id in meeting_ids]
    return frozenset(row.meeting_id for row, (seen, _) in zip(
        rows, _visible_meetings(stores, actor, rows), strict=True) if seen)


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


def attendance_list(meeting: Meeting) -> tuple[Attendee, ...]:
    """The meeting's attendance, in the order it was recorded."""
    return tuple(Attendee(a.person, a.agency_id, a.at, a.statement_version)
                 for a in meeting.attendance.values())


def minutes_state(stores: Stores, meeting: Meeting, *, sees_a_case: bool) -> MinutesState:
    """The minutes' marking, due date and distribution as the caller may know them. Minutes
    go out only for a meeting that lists a case: to one who sees none of its cases they are
    as a meeting with none's, never distributed (DESIGN.md, need-to-know rule 2: whether a
    case they may not see was heard is not theirs to learn). The one rule every reader of a
    meeting's minutes asks (the meeting, its minutes, their receipts)."""
    settings = stores.marac.get_area(meeting.area_id).settings
    sent = meeting.minutes_distributed_at if sees_a_case else None
    return MinutesState(MINUTES_MARKING, meeting.minutes_due_on(settings), sent,
                        meeting.minutes_late_if_sent(settings, stores.now(), sent))


def _agenda(stores: Stores, meeting: MeetingRow, visible: Sequence[UUID]) -> list[AgendaEntry]:
    shown = set(visible)
    settings = stores.marac.get_area(meeting.area_id).settings
    items = agenda_order([AgendaItem(line.case_id, line.children, line.honour_based_abuse, "")
                          for line in stores.cases.agenda(meeting.meeting_id)
                          if line.case_id in shown], settings)
    return [AgendaEntry(n + 1, i.case_id, i.children, i.honour_based_abuse)
            for n, i in enumerate(items)]


def _labelled(stores: Stores, entries: Sequence[AgendaEntry]) -> list[AgendaEntry]:
    """The entries with their cases' labels: only ever the cases the caller may see, as
    `_agenda` lists only those."""
    labels = stores.cases.labels([e.case_id for e in entries]) if entries else {}
    return [replace(e, label=labels.get(e.case_id)) for e in entries]


def agenda_entries(stores: Stores, row: MeetingRow, visible: Sequence[UUID]) -> list[AgendaEntry]:
    """The agenda in hearing order with its labels, of the cases `visible` names (those the
    caller may see, as `seen_meeting` found them). No record: the read that asks makes its
    own."""
    return _labelled(stores, _agenda(stores, row, visible))


# Reads -------------------------------------------------------------------------------------

def meeting(stores: Stores, actor: Actor, meeting_id: UUID) -> MeetingView:
    """The meeting, with its minutes' marking, due date and distribution."""
    row, visible = seen_meeting(stores, actor, meeting_id, "read_meeting")
    held = stores.marac.get_meeting(meeting_id)
    minutes = minutes_state(stores, held, sees_a_case=bool(visible))
    actor.audit.record("read_meeting", "allowed", items=(str(meeting_id),))
    return MeetingView(row.meeting_id, row.area_id, row.kind, row.held_on, row.attendees,
                       minutes, meeting_status(held.held_on, held.cancelled, stores.now().date()),
                       attendance_list(held))


def confidentiality_statement(stores: Stores, actor: Actor,
                              meeting_id: UUID) -> ConfidentialityStatement:
    """The statement in force for the meeting's area, its text and version: for those who may
    attend (whoever may see the meeting), to read before they acknowledge it."""
    row, _ = seen_meeting(stores, actor, meeting_id, "read_meeting")
    actor.audit.record("read_meeting", "allowed",
                       items=(str(meeting_id), "confidentiality_statement"))
    return stores.marac.get_area(row.area_id).confidentiality_statement


def list_meetings(stores: Stores, actor: Actor, when: When = "all",
                  limit: int = 50) -> list[ListedMeeting]:
    """The caller's area's meetings they may see: upcoming ones (from today) soonest first,
    past ones latest first, or all by date; with each one's status and number of cases."""
    area_id = actor.principal.area_id
    today = stores.now().date()
    rows = stores.cases.meetings(area_id) if area_id else []
    if when == "upcoming":
        rows = [r for r in rows if r.held_on >= today]
    elif when == "past":
        rows = [r for r in rows if r.held_on < today][::-1]
    cancelled = stores.cases.cancelled_meetings(area_id) if area_id else frozenset()
    found: list[ListedMeeting] = []
    # A page at a time: the meetings a caller may not see (closed hearings) are skipped.
    for start in range(0, len(rows), limit):
        page = rows[start:start + limit]
        for row, (seen, visible) in zip(page, _visible_meetings(stores, actor, page),
                                        strict=True):
            if seen and len(found) < limit:
                status = meeting_status(row.held_on, row.meeting_id in cancelled, today)
                found.append(ListedMeeting(row.meeting_id, row.kind, row.held_on, status,
                                           len(visible)))
        if len(found) == limit:
            break
    actor.audit.record("list_meetings", "allowed",
                       items=tuple(str(m.meeting_id) for m in found))
    return found


def agenda(stores: Stores, actor: Actor, meeting_id: UUID) -> list[AgendaEntry]:
    """The agenda in hearing order, showing only the cases the caller may see."""
    row, visible = seen_meeting(stores, actor, meeting_id, "read_agenda")
    entries = _agenda(stores, row, visible)
    actor.audit.record("read_agenda", "allowed",
                       items=(str(meeting_id), *(str(e.case_id) for e in entries)))
    return _labelled(stores, entries)


def next_agenda(stores: Stores, actor: Actor) -> NextMeeting | None:
    """The next meeting the caller may see, with the cases on its agenda they may see."""
    area_id = actor.principal.area_id
    upcoming = stores.cases.meetings(area_id, stores.now().date()) if area_id else []
    cancelled = stores.cases.cancelled_meetings(area_id) if area_id else frozenset()
    for row in upcoming:
        if row.meeting_id in cancelled:
            continue
        seen, visible = _visible_meeting(stores, actor, row)
        if seen:
            entries = _agenda(stores, row, visible)
            actor.audit.record("read_agenda", "allowed", items=(
                str(row.meeting_id), *(str(e.case_id) for e in entries)))
            return NextMeeting(row.meeting_id, row.area_id, row.kind, row.held_on,
                               row.attendees, tuple(_labelled(stores, entries)))
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
    row, visible = seen_meeting(stores, actor, meeting_id, "distribute_minutes")
    actor.require(is_coordinator_of(actor.principal, row.area_id), "distribute_minutes",
                  "Coordinators and chairs run the area's meetings", items=(str(meeting_id),))
    with writing(stores, actor, "distribute_minutes", None, row.area_id):
        if not visible:
            # To the caller the agenda is empty: refused (and recorded) as the domain refuses
            # a meeting that lists no case, in the domain's order, so that the answer does not
            # tell whether a case they may not see is listed (DESIGN.md, need-to-know rule 2).
            stores.marac.get_meeting(meeting_id).check_recordable_on(stores.now().date())
            raise InvalidMeetingChange("a meeting with no cases has no minutes")
        stores.marac.distribute_minutes(meeting_id, by=actor.principal.subject)


def attend(stores: Stores, actor: Actor, meeting_id: UUID, acknowledged: bool,
           statement_version: int) -> None:
    """Record the caller's attendance; the confidentiality statement must be acknowledged, in
    the version in force (`confidentiality_statement`): an older one is refused."""
    seen_meeting(stores, actor, meeting_id, "attend")
    p = actor.principal
    with writing(stores, actor, "attend", None, p.area_id):
        stores.marac.record_attendance(meeting_id, person=p.subject, agency_id=p.agency_id,
                                       acknowledged_confidentiality=acknowledged,
                                       statement_version=statement_version)


def _coordinated_meeting(stores: Stores, actor: Actor, meeting_id: UUID,
                         action: AuditAction) -> MeetingRow:
    row, _ = seen_meeting(stores, actor, meeting_id, action)
    actor.require(is_coordinator_of(actor.principal, row.area_id), action,
                  "Coordinators and chairs run the area's meetings", items=(str(meeting_id),))
    return row


def reschedule(stores: Stores, actor: Actor, meeting_id: UUID, held_on: date,
               reason: str) -> None:
    """Move a meeting that has not been held to another day, with a reason."""
    row = _coordinated_meeting(stores, actor, meeting_id, "reschedule_meeting")
    with writing(stores, actor, "reschedule_meeting", None, row.area_id):
        stores.marac.reschedule_meeting(meeting_id, held_on, reason=reason,
                                        by=actor.principal.subject)


def cancel(stores: Stores, actor: Actor, meeting_id: UUID, reason: str) -> None:
    """Cancel a meeting that has not been held: it is not held, nor counted in reports; its
    cases may be listed on another meeting."""
    row = _coordinated_meeting(stores, actor, meeting_id, "cancel_meeting")
    with writing(stores, actor, "cancel_meeting", None, row.area_id):
        stores.marac.cancel_meeting(meeting_id, reason=reason, by=actor.principal.subject)


def move_on_agenda(stores: Stores, actor: Actor, meeting_id: UUID, case_id: UUID, *,
                   position: int | None = None,
                   direction: Literal["up", "down"] | None = None) -> None:
    """Move a listed case to a position (from 1) of the agenda as the caller sees it, or one
    place up or down, within the area's ordering rules. Cases the caller may not see keep
    their places, so that nothing the caller is told depends on them."""
    access = coordinated(stores, actor, case_id, "move_on_agenda")
    row, visible = seen_meeting(stores, actor, meeting_id, "move_on_agenda")
    order = [e.case_id for e in _agenda(stores, row, visible)]
    with writing(stores, actor, "move_on_agenda", case_id, access.area_id):
        if case_id not in order:
            raise InvalidMeetingChange("that case is not on this meeting's agenda")
        now = order.index(case_id) + 1
        to = position if position is not None else now + (-1 if direction == "up" else 1)
        if not 1 <= to <= len(order):
            raise InvalidAgendaOrder(f"the agenda has positions 1 to {len(order)}")
        order.remove(case_id)
        order.insert(to - 1, case_id)
        stores.marac.reorder_agenda(meeting_id, order, by=actor.principal.subject)


def remove_from_agenda(stores: Stores, actor: Actor, meeting_id: UUID, case_id: UUID,
                       reason: str) -> None:
    """Take a case not yet heard off the agenda, with a reason; it may be listed elsewhere."""
    access = coordinated(stores, actor, case_id, "remove_from_agenda")
    seen_meeting(stores, actor, meeting_id, "remove_from_agenda")
    with writing(stores, actor, "remove_from_agenda", case_id, access.area_id):
        stores.marac.remove_from_agenda(meeting_id, case_id, reason=reason,
                                        by=actor.principal.subject)


def invite(stores: Stores, actor: Actor, meeting_id: UUID, case_id: UUID,
           agencies: Sequence[UUID]) -> None:
    """Invite agencies to a case already listed: they gain what listing with them would
    have given (access to the case; in a closed hearing, as advisers on that case alone)."""
    access = coordinated(stores, actor, case_id, "invite_to_hearing")
    seen_meeting(stores, actor, meeting_id, "invite_to_hearing")
    with writing(stores, actor, "invite_to_hearing", case_id, access.area_id):
        stores.marac.invite_to_hearing(meeting_id, case_id, invite=set(agencies),
                                       by=actor.principal.subject)
