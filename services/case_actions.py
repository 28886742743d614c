"""Actions agreed for a case (by the coordinators, each owned by an agency) and their updates,
made by the owning agency's staff or the coordinators; and what the pages that agree and
update one show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.actions import ForWhom, Outcome
from security.policy import may_act_for, may_coordinate
from services.actor import Actor
from services.agency_names import AgencyName, agency_names, area_agencies
from services.case_access import Stores, coordinated, offered, visible, writing
from services.case_view import CaseAction
from services.errors import NotFound
from services.purposes import Purpose


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


@dataclass(frozen=True)
class ActionToAgree:
    """What an action is agreed on outside a hearing: the case (by its label) and the agencies
    of its area, one of which is to own the action."""

    case_id: UUID
    label: str | None
    agencies: tuple[AgencyName, ...]


def action_to_agree(stores: Stores, actor: Actor, case_id: UUID) -> ActionToAgree:
    """For those who may agree the case's actions, as `agree_action` asks (the area's
    coordinators and chairs, on a case they see); anyone else finds nothing."""
    access, label = offered(stores, actor, case_id, "agree_action", may_coordinate)
    return ActionToAgree(case_id, label, area_agencies(stores, access.area_id))


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


@dataclass(frozen=True)
class ActionToUpdate:
    """An action its owner is to update: what it is, for whom, by when, its owner's notes so
    far, and whether it has ended; the case's label beside it."""

    case_id: UUID
    label: str | None
    action: CaseAction


def action_to_update(stores: Stores, actor: Actor, case_id: UUID,
                     action_id: UUID) -> ActionToUpdate:
    """The action, read for its follow-up by someone who may update it (its owning agency's
    staff, or the coordinators). An action they may not update, like one that does not
    exist or a case they may not see, is not found: its update form is not theirs to have."""
    purpose = Purpose.action_follow_up.value
    access, _ = visible(stores, actor, case_id, "read", purpose)
    document = stores.cases.document(case_id)
    found = next((a for a in document.actions if a.action_id == action_id),
                 None) if document else None
    if found is None or not may_act_for(actor.viewer, access, found.owner_agency, stores.now()):
        actor.audit.record("read", "not_found" if found is None else "denied", case_id=case_id,
                           purpose=purpose, area_id=access.area_id, items=(str(action_id),))
        raise NotFound(f"case {case_id} has no action {action_id} for the caller")
    actor.audit.record_before_response("read", "allowed", case_id=case_id, purpose=purpose,
                                       area_id=access.area_id, items=(str(action_id),))
    names = agency_names(stores, (found.owner_agency,))
    return ActionToUpdate(case_id, stores.cases.labels([case_id]).get(case_id),
                          CaseAction.of(found, names, stores.now().date()))
