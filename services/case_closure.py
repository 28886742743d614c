"""Closing a case, and each involved agency's acknowledgement that it has been told
(services/closure.py says who has been told, and whether late)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from domain.actions import ActionDisposal
from security.policy import CaseAccess, agencies_told_of_closure
from services.actor import Actor
from services.case_access import Stores, coordinated, visible, writing


def close(stores: Stores, actor: Actor, case_id: UUID, *, reason: str,
          disposals: Collection[ActionDisposal] = ()) -> None:
    """The agencies to be told are those that may see the case as the closure leaves it, as
    the policy says: an agency named to carry an action on among them. `disposals`: what
    becomes of each action still open (the domain refuses a closure that leaves one out,
    with `open_actions_unaccounted`)."""
    access = coordinated(stores, actor, case_id, "close")
    with writing(stores, actor, "close", case_id, access.area_id):
        stores.marac.close_case(case_id, by=actor.principal.subject, reason=reason,
                                inform=told_of_closure(access, stores.now(), disposals),
                                disposals=disposals)


def told_of_closure(access: CaseAccess, now: datetime,
                    disposals: Collection[ActionDisposal]) -> frozenset[UUID]:
    """Whom a closure with these `disposals` tells (any closure: a MARRAC case's fourth step
    too)."""
    carried = {d.carried_to for d in disposals if d.carried_to is not None}
    return agencies_told_of_closure(access, now, carried)


def acknowledge_closure(stores: Stores, actor: Actor, case_id: UUID) -> None:
    """An involved agency's representative confirms their agency has been told."""
    access, visibility = visible(stores, actor, case_id, "acknowledge_closure")
    agency_id = visibility.agency_id
    if actor.principal.kind != "person" or agency_id is None:
        actor.deny("acknowledge_closure",
                   "An agency's staff acknowledge a closure for their agency",
                   case_id=case_id, area_id=access.area_id)
    with writing(stores, actor, "acknowledge_closure", case_id, access.area_id):
        stores.marac.acknowledge_closure(case_id, agency_id, by=actor.principal.subject)
