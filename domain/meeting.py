"""MARAC meetings: scheduled hearings, their agendas and the order cases are heard in, and
attendance with each attendee's acknowledgement of the confidentiality statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.area import AreaSettings
from domain.exceptions import DomainError

MeetingKind = Literal["standard", "daily_triage", "harmful_practices", "emergency"]
MEETING_KINDS: tuple[str, ...] = get_args(MeetingKind)


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
    def schedule(cls, area_id: UUID, kind: str, held_on: date, by: str) -> Meeting:
        if kind not in MEETING_KINDS:
            raise InvalidMeetingChange(f"a meeting is one of {MEETING_KINDS}")
        return cls(area_id=area_id, kind=kind, held_on=held_on, scheduled_by=by)

    @event("Scheduled")
    def __init__(self, area_id: UUID, kind: str, held_on: date, scheduled_by: str) -> None:
        self.area_id = area_id
        self.kind = kind
        self.held_on = held_on
        self.agenda: list[AgendaItem] = []
        self.attendance: dict[str, Attendance] = {}

    def list_case(self, item: AgendaItem, settings: AreaSettings) -> None:
        if any(i.case_id == item.case_id for i in self.agenda):
            raise InvalidMeetingChange("that case is already on this agenda")
        closed_hearing = self.kind == "harmful_practices"
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
