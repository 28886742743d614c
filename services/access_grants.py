"""Case-level access granted by the area's coordinators to an agency or a person, and revoked;
a grant's expiry and a revocation apply on the next request (security/policy.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.actor import Actor
from services.case_access import Stores, coordinated, writing


@dataclass(frozen=True)
class Grant:
    """To an agency or to a person (the domain checks that it names one), until `expires_at`
    if given."""

    reason: str
    agency_id: UUID | None = None
    person: str | None = None
    expires_at: datetime | None = None


def grant(stores: Stores, actor: Actor, case_id: UUID, new: Grant) -> UUID:
    """The grant's id."""
    access = coordinated(stores, actor, case_id, "grant")
    with writing(stores, actor, "grant", case_id, access.area_id):
        return stores.marac.grant_access(
            case_id, by=actor.principal.subject, reason=new.reason, agency_id=new.agency_id,
            person=new.person, expires_at=new.expires_at)


def revoke(stores: Stores, actor: Actor, case_id: UUID, grant_id: UUID, reason: str) -> None:
    access = coordinated(stores, actor, case_id, "revoke")
    with writing(stores, actor, "revoke", case_id, access.area_id):
        stores.marac.revoke_access(case_id, grant_id, by=actor.principal.subject,
                                   reason=reason)
