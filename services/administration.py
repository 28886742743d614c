"""The administrator's view of the partnership's set-up: the areas and agencies they may
change, one area with its settings, one agency. Configuration only, never case content; the
changes themselves are services/partnership.py's. Each read is audited as the API's listing
and settings reads are."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from security.identity import Principal
from security.policy import administers, may_administer_partnership
from services.actor import Actor
from services.partnership import (
    PartnershipAgency,
    PartnershipArea,
    agency_view,
    all_agencies,
    all_areas,
    area_view,
)
from services.platform import Platform

REFUSED = "The partnership's set-up is for its administrators"


def opens_administration(principal: Principal) -> bool:
    """Whether the person administers (the pages offer the set-up to those only)."""
    return administers(principal)


@dataclass(frozen=True)
class Administered:
    """The areas the administrator may change, their agencies, and whether they may create
    an area (a partnership-wide administrator alone may)."""

    areas: tuple[PartnershipArea, ...]
    agencies: tuple[PartnershipAgency, ...]
    may_create_area: bool

    def area(self, area_id: UUID) -> PartnershipArea | None:
        return next((a for a in self.areas if a.id == area_id), None)


def administered(platform: Platform, actor: Actor, what: str) -> Administered:
    """`what`: "areas" or "agencies", the listing the audit record names."""
    p = actor.principal
    actor.require(administers(p), "read_partnership", REFUSED, items=(what,))
    actor.audit.record("read_partnership", "allowed", items=(what,), area_id=p.area_id)
    areas = tuple(a for a in all_areas(platform) if may_administer_partnership(p, a.id))
    ids = {a.id for a in areas}
    agencies = tuple(a for a in all_agencies(platform) if a.area_id in ids)
    return Administered(areas, agencies, may_administer_partnership(p, None))


def area_to_change(platform: Platform, actor: Actor, area_id: UUID) -> PartnershipArea:
    """One area with its settings, for an administrator of it (an unknown one is 404)."""
    actor.require(may_administer_partnership(actor.principal, area_id), "read_settings",
                  REFUSED, area_id=area_id)
    area = platform.marac.get_area(area_id)
    actor.audit.record("read_settings", "allowed", area_id=area_id)
    return area_view(area)


def agency_to_change(platform: Platform, actor: Actor, agency_id: UUID) -> PartnershipAgency:
    """One agency, for an administrator of its area (an unknown one is 404)."""
    agency = platform.marac.get_agency(agency_id)
    actor.require(may_administer_partnership(actor.principal, agency.area_id),
                  "read_partnership", REFUSED, items=("agencies",), area_id=agency.area_id)
    actor.audit.record("read_partnership", "allowed", items=("agencies",),
                       area_id=agency.area_id)
    return agency_view(agency, platform.marac.get_area(agency.area_id).code)
