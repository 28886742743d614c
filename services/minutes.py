"""A case's minutes of a hearing, generated from its events as the caller's view of the case
allows, and a meeting's review list of the actions carried from earlier hearings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.access import Audience
from domain.actions import is_overdue
from domain.meeting import MINUTES_MARKING, Risk
from projections.cases import item_facts
from security.policy import item_visible
from services.actor import Actor
from services.case_access import Stores, case_not_found, visible, visible_cases
from services.meetings import seen_meeting

# An action as the case's sealed document records it (with its notes): typed when the
# document's read model is (issue 14, point 2).
ActionRecord = Mapping[str, Any]


@dataclass(frozen=True)
class MinutesItem:
    """Information shared on the case at the hearing, for those of its audience."""

    item_id: UUID
    kind: str
    text: str
    audience: Audience
    author_agency: UUID
    recorded_at: datetime


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
    actions: tuple[ActionRecord, ...]
    distribution: MinutesDistribution


@dataclass(frozen=True)
class CarriedAction:
    """An action still open from before a meeting, on the meeting's review list."""

    action: ActionRecord
    case_id: UUID
    overdue: bool


def _item(i: Mapping[str, Any]) -> MinutesItem:
    audience = item_facts(dict(i)).audience
    return MinutesItem(UUID(i["item_id"]), i["kind"], i["text"], audience,
                       UUID(i["author_agency"]), datetime.fromisoformat(i["recorded_at"]))


def minutes(stores: Stores, actor: Actor, meeting_id: UUID, case_id: UUID) -> CaseMinutes:
    _, listed = seen_meeting(stores, actor, meeting_id, "read_minutes")
    access, visibility = visible(stores, actor, case_id, "read_minutes")
    if case_id not in listed:
        actor.audit.record("read_minutes", "not_found", case_id=case_id,
                           area_id=access.area_id, items=(str(meeting_id),))
        raise case_not_found(case_id)
    document = stores.cases.document(case_id) or {}
    mid = str(meeting_id)
    items = [i for i in document.get("items", []) if i.get("meeting_id") == mid
             and item_visible(actor.viewer, visibility, item_facts(i))]
    hearing = next((h for h in document.get("hearings", []) if h["meeting_id"] == mid), None)
    actions = [a for a in document.get("actions", []) if a.get("meeting_id") == mid]
    meeting = stores.marac.get_meeting(meeting_id)
    settings = stores.marac.get_area(meeting.area_id).settings
    actor.audit.record("read_minutes", "allowed", case_id=case_id, area_id=access.area_id,
                       items=(mid, *(i["item_id"] for i in items),
                              *(a["action_id"] for a in actions)))
    return CaseMinutes(
        marking=MINUTES_MARKING, meeting_id=meeting_id, kind=meeting.kind,
        held_on=meeting.held_on, case_id=case_id,
        agencies_present=tuple(sorted({a.agency_id for a in meeting.attendance.values()
                                       if a.agency_id is not None}, key=str)),
        heard=hearing is not None,
        risks=tuple(Risk(r["to"], r["description"]) for r in hearing["risks"]) if hearing
        else (),
        information=tuple(map(_item, items)),
        actions=tuple(actions),
        distribution=MinutesDistribution(meeting.minutes_due_on(settings),
                                         meeting.minutes_distributed_at,
                                         meeting.minutes_late(settings, stores.now())))


def review(stores: Stores, actor: Actor, meeting_id: UUID) -> list[CarriedAction]:
    """The review list: every action still open from before this meeting on a case the
    caller may see, overdue ones flagged: incomplete actions carry forward."""
    row, _ = seen_meeting(stores, actor, meeting_id, "read_review")
    routing = stores.cases.actions(area_id=row.area_id)
    cases = visible_cases(stores, actor, sorted({UUID(r["case_id"]) for r in routing}, key=str))
    carried: list[CarriedAction] = []
    for case_id in cases:
        document = stores.cases.document(case_id) or {}
        for action in document.get("actions", []):
            if action["outcome"] is None and date.fromisoformat(
                    action["agreed_on"]) < row.held_on:
                carried.append(CarriedAction(action, case_id, is_overdue(
                    date.fromisoformat(action["due_on"]), None, row.held_on)))
    carried.sort(key=lambda c: (c.action["due_on"], c.action["action_id"]))
    actor.audit.record("read_review", "allowed",
                       items=(str(meeting_id), *(c.action["action_id"] for c in carried)))
    return carried
