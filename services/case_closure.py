"""Closing a case, and each involved agency's acknowledgement that it has been told
(services/closure.py says who has been told, and whether late)."""

from __future__ import annotations

from uuid import UUID

from security.policy import agencies_told_of_closure
from services.actor import Actor
from services.case_access import Stores, coordinated, visible, writing


def close(stores: Stores, actor: Actor, case_id: UUID, *, reason: str) -> None:
    """The agencies to be told are those that may see the case now, as the policy says."""
    access = coordinated(stores, actor, case_id, "close")
    with writing(stores, actor, "close", case_id, access.area_id):
        stores.marac.close_case(case_id, by=actor.principal.subject, reason=reason,
                                inform=agencies_told_of_closure(access, stores.now()))


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
