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
from domain.confidentiality import ConfidentialityStatement, check_acknowledged
from domain.exceptions import AlreadyRecorded, DomainError

MeetingKind = Literal["standard", "daily_triage", "harmful_practices", "emergency"]
MEETING_KINDS: tuple[str, ...] = get_args(MeetingKind)
# A closed hearing: its cases are heard, and seen, by its named members only.
CLOSED_HEARING = "harmful_practices"
RiskTo = Literal["victim", "children", "perpetrator", "staff"]
RISK_TO: tuple[str, ...] = get_args(RiskTo)
MeetingStatus = Literal["scheduled", "held", "cancelled"]
# Why a case left an agenda when its referral was withdrawn (Meeting.drop_withdrawn_case).
WITHDRAWN_REFERRAL = "referral withdrawn as entered in error"
# Every set of minutes carries this marking (Government Security Classifications).
MINUTES_MARKING = "OFFICIAL-SENSITIVE"


class InvalidMeetingChange(DomainError):
    code = "invalid_meeting_change"


class MeetingNotYetHeld(InvalidMeetingChange):
    """What happens at a meeting (attendance, hearings, minutes) is recorded from its day on."""

    code = "meeting_not_yet_held"


class InvalidAgendaOrder(InvalidMeetingChange):
    """A move that would break the area's hearing order (children's cases first, 'honour'-based
    abuse at the start or the end)."""

    code = "invalid_agenda_order"


class MinutesNotDistributed(InvalidMeetingChange):
    """Receipt of the minutes is acknowledged once they have gone out."""

    code = "minutes_not_distributed"


class MinutesNotSent(InvalidMeetingChange):
    """Only an agency the minutes went to (an attending one) acknowledges their receipt."""

    code = "minutes_not_sent_to_agency"


class MinutesAlreadyAcknowledged(AlreadyRecorded):
    code = "minutes_already_acknowledged"


class MeetingCancelled(AlreadyRecorded):
    """Nothing is recorded at, listed on or changed about a cancelled meeting."""

    code = "meeting_cancelled"


class MeetingAlreadyHeld(AlreadyRecorded):
    """A meeting whose day has come is not rescheduled or cancelled: it has been held."""

    code = "meeting_already_held"


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
    # The version of the area's confidentiality statement acknowledged; None for attendance
    # recorded before versions were kept (its events load without it).
    statement_version: int | None = None


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


@dataclass(frozen=True)
class MinutesReceipt:
    """An agency's acknowledgement that it received the minutes: who, for it, and when."""

    agency_id: UUID
    by: str
    at: datetime


def add_working_days(start: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `start`. Bank holidays are not known
    here; an area that needs them sets a longer deadline."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def meeting_status(held_on: date, cancelled: bool, today: date) -> MeetingStatus:
    """A meeting is held from its day on, unless it was cancelled (before that day): from
    then its date is fixed and what happened at it may be recorded."""
    if cancelled:
        return "cancelled"
    return "held" if today >= held_on else "scheduled"


def hearing_rank(item: AgendaItem, settings: AreaSettings) -> tuple[int, int]:
    """Where the area's rules put a case: 'honour'-based-abuse cases at the start or the end
    as the area says, then children's cases first when the area says so."""
    hba = 0
    if item.honour_based_abuse:
        hba = -1 if settings.hba_placement == "start" else 1
    children = 0 if item.children and settings.children_first else 1
    return (hba, children)


def agenda_order(items: list[AgendaItem], settings: AreaSettings) -> list[AgendaItem]:
    """Children's cases first when the area says so; 'honour'-based-abuse cases at the start
    or the end as the area says (a closed hearing hears only them). Otherwise as listed, or
    as the coordinator moved them within those rules."""
    # sorted() is stable: ties keep their listing (or moved) order
    return sorted(items, key=lambda item: hearing_rank(item, settings))


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
        # The agencies the minutes went to (those attending), and each one's receipt.
        self.minutes_sent_to: tuple[UUID, ...] = ()
        self.minutes_receipts: dict[UUID, MinutesReceipt] = {}
        self.cancelled = False

    @property
    def closed(self) -> bool:
        return self.kind == CLOSED_HEARING

    # The meeting's date: one rule for everything that follows it -------------------------

    def held_by(self, day: date) -> bool:
        return meeting_status(self.held_on, self.cancelled, day) == "held"

    def check_open(self) -> None:
        """Listing, agenda changes and invitations: not on a cancelled meeting."""
        if self.cancelled:
            raise MeetingCancelled("the meeting was cancelled")

    def check_recordable_on(self, day: date) -> None:
        """Attendance, hearings and minutes alike: on a meeting that was not cancelled, on or
        after its day."""
        self.check_open()
        if not self.held_by(day):
            raise MeetingNotYetHeld("this is recorded on or after the meeting's day")

    def _check_changeable(self, today: date) -> None:
        self.check_open()
        if self.held_by(today):
            raise MeetingAlreadyHeld("the meeting has been held")

    def reschedule(self, held_on: date, reason: str, by: str, today: date) -> None:
        self._check_changeable(today)
        if not reason.strip():
            raise InvalidMeetingChange("a meeting is rescheduled with a reason")
        if held_on < today:
            raise InvalidMeetingChange("a meeting is rescheduled to today or later")
        if held_on == self.held_on:
            raise InvalidMeetingChange("the meeting is already on that day")
        self._rescheduled(held_on=held_on, reason=reason, by=by)

    @event("Rescheduled")
    def _rescheduled(self, held_on: date, reason: str, by: str) -> None:
        self.held_on = held_on

    def cancel(self, reason: str, by: str, today: date) -> None:
        """A cancelled meeting is not held: its cases may be listed on another."""
        self._check_changeable(today)
        if not reason.strip():
            raise InvalidMeetingChange("a meeting is cancelled with a reason")
        self._cancelled(reason=reason, by=by)

    @event("Cancelled")
    def _cancelled(self, reason: str, by: str) -> None:
        self.cancelled = True

    def minutes_due_on(self, settings: AreaSettings) -> date:
        return add_working_days(self.held_on, settings.minutes_within_working_days)

    def minutes_late(self, settings: AreaSettings, now: datetime) -> bool:
        """Late once the due day has ended without a distribution (or if it came after)."""
        return self.minutes_late_if_sent(settings, now, self.minutes_distributed_at)

    def minutes_late_if_sent(self, settings: AreaSettings, now: datetime,
                             sent: datetime | None) -> bool:
        """`minutes_late`'s rule for a distribution at `sent` (None: none yet)."""
        return (sent.date() if sent else now.date()) > self.minutes_due_on(settings)

    def lists(self, case_id: UUID) -> bool:
        return any(i.case_id == case_id for i in self.agenda)

    def distribute_minutes(self, by: str, at: datetime) -> None:
        self.check_recordable_on(at.date())
        if not self.agenda:
            raise InvalidMeetingChange("a meeting with no cases has no minutes")
        if self.minutes_distributed_at is not None:
            raise InvalidMeetingChange("the minutes have been distributed")
        self._minutes_distributed(by=by, at=at, to=self.attending_agencies())

    def attending_agencies(self) -> tuple[UUID, ...]:
        """The agencies someone attended for, in a stable order: those the minutes go to."""
        return tuple(sorted({a.agency_id for a in self.attendance.values()
                             if a.agency_id is not None}, key=str))

    @event("MinutesDistributed")
    def _minutes_distributed(self, by: str, at: datetime, to: tuple[UUID, ...] = ()) -> None:
        self.minutes_distributed_at = at
        # Distributions recorded before recipients were kept went to those attending then
        # (replayed in order, the attendance is as it stood at the distribution).
        self.minutes_sent_to = tuple(to) or self.attending_agencies()

    def acknowledge_minutes(self, agency_id: UUID, by: str, at: datetime) -> None:
        """An agency the minutes went to confirms it received them (once)."""
        if self.minutes_distributed_at is None:
            raise MinutesNotDistributed("the minutes have not been distributed")
        if agency_id not in self.minutes_sent_to:
            raise MinutesNotSent("the minutes were not sent to this agency")
        if agency_id in self.minutes_receipts:
            raise MinutesAlreadyAcknowledged("this agency has acknowledged the minutes")
        self._minutes_acknowledged(agency_id=agency_id, by=by, at=at)

    @event("MinutesAcknowledged")
    def _minutes_acknowledged(self, agency_id: UUID, by: str, at: datetime) -> None:
        self.minutes_receipts[agency_id] = MinutesReceipt(agency_id, by, at)

    def list_case(self, item: AgendaItem, settings: AreaSettings) -> None:
        self.check_open()
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

    def record_attendance(self, attendance: Attendance,
                          statement: ConfidentialityStatement) -> None:
        """`statement`: the area's, in force now; the attendee acknowledged that version."""
        self.check_recordable_on(attendance.at.date())
        if not attendance.acknowledged_confidentiality:
            raise InvalidMeetingChange("attendees acknowledge the confidentiality statement")
        check_acknowledged(attendance.statement_version, statement)
        if attendance.person in self.attendance:
            raise InvalidMeetingChange("attendance already recorded")
        self._attended(attendance=attendance)

    @event("Attended")
    def _attended(self, attendance: Attendance) -> None:
        self.attendance[attendance.person] = attendance

    # Agenda corrections --------------------------------------------------------------------

    def _listed_item(self, case_id: UUID) -> AgendaItem:
        found = [i for i in self.agenda if i.case_id == case_id]
        if not found:
            raise InvalidMeetingChange("that case is not on this meeting's agenda")
        return found[0]

    def reorder(self, order: list[UUID], settings: AreaSettings, by: str) -> None:
        """Hear `order`'s cases in that order, each taking the places that these cases held
        in the agenda: cases not named (those the coordinator may not see) keep theirs. The
        order must keep the area's rules (`hearing_rank` never goes down)."""
        self.check_open()
        if len(set(order)) != len(order):
            raise InvalidMeetingChange("a case appears once in an order")
        items = [self._listed_item(c) for c in order]
        ranks = [hearing_rank(i, settings) for i in items]
        if ranks != sorted(ranks):
            raise InvalidAgendaOrder("the area's rules fix where that case is heard")
        moved = iter(items)
        named = set(order)
        result = [next(moved) if i.case_id in named else i for i in self.agenda]
        if result != self.agenda:
            self._reordered(order=tuple(i.case_id for i in result), by=by)

    @event("AgendaReordered")
    def _reordered(self, order: tuple[UUID, ...], by: str) -> None:
        by_id = {i.case_id: i for i in self.agenda}
        self.agenda = [by_id[c] for c in order]

    def remove_case(self, case_id: UUID, reason: str, by: str) -> None:
        """Take a case off the agenda (listed in error, or to be heard elsewhere)."""
        self.check_open()
        self._listed_item(case_id)
        if not reason.strip():
            raise InvalidMeetingChange("an agenda item is removed with a reason")
        self._removed(case_id=case_id, reason=reason, by=by)

    def drop_withdrawn_case(self, case_id: UUID, by: str, today: date) -> bool:
        """A referral withdrawn as entered in error leaves this agenda while the meeting is
        still to come; a meeting held (or cancelled) keeps its record as it stands. The reason
        is fixed: the withdrawal's own stays with the case, whose key alone may read it."""
        if not self.lists(case_id) or meeting_status(self.held_on, self.cancelled,
                                                     today) != "scheduled":
            return False
        self._removed(case_id=case_id, reason=WITHDRAWN_REFERRAL, by=by)
        return True

    @event("CaseRemoved")
    def _removed(self, case_id: UUID, reason: str, by: str) -> None:
        self.agenda = [i for i in self.agenda if i.case_id != case_id]
