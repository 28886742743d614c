"""Restricting a case to named members, and the restriction's review every 90 days (keep or
lift), by the area's coordinators and chairs who may see the case."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal
from uuid import UUID

from services.actor import Actor
from services.case_access import Stores, coordinated, writing


def restrict(stores: Stores, actor: Actor, case_id: UUID, *, reason: str,
             members: Collection[str] = (), member_agencies: Collection[UUID] = ()) -> None:
    """`members`, `member_agencies`: the persons and agencies who may still see the case."""
    access = coordinated(stores, actor, case_id, "restrict")
    with writing(stores, actor, "restrict", case_id, access.area_id):
        stores.marac.restrict(case_id, by=actor.principal.subject, reason=reason,
                              members=set(members), member_agencies=set(member_agencies))


def review_restriction(stores: Stores, actor: Actor, case_id: UUID, *,
                       decision: Literal["keep", "lift"], reason: str) -> None:
    access = coordinated(stores, actor, case_id, "review_restriction")
    with writing(stores, actor, "review_restriction", case_id, access.area_id):
        stores.marac.review_restriction(case_id, decision=decision, reason=reason,
                                        by=actor.principal.subject)
