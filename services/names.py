"""Where a signed-in person works, by name, for the pages' header. Partnership configuration,
listed for everyone in it (services/partnership.py), never case content: nothing here is an
audited read."""

from __future__ import annotations

from dataclasses import dataclass

from domain.exceptions import AgencyNotFound, AreaNotFound
from security.identity import Principal
from services.platform import Platform


@dataclass(frozen=True)
class Workplace:
    """Where a signed-in person works, by name ("" where their token names none)."""

    agency_name: str
    area_name: str


def workplace(platform: Platform, principal: Principal) -> Workplace:
    agency = area = ""
    try:
        if principal.agency_id is not None:
            agency = platform.marac.get_agency(principal.agency_id).name
        if principal.area_id is not None:
            area = platform.marac.get_area(principal.area_id).name
    except (AgencyNotFound, AreaNotFound):
        pass  # the token's ids are checked where they matter (the policy); here, no name
    return Workplace(agency, area)
