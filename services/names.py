"""The names the pages show for the ids they hold: the signed-in person's agency and area, and
the agencies a case list names. Partnership configuration, listed for everyone in it
(services/partnership.py), never case content: nothing here is an audited read."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.exceptions import AgencyNotFound, AreaNotFound
from security.identity import Principal
from services.partnership import agency_directory
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


def agency_names(platform: Platform) -> dict[UUID, str]:
    """Every agency's name by its id."""
    return {a: e.name for a, e in agency_directory(platform).items()}
