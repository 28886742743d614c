"""A case's links to the other safeguarding arrangements (domain/safeguarding.py): onward
referrals, and whether it is open to children's or adult social care; recorded by the area's
coordinators."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.safeguarding import OnwardTo
from services.actor import Actor
from services.case_access import Stores, coordinated, writing


def refer_onward(stores: Stores, actor: Actor, case_id: UUID, to: OnwardTo, *,
                 on: date) -> None:
    access = coordinated(stores, actor, case_id, "refer_onward")
    with writing(stores, actor, "refer_onward", case_id, access.area_id):
        stores.marac.refer_onward(case_id, to, on=on, by=actor.principal.subject)


def record_social_care(stores: Stores, actor: Actor, case_id: UUID, *, childrens: bool,
                       adult: bool) -> None:
    """As now found: open to children's social care, to adult social care."""
    access = coordinated(stores, actor, case_id, "record_social_care")
    with writing(stores, actor, "record_social_care", case_id, access.area_id):
        stores.marac.record_social_care(case_id, childrens=childrens, adult=adult,
                                        by=actor.principal.subject)
