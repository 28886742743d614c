"""Excluded persons: someone with a conflict of interest in a case (the victim, perpetrator or
an associate works at their agency) is named by the coordinators and sees nothing of it, until
readmitted."""

from __future__ import annotations

from uuid import UUID

from services.actor import Actor
from services.case_access import Stores, coordinated, writing


def exclude(stores: Stores, actor: Actor, case_id: UUID, person: str, *, reason: str) -> None:
    """`person`: the staff identifier of the person excluded."""
    access = coordinated(stores, actor, case_id, "exclude")
    with writing(stores, actor, "exclude", case_id, access.area_id):
        stores.marac.exclude(case_id, person, by=actor.principal.subject, reason=reason)


def readmit(stores: Stores, actor: Actor, case_id: UUID, person: str) -> None:
    access = coordinated(stores, actor, case_id, "readmit")
    with writing(stores, actor, "readmit", case_id, access.area_id):
        stores.marac.readmit(case_id, person, by=actor.principal.subject)
