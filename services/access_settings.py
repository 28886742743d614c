"""Who may see a case beyond its agencies, and who may not, as its coordinators manage it: the
grants (current and expired), the restriction and its members, the excluded people and the
break-glass uses. For the area's coordinators and chairs who may see the case; the read is
audited, naming the access record it showed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from projections.case_document import RestrictionRecord
from services.actor import Actor
from services.agency_names import AgencyName, agency_names
from services.case_access import Stores, case_not_found, coordinated
from services.partnership import PartnershipAgency, all_agencies

# What the read's audit record names: the access record, not the case's content.
SHOWN = ("access",)


@dataclass(frozen=True)
class GrantShown:
    """A grant to an agency (by name) or to a person (by staff id), until `expires_at`."""

    grant_id: UUID
    agency: AgencyName | None
    person: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class BreakGlassShown:
    person: str
    agency: AgencyName
    opened_at: datetime
    expires_at: datetime
    active: bool


@dataclass(frozen=True)
class AccessSettings:
    case_id: UUID
    area_id: UUID
    restricted: bool
    restriction: RestrictionRecord | None
    members: tuple[str, ...]
    member_agencies: tuple[AgencyName, ...]
    excluded: tuple[str, ...]
    current_grants: tuple[GrantShown, ...]
    # Expired, not revoked: a revoked grant is gone from the case (its event stays).
    expired_grants: tuple[GrantShown, ...]
    break_glass: tuple[BreakGlassShown, ...]
    # The area's agencies: those that may be granted access or made members.
    agencies: tuple[PartnershipAgency, ...]


def access_settings(stores: Stores, actor: Actor, case_id: UUID) -> AccessSettings:
    """One the caller may not see is the uniform 404; one they see but may not manage is
    refused (both recorded)."""
    access = coordinated(stores, actor, case_id, "read", actor.purpose)
    document = stores.cases.document(case_id)
    if document is None:
        raise case_not_found(case_id)  # erased between the index read and now
    now = stores.now()
    record = document.access
    names = agency_names(stores, [
        *record.member_agencies, *(s.agency_id for s in record.break_glass),
        *(g.agency_id for g in record.grants if g.agency_id is not None)])
    grants = sorted(record.grants, key=lambda g: (g.expires_at is None, g.expires_at or now))
    shown = [GrantShown(g.grant_id, names(g.agency_id) if g.agency_id else None, g.person,
                        g.expires_at) for g in grants]
    actor.audit.record_before_response("read", "allowed", case_id=case_id,
                                       purpose=actor.purpose, items=SHOWN,
                                       area_id=access.area_id)
    return AccessSettings(
        case_id=case_id, area_id=access.area_id, restricted=record.restricted,
        restriction=record.restriction, members=record.members,
        member_agencies=names.all(record.member_agencies), excluded=record.excluded,
        current_grants=tuple(s for s, g in zip(shown, grants, strict=True) if g.active(now)),
        expired_grants=tuple(s for s, g in zip(shown, grants, strict=True)
                             if not g.active(now)),
        break_glass=tuple(
            BreakGlassShown(s.person, names(s.agency_id), s.opened_at, s.expires_at,
                            s.active(now))
            for s in sorted(record.break_glass, key=lambda s: s.opened_at, reverse=True)),
        agencies=tuple(all_agencies(stores, access.area_id)))
