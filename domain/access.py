"""Case-level access records: grants, restriction, exclusions, break-glass, item audiences.

Who may see what is decided in security/policy.py; these are the facts it decides from.
People are named by their identity-provider subject (a staff id), never by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args
from uuid import UUID

from domain.exceptions import DomainError

# Break-glass opens a case for at most this long (DESIGN.md, need-to-know rule 5): the one
# place the limit is set; the API's bound and default are derived from it.
MAX_BREAK_GLASS_MINUTES = 60

AudienceKind = Literal["whole_case", "agencies", "coordinators", "authoring_agency"]
AUDIENCE_KINDS: tuple[str, ...] = get_args(AudienceKind)


class InvalidAccessChange(DomainError):
    code = "invalid_access_change"


class GrantExpiryPassed(InvalidAccessChange):
    """A grant that would end before it starts: the same code, told apart so that a form can
    point at the expiry."""


@dataclass(frozen=True)
class Audience:
    """Who within a case may see an item: everyone who sees the case, named agencies,
    coordinators only, or the authoring agency only."""

    kind: AudienceKind
    agencies: tuple[UUID, ...] = ()

    def check_valid(self) -> None:
        if self.kind not in AUDIENCE_KINDS:
            raise InvalidAccessChange(f"audience must be one of {AUDIENCE_KINDS}")
        if (self.kind == "agencies") != bool(self.agencies):
            raise InvalidAccessChange("named agencies go with, and only with, 'agencies'")


WHOLE_CASE = Audience("whole_case")


@dataclass(frozen=True)
class AccessGrant:
    grant_id: UUID
    agency_id: UUID | None
    person: str | None
    expires_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


def break_glass_duration(minutes: int) -> timedelta:
    """How long a break-glass session asked for `minutes` lasts: exactly that, within the
    limit."""
    if not 1 <= minutes <= MAX_BREAK_GLASS_MINUTES:
        raise InvalidAccessChange(
            f"break-glass lasts between 1 and {MAX_BREAK_GLASS_MINUTES} minutes")
    return timedelta(minutes=minutes)


@dataclass(frozen=True)
class BreakGlass:
    person: str
    agency_id: UUID
    opened_at: datetime
    expires_at: datetime
    # Why it was opened, for the DPO who reviews it; kept in the case (sealed under its key)
    # from the event's own `reason`, so older sessions, stored without it, read as "".
    reason: str = ""

    def active(self, now: datetime) -> bool:
        return self.opened_at <= now < self.expires_at


@dataclass(frozen=True)
class SharedItem:
    """Information shared on a case: a research note, a disclosure, a risk. Its text is
    personal data and lives only inside encrypted events and documents."""

    item_id: UUID
    kind: str
    text: str
    audience: Audience
    author: str
    author_agency: UUID
    recorded_at: datetime
    # The hearing it was researched for or disclosed at, if any (its minutes show it).
    meeting_id: UUID | None = None
    # Shared by a representative for their agency (which then sees it whatever its
    # audience), or by a coordinator or chair in that role, which does not open it to the
    # agency that employs them. Items recorded before this was kept read as a coordinator's:
    # the narrower reading.
    for_agency: bool = False
