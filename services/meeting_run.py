"""Running a meeting, as its chair or coordinator does it live: the attendance sheet (the
confidentiality statement in force, with its version, and who attended for which agency),
the run sheet (the agenda in hearing order, each case heard or not), and each case's hearing
(the risks identified, the disclosures made and the SMART actions agreed), recorded in one go.

Built on the API's own use cases (services/meetings.py, services/sharing.py,
services/case_actions.py): the same policy, the same audit, the same refusals. Only those the
policy lets run the area's meetings (`may_run_meeting`) use these; anyone else who may see
the meeting is refused, and anyone who may not is told it does not exist."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from audit.actions import AuditAction
from domain.access import Audience
from domain.case import InvalidHearingChange
from domain.confidentiality import ConfidentialityStatement
from domain.exceptions import DomainError
from domain.meeting import Hearing, MeetingStatus, Risk, meeting_status
from projections.meetings import MeetingRow
from security.policy import may_run_meeting, may_share
from services import case_actions, meetings, sharing
from services.actor import Actor
from services.agency_names import AgencyName, area_agencies
from services.case_access import Stores, case_not_found, writing
from services.case_actions import NewAction
from services.errors import NotFound
from services.meetings import AgendaEntry, Attendee


@dataclass(frozen=True)
class MeetingHeader:
    """What every page of the running meeting shows of the meeting itself."""

    meeting_id: UUID
    kind: str
    held_on: date
    status: MeetingStatus


@dataclass(frozen=True)
class AttendanceSheet:
    meeting: MeetingHeader
    statement: ConfidentialityStatement
    # The area's agencies, by name: whom an attendee may attend for.
    agencies: tuple[AgencyName, ...]
    attendance: tuple[Attendee, ...]


@dataclass(frozen=True)
class RunEntry:
    """A case on the agenda as the chair moves through it."""

    entry: AgendaEntry
    heard: bool


@dataclass(frozen=True)
class RunSheet:
    meeting: MeetingHeader
    entries: tuple[RunEntry, ...]


@dataclass(frozen=True)
class HearingSheet:
    """One case's hearing page: its place on the agenda, the next case to go to, the
    agencies that may own an action, and the hearing if it has been recorded."""

    meeting: MeetingHeader
    entry: AgendaEntry
    of: int
    next_case_id: UUID | None
    agencies: tuple[AgencyName, ...]
    restricted: bool
    hearing: Hearing | None
    # Disclosures are shared for the caller's agency: a chair who holds none records none.
    may_disclose: bool = True


@dataclass(frozen=True)
class NewAttendee:
    """Someone who attended, for an agency of the area, having confirmed the statement in
    the version they were shown."""

    person: str
    agency_id: UUID
    acknowledged: bool
    statement_version: int


@dataclass(frozen=True)
class HearingRecord:
    """What a case's hearing identified, disclosed and agreed."""

    risks: tuple[Risk, ...]
    disclosures: tuple[str, ...]
    actions: tuple[NewAction, ...]


def _run_meeting(stores: Stores, actor: Actor, meeting_id: UUID,
                 action: AuditAction) -> tuple[MeetingRow, list[UUID]]:
    """The meeting and the listed cases the caller may see, for a caller who may run it: a
    meeting they may not see is the uniform 404; one they may see but not run, refused."""
    row, visible = meetings.seen_meeting(stores, actor, meeting_id, action)
    actor.require(may_run_meeting(actor.principal, row.area_id), action,
                  "Coordinators and chairs run the area's meetings", items=(str(meeting_id),))
    return row, visible


def _header(stores: Stores, row: MeetingRow) -> MeetingHeader:
    held = stores.marac.get_meeting(row.meeting_id)
    return MeetingHeader(row.meeting_id, row.kind, row.held_on,
                         meeting_status(held.held_on, held.cancelled, stores.now().date()))


def attendance_sheet(stores: Stores, actor: Actor, meeting_id: UUID) -> AttendanceSheet:
    row, _ = _run_meeting(stores, actor, meeting_id, "read_meeting")
    held = stores.marac.get_meeting(meeting_id)
    actor.audit.record("read_meeting", "allowed",
                       items=(str(meeting_id), "confidentiality_statement", "attendance"))
    return AttendanceSheet(_header(stores, row),
                           stores.marac.get_area(row.area_id).confidentiality_statement,
                           area_agencies(stores, row.area_id), meetings.attendance_list(held))


def record_attendee(stores: Stores, actor: Actor, meeting_id: UUID, new: NewAttendee) -> None:
    """The chair records who attended for which agency (DOMAIN.md: the chair reads the
    statement; attendance is recorded); the domain refuses an outdated version of the
    statement, attendance before the meeting's day, at a cancelled meeting, or twice."""
    row, _ = _run_meeting(stores, actor, meeting_id, "attend")
    if new.agency_id not in {a.agency_id for a in area_agencies(stores, row.area_id)}:
        actor.audit.record("attend", "not_found", items=(str(meeting_id), str(new.agency_id)))
        raise NotFound(f"agency {new.agency_id} is not the meeting's area's")
    with writing(stores, actor, "attend", None, row.area_id,
                          items=(str(meeting_id), str(new.agency_id))):
        stores.marac.record_attendance(meeting_id, person=new.person, agency_id=new.agency_id,
                                       acknowledged_confidentiality=new.acknowledged,
                                       statement_version=new.statement_version)


def _heard(stores: Stores, meeting_id: UUID, case_ids: Sequence[UUID]) -> set[UUID]:
    heard = set()
    for case_id in case_ids:
        document = stores.cases.document(case_id)
        if document and any(h.meeting_id == meeting_id for h in document.hearings):
            heard.add(case_id)
    return heard


def run_sheet(stores: Stores, actor: Actor, meeting_id: UUID) -> RunSheet:
    """The agenda in hearing order (only the cases the caller may see), each heard or not."""
    row, visible = _run_meeting(stores, actor, meeting_id, "read_agenda")
    entries = meetings.agenda_entries(stores, row, visible)
    heard = _heard(stores, meeting_id, [e.case_id for e in entries])
    actor.audit.record("read_agenda", "allowed", purpose=actor.purpose,
                       items=(str(meeting_id), *(str(e.case_id) for e in entries)))
    return RunSheet(_header(stores, row),
                    tuple(RunEntry(e, e.case_id in heard) for e in entries))


def hearing_sheet(stores: Stores, actor: Actor, meeting_id: UUID,
                  case_id: UUID) -> HearingSheet:
    """A case's hearing page; a case not on the agenda as the caller sees it is not found."""
    row, visible = _run_meeting(stores, actor, meeting_id, "read_agenda")
    entries = meetings.agenda_entries(stores, row, visible)
    order = [e.case_id for e in entries]
    if case_id not in order:
        actor.audit.record("read_agenda", "not_found", case_id=case_id, area_id=row.area_id,
                           items=(str(meeting_id),))
        raise case_not_found(case_id)
    at = order.index(case_id)
    document = stores.cases.document(case_id)
    hearing = next((h for h in document.hearings if h.meeting_id == meeting_id),
                   None) if document else None
    actor.audit.record("read_agenda", "allowed", case_id=case_id, area_id=row.area_id,
                       purpose=actor.purpose, items=(str(meeting_id), str(case_id)))
    return HearingSheet(_header(stores, row), entries[at], len(entries),
                        order[at + 1] if at + 1 < len(order) else None,
                        area_agencies(stores, row.area_id),
                        bool(document and document.restricted), hearing,
                        _may_disclose(stores, actor, case_id))


def _may_disclose(stores: Stores, actor: Actor, case_id: UUID) -> bool:
    access = stores.cases.access([case_id]).get(case_id)
    return access is not None and may_share(actor.viewer, access, stores.now())


def record_case_hearing(stores: Stores, act: Callable[[], Actor], meeting_id: UUID,
                        case_id: UUID, record: HearingRecord) -> None:
    """The case's hearing, its disclosures and its actions, each through its own use case and
    so each its own audited write, as the API's calls would be (`act` gives the request's
    caller afresh for each: one record each). The meeting's guardrails are checked first, so
    that a hearing the domain would refuse (not yet the meeting's day, a cancelled meeting, a
    case already heard) records nothing; the hearing itself goes last, so that a case shows as
    heard only once its disclosures and actions are in."""
    actor = act()
    row, visible = _run_meeting(stores, actor, meeting_id, "record_hearing")
    if case_id not in visible:
        actor.audit.record("record_hearing", "not_found", case_id=case_id,
                           items=(str(meeting_id),))
        raise case_not_found(case_id)
    if record.disclosures and not _may_disclose(stores, actor, case_id):
        actor.deny("record_hearing", "Disclosures are shared by an agency's staff",
                   case_id=case_id, area_id=row.area_id)
    try:
        stores.marac.get_meeting(meeting_id).check_recordable_on(stores.now().date())
        if case_id in _heard(stores, meeting_id, [case_id]):
            raise InvalidHearingChange("this hearing has been recorded")
    except DomainError as refused:  # recorded as the write it refuses would have been
        actor.audit.record("record_hearing", "refused", case_id=case_id, area_id=row.area_id,
                           items=(f"code:{refused.code}",))
        raise
    for text in record.disclosures:
        sharing.share(stores, act(), case_id, kind="disclosure", text=text,
                      audience=Audience("whole_case"), meeting_id=meeting_id)
    for action in record.actions:
        case_actions.agree_action(stores, act(), case_id, action)
    # The hearing's own record is this one's: the checks above made none.
    meetings.record_hearing(stores, actor, meeting_id, case_id, record.risks)
