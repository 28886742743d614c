"""MARAC meetings: scheduled hearings, their agendas and the order cases are heard in,
attendance with each attendee's acknowledgement of the confidentiality statement, what each
case's hearing identified, and the distribution of the minutes against the area's deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, get_args
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.area import AreaSettings
from domain.exceptions import DomainError

MeetingKind = Literal["standard", "daily_triage", "harmful_practices", "emergency"]
MEETING_KINDS: tuple[str, ...] = get_args(MeetingKind)
# A closed hearing: its cases are heard, and seen, by its named members only.
CLOSED_HEARING = "harmful_practices"
RiskTo = Literal["victim", "children", "perpetrator", "staff"]
RISK_TO: tuple[str, ...] = get_args(RiskTo)
# Every set of minutes carries this marking (Government Security Classifications).
MINUTES_MARKING = "OFFICIAL-SENSITIVE"


class InvalidMeetingChange(DomainError):
    code = "invalid_meeting_change"


@dataclass(frozen=True)
class AgendaItem:
    case_id: UUID
    children: bool
    honour_based_abuse: bool
    listed_by: str


@dataclass(frozen=True)
class Attendance:
    person: str
    agency_id: UUID | None
    acknowledged_confidentiality: bool
    at: datetime


@dataclass(frozen=True)
class Risk:
    """A risk the hearing identified, and to whom. The description is personal data."""

    to: RiskTo
    description: str


@dataclass(frozen=True)
class Hearing:
    """A case's hearing at a meeting: the risks identified (disclosures and actions are
    recorded on the case with the meeting's id)."""

    meeting_id: UUID
    heard_on: date
    risks: tuple[Risk, ...]
    recorded_by: str


def add_working_days(start: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `start`. Bank holidays are not known
    here; an area that needs them sets a longer deadline."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def agenda_order(items: list[AgendaItem], settings: AreaSettings) -> list[AgendaItem]:
    """Children's cases first when the area says so; 'honour'-based-abuse cases at the start
    or the end as the area says (a closed hearing hears only them). Otherwise as listed."""
    def rank(item: AgendaItem) -> tuple[int, int]:
        hba = 0
        if item.honour_based_abuse:
            hba = -1 if settings.hba_placement == "start" else 1
        children = 0 if item.children and settings.children_first else 1
        return (hba, children)

    return sorted(items, key=rank)  # sorted() is stable: ties keep their listing order


class Meeting(Aggregate):
    @classmethod
    def schedule(cls, area_id: UUID, kind: str, held_on: date, by: str,
                 members: tuple[str, ...] = ()) -> Meeting:
        """`members`: the named members of a closed hearing (its scheduler always is one);
        other meetings have none."""
        if kind not in MEETING_KINDS:
            raise InvalidMeetingChange(f"a meeting is one of {MEETING_KINDS}")
        if members and kind != CLOSED_HEARING:
            raise InvalidMeetingChange("only a closed hearing has named members")
        named = tuple(sorted({*members, by})) if kind == CLOSED_HEARING else ()
        return cls(area_id=area_id, kind=kind, held_on=held_on, scheduled_by=by,
                   members=named)

    @event("Scheduled")
    def __init__(self, area_id: UUID, kind: str, held_on: date, scheduled_by: str,
                 members: tuple[str, ...] = ()) -> None:
        self.area_id = area_id
        self.kind = kind
        self.held_on = held_on
        self.members = members
        self.agenda: list[AgendaItem] = []
        self.attendance: dict[str, Attendance] = {}
        self.minutes_distributed_at: datetime | None = None

    @property
    def closed(self) -> bool:
        return self.kind == CLOSED_HEARING

    def minutes_due_on(self, settings: AreaSettings) -> date:
        return add_working_days(self.held_on, settings.minutes_within_working_days)

    def minutes_late(self, settings: AreaSettings, now: datetime) -> bool:
        """Late once the due day has ended without a distribution (or if it came after)."""
        due = self.minutes_due_on(settings)
        sent = self.minutes_distributed_at
        return (sent.date() if sent else now.date()) > due

    def lists(self, case_id: UUID) -> bool:
        return any(i.case_id == case_id for i in self.agenda)

    def distribute_minutes(self, by: str, at: datetime) -> None:
        if not self.agenda:
            raise InvalidMeetingChange("a meeting with no cases has no minutes")
        if at.date() < self.held_on:
            raise InvalidMeetingChange("minutes follow the meeting")
        if self.minutes_distributed_at is not None:
            raise InvalidMeetingChange("the minutes have been distributed")
        self._minutes_distributed(by=by, at=at)

    @event("MinutesDistributed")
    def _minutes_distributed(self, by: str, at: datetime) -> None:
        self.minutes_distributed_at = at

    def list_case(self, item: AgendaItem, settings: AreaSettings) -> None:
        if any(i.case_id == item.case_id for i in self.agenda):
            raise InvalidMeetingChange("that case is already on this agenda")
        closed_hearing = self.closed
        if closed_hearing and not item.honour_based_abuse:
            raise InvalidMeetingChange("a harmful-practices hearing hears only those cases")
        if (item.honour_based_abuse and settings.hba_placement == "closed"
                and not closed_hearing):
            raise InvalidMeetingChange(
                "this area hears 'honour'-based-abuse cases in a closed hearing")
        self._listed(item=item)

    @event("CaseListed")
    def _listed(self, item: AgendaItem) -> None:
        self.agenda.append(item)

    def record_attendance(self, attendance: Attendance) -> None:
        if not attendance.acknowledged_confidentiality:
            raise InvalidMeetingChange("attendees acknowledge the confidentiality statement")
        if attendance.person in self.attendance:
            raise InvalidMeetingChange("attendance already recorded")
        self._attended(attendance=attendance)

    @event("Attended")
    def _attended(self, attendance: Attendance) -> None:
        self.attendance[attendance.person] = attendance
