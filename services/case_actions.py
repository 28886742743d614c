"""Actions agreed for a case (by the coordinators, each owned by an agency) and their updates,
made by the owning agency's staff or the coordinators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.actions import ForWhom, Outcome
from security.policy import may_act_for
from services.actor import Actor
from services.case_access import Stores, coordinated, visible, writing
from services.errors import NotFound


@dataclass(frozen=True)
class NewAction:
    """`meeting_id`: the hearing that agreed it, if any; the case must be on its agenda."""

    owner_agency_id: UUID
    description: str
    for_whom: ForWhom
    due_on: date
    meeting_id: UUID | None = None


def agree_action(stores: Stores, actor: Actor, case_id: UUID, new: NewAction) -> UUID:
    """The action's id."""
    access = coordinated(stores, actor, case_id, "agree_action")
    with writing(stores, actor, "agree_action", case_id, access.area_id):
        return stores.marac.agree_action(
            case_id, owner_agency=new.owner_agency_id, description=new.description,
            for_whom=new.for_whom, due_on=new.due_on, by=actor.principal.subject,
            meeting_id=new.meeting_id)


def update_action(stores: Stores, actor: Actor, case_id: UUID, action_id: UUID, *,
                  note: str, outcome: Outcome | None = None) -> None:
    """A note on the action's progress; with an `outcome`, its end."""
    access, _ = visible(stores, actor, case_id, "update_action")
    owners = {r.action_id: r.owner_agency_id
              for r in stores.cases.actions(case_id=case_id, open_only=False)}
    owner = owners.get(action_id)
    if owner is None:  # no such action on a case the caller sees: the uniform 404
        actor.audit.record("update_action", "not_found", case_id=case_id,
                           area_id=access.area_id, items=(str(action_id),))
        raise NotFound(f"case {case_id} has no action {action_id}")
    actor.require(may_act_for(actor.viewer, access, owner, stores.now()), "update_action",
                  "Only the owning agency updates its action", case_id=case_id,
                  area_id=access.area_id)
    with writing(stores, actor, "update_action", case_id, access.area_id):
        stores.marac.update_action(case_id, action_id, note=note, by=actor.principal.subject,
                                   outcome=outcome)
