"""Agencies: the signatories of an area's MARAC (police, IDVA service, health …)."""

from __future__ import annotations

from typing import Any, Literal, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

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


class Agency(Aggregate):
    """An agency in one area. Core agencies attend every meeting; others when invited."""

    @staticmethod
    def create_id(area_id: UUID, code: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"marac:agency:{area_id}:{code.strip().lower()}")

    @classmethod
    def register(
        cls, area_id: UUID, code: str, name: str, agency_type: str, core: bool
    ) -> Agency:
        if agency_type not in AGENCY_TYPES:
            raise InvalidSettings(f"agency_type must be one of {AGENCY_TYPES}")
        return cls(area_id=area_id, code=code, name=name, agency_type=agency_type, core=core)

    @event("Registered")
    def __init__(self, area_id: UUID, code: str, name: str, agency_type: str, core: bool) -> None:
        self.area_id = area_id
        self.code = code
        self.name = name
        self.agency_type = agency_type
        self.core = core
