"""Lists of actions across cases: an agency's own open actions, and the area's overdue
actions for its coordinators, by owning agency. Only actions on cases the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from domain.actions import is_overdue
from security.policy import is_coordinator_of
from services.actor import Actor
from services.agency_names import agency_names
from services.case_access import Stores, visible_cases

Scope = Literal["mine", "overdue"]


@dataclass(frozen=True)
class ActionRow:
    """An action's routing, no content: which case, whose, when due."""

    action_id: UUID
    case_id: UUID
    owner_agency_id: UUID
    due_on: date
    overdue: bool
    escalated: bool
    owner_agency_name: str | None
    owner_agency_code: str | None


def actions(stores: Stores, actor: Actor, scope: Scope) -> list[ActionRow]:
    """`mine`: my agency's open actions, soonest due first; `overdue`: the area's overdue
    actions, for its coordinators, by owning agency."""
    p = actor.principal
    if scope == "overdue":
        actor.require(p.area_id is not None and is_coordinator_of(p, p.area_id),
                      "list_actions", "Coordinators and chairs see the area's overdue actions")
        rows = stores.cases.actions(area_id=p.area_id)
    else:
        actor.require(p.agency_id is not None, "list_actions",
                      "Only an agency's staff have actions")
        rows = stores.cases.actions(owner=p.agency_id)
    today = stores.now().date()
    visible = set(visible_cases(stores, actor, sorted({r.case_id for r in rows}, key=str)))
    rows = [r for r in rows if r.case_id in visible]
    names = agency_names(stores, (r.owner_agency_id for r in rows))
    shown = [ActionRow(
        action_id=r.action_id, case_id=r.case_id, owner_agency_id=r.owner_agency_id,
        due_on=r.due_on, escalated=r.escalated,
        overdue=is_overdue(r.due_on, r.outcome, today),
        owner_agency_name=names(r.owner_agency_id).name,
        owner_agency_code=names(r.owner_agency_id).code) for r in rows]
    # A stable order, so that the same actions always read the same.
    shown.sort(key=lambda a: (a.due_on, str(a.action_id)))
    if scope == "overdue":
        shown = sorted((a for a in shown if a.overdue),
                       key=lambda a: (str(a.owner_agency_id), a.due_on))
    actor.audit.record("list_actions", "allowed",
                       items=tuple(str(a.action_id) for a in shown))
    return shown
