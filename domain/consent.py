"""Consent to the referral, and the lawful basis when sharing proceeds without it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from domain.exceptions import ConsentBasisRequired, InvalidReferral

ConsentStatus = Literal["given", "refused", "not_sought"]
CONSENT_STATUSES: tuple[str, ...] = get_args(ConsentStatus)
VictimInformed = Literal["yes", "no", "unsafe_to_tell"]
VICTIM_INFORMED: tuple[str, ...] = get_args(VictimInformed)


@dataclass(frozen=True)
class Consent:
    status: ConsentStatus
    # Why information is shared without consent, and under which lawful basis
    # (e.g. UK GDPR Art 6(1)(e) with DPA 2018 Sch 1 para 18).
    reason_without_consent: str | None = None
    lawful_basis: str | None = None

    def check_valid(self) -> None:
        if self.status not in CONSENT_STATUSES:
            raise InvalidReferral(f"consent must be one of {CONSENT_STATUSES}")
        if self.status != "given" and not (
            (self.reason_without_consent or "").strip() and (self.lawful_basis or "").strip()
        ):
            raise ConsentBasisRequired(
                "sharing without consent needs a recorded reason and lawful basis"
            )
