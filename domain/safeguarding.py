"""Links from a MARAC case to the other safeguarding arrangements: onward referrals made
because of it, and whether the family is open to children's or adult social care. The West
Midlands framework counts both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from domain.exceptions import DomainError

OnwardTo = Literal[
    "mappa", "mash", "child_protection", "adult_safeguarding", "early_help", "other_marac",
    "other",
]
ONWARD_TO: tuple[str, ...] = get_args(OnwardTo)
# Another MARAC (the victim has moved) is counted apart from the other arrangements.
OTHER_MARAC = "other_marac"


class InvalidSafeguardingLink(DomainError):
    code = "invalid_safeguarding_link"


@dataclass(frozen=True)
class OnwardReferral:
    to: OnwardTo
    on: date
    by: str

    def check_valid(self, referred_on: date) -> None:
        if self.to not in ONWARD_TO:
            raise InvalidSafeguardingLink(f"an onward referral is to one of {ONWARD_TO}")
        if self.on < referred_on:
            raise InvalidSafeguardingLink("an onward referral follows the MARAC referral")


@dataclass(frozen=True)
class SocialCare:
    """Whether the case is open to children's and to adult social care, as last found."""

    childrens: bool
    adult: bool
    as_of: date
    by: str
