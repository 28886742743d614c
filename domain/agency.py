"""Agencies: the signatories of an area's MARAC (police, IDVA service, health …)."""

from __future__ import annotations

from typing import Any, Literal, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.area import check_code, check_name, is_email
from domain.exceptions import InvalidSettings

AgencyType = Literal[
    "police",
    "idva",
    "health",
    "housing",
    "childrens_social_care",
    "adult_social_care",
    "probation",
    "substance_misuse",
    "education",
    "fire_and_rescue",
    "specialist_domestic_abuse",
    "harmful_practices_expert",
    "citizens_advice",
    "other",
]
AGENCY_TYPES: tuple[str, ...] = get_args(AgencyType)
# A single point of contact is an agency's mailbox for notifications (a shared one is best).


def check_agency_type(agency_type: str) -> str:
    if agency_type not in AGENCY_TYPES:
        raise InvalidSettings(f"agency_type must be one of {AGENCY_TYPES}")
    return agency_type


def check_email(address: str | None) -> str | None:
    if address is None:
        return None
    address = address.strip()
    if not is_email(address):
        raise InvalidSettings("spoc_email is not an e-mail address")
    return address


class Agency(Aggregate):
    """An agency in one area. Core agencies attend every meeting; others when invited."""

    @staticmethod
    def create_id(area_id: UUID, code: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"marac:agency:{area_id}:{code.strip().lower()}")

    @classmethod
    def register(
        cls, area_id: UUID, code: str, name: str, agency_type: str, core: bool, *,
        spoc_email: str | None = None,
    ) -> Agency:
        agency = cls(area_id=area_id, code=check_code(code), name=check_name(name),
                     agency_type=check_agency_type(agency_type), core=core)
        agency.change_contact(spoc_email)
        return agency

    @event("Registered")
    def __init__(self, area_id: UUID, code: str, name: str, agency_type: str, core: bool) -> None:
        self.area_id = area_id
        self.code = code
        self.name = name
        self.agency_type = agency_type
        self.core = core
        # Set by its own event, so that agencies registered before it existed read alike.
        self.spoc_email: str | None = None

    # Each change is an event only when it changes something: applying the same description of
    # the partnership twice records nothing the second time.
    def rename(self, name: str) -> None:
        name = check_name(name)
        if name != self.name:
            self._renamed(name=name)

    @event("Renamed")
    def _renamed(self, name: str) -> None:
        self.name = name

    def reclassify(self, agency_type: str, core: bool) -> None:
        """Its type, and whether it is core (attends every meeting) or attends when invited."""
        agency_type = check_agency_type(agency_type)
        if (agency_type, core) != (self.agency_type, self.core):
            self._reclassified(agency_type=agency_type, core=core)

    @event("Reclassified")
    def _reclassified(self, agency_type: str, core: bool) -> None:
        self.agency_type = agency_type
        self.core = core

    def change_contact(self, spoc_email: str | None) -> None:
        spoc_email = check_email(spoc_email)
        if spoc_email != self.spoc_email:
            self._contact_changed(spoc_email=spoc_email)

    @event("ContactChanged")
    def _contact_changed(self, spoc_email: str | None) -> None:
        self.spoc_email = spoc_email
