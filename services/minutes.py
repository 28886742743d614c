"""A case's minutes of a hearing, generated from its events as the caller's view of the case
allows, and a meeting's review list of the actions carried from earlier hearings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.actions import is_overdue
from domain.meeting import MINUTES_MARKING, Risk
from projections.case_document import ActionRecord
from projections.cases import item_facts
from security.policy import item_visible
from services.actor import Actor
from services.agency_names import AgencyName, agency_names
from services.case_access import Stores, case_not_found, visible, visible_cases
from services.case_view import CaseAction, CaseItem, named_in
from services.meetings import Attendee, attendance_list, seen_meeting

# Information shared on the case at the hearing, for those of its audience.
MinutesItem = CaseItem


@dataclass(frozen=True)
class MinutesDistribution:
    due_on: date
    distributed_at: datetime | None
    late: bool


@dataclass(frozen=True)
class CaseMinutes:
    """One case's minutes (OFFICIAL-SENSITIVE): disclosures by audience, the risks
    identified, the actions agreed, who was present (agencies), and the distribution."""

    marking: str
    meeting_id: UUID
    kind: str
    held_on: date
    case_id: UUID
    agencies_present: tuple[UUID, ...]
    heard: bool
    risks: tuple[Risk, ...]
    information: tuple[MinutesItem, ...]
    actions: tuple[CaseAction, ...]
    distribution: MinutesDistribution
    # The agencies present, by name and code (beside their ids above).
    agencies_present_named: tuple[AgencyName, ...]
    # Who attended, and which version of the confidentiality statement each acknowledged.
    attendance: tuple[Attendee, ...] = ()


@dataclass(frozen=True)
class CarriedAction:
    """An action still open from before a meeting, on the meeting's review list."""

    action: CaseAction
    case_id: UUID
    overdue: bool


def minutes(stores: Stores, actor: Actor, meeting_id: UUID, case_id: UUID) -> CaseMinutes:
    _, listed = seen_meeting(stores, actor, meeting_id, "read_minutes")
    access, visibility = visible(stores, actor, case_id, "read_minutes")
    if case_id not in listed:
        actor.audit.record("read_minutes", "not_found", case_id=case_id,
                           area_id=access.area_id, items=(str(meeting_id),))
        raise case_not_found(case_id)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    items = [i for i in document.items if i.meeting_id == meeting_id
             and item_visible(actor.viewer, visibility, item_facts(i))]
    hearing = next((h for h in document.hearings if h.meeting_id == meeting_id), None)
    actions = [a for a in document.actions if a.meeting_id == meeting_id]
    meeting = stores.marac.get_meeting(meeting_id)
    settings = stores.marac.get_area(meeting.area_id).settings
    actor.audit.record("read_minutes", "allowed", case_id=case_id, area_id=access.area_id,
                       items=(str(meeting_id), *(str(i.item_id) for i in items),
                              *(str(a.action_id) for a in actions)))
    present = tuple(sorted({a.agency_id for a in meeting.attendance.values()
                            if a.agency_id is not None}, key=str))
    names = agency_names(stores, [*present, *named_in(items, actions)])
    return CaseMinutes(
        marking=MINUTES_MARKING, meeting_id=meeting_id, kind=meeting.kind,
        held_on=meeting.held_on, case_id=case_id,
        agencies_present=present,
        heard=hearing is not None,
        risks=hearing.risks if hearing else (),
        information=tuple(CaseItem.of(i, names) for i in items),
        actions=tuple(CaseAction.of(a, names) for a in actions),
        distribution=MinutesDistribution(meeting.minutes_due_on(settings),
                                         meeting.minutes_distributed_at,
                                         meeting.minutes_late(settings, stores.now())),
        agencies_present_named=names.all(present),
        attendance=attendance_list(meeting))


def review(stores: Stores, actor: Actor, meeting_id: UUID) -> list[CarriedAction]:
    """The review list: every action still open from before this meeting on a case the
    caller may see, overdue ones flagged: incomplete actions carry forward."""
    row, _ = seen_meeting(stores, actor, meeting_id, "read_review")
    routing = stores.cases.actions(area_id=row.area_id)
    cases = visible_cases(stores, actor, sorted({r.case_id for r in routing}, key=str))
    open_actions: list[tuple[ActionRecord, UUID]] = []
    for case_id in cases:
        document = stores.cases.document(case_id)
        open_actions += [(a, case_id) for a in (document.actions if document else ())
                         if a.outcome is None and a.agreed_on < row.held_on]  # None: erased
    names = agency_names(stores, (a.owner_agency for a, _ in open_actions))
    carried = [CarriedAction(CaseAction.of(a, names), case_id,
                             is_overdue(a.due_on, None, row.held_on))
               for a, case_id in open_actions]
    carried.sort(key=lambda c: (c.action.due_on, str(c.action.action_id)))
    actor.audit.record("read_review", "allowed",
                       items=(str(meeting_id), *(str(c.action.action_id) for c in carried)))
    return carried
