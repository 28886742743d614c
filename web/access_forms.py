"""The access pages' forms as typed values: what each asks, what is wrong with it as typed
(field id -> message, GOV.UK style), and the local time people give and read. Whether a
change is allowed is the use cases' and the domain's to say (services/), never decided here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal
from uuid import UUID

from starlette.datastructures import FormData

from domain.access import MAX_BREAK_GLASS_MINUTES
from web.moments import LOCAL, moment

# The API's own bounds (api/schemas.py: Reason, Staff).
REASON_MAX, STAFF_MAX = 2_000, 200
# A grant given a day and no time lasts to the end of that day.
END_OF_DAY = time(23, 59)
# A staff identifier is the identity provider's subject: no spaces (a name has them).
STAFF_ID = re.compile(r"\S+")
UUID_IN = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")

Errors = dict[str, str]


def local(at: datetime) -> datetime:
    return at.astimezone(LOCAL)


def text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def reason(form: FormData, name: str, errors: Errors, asked: str) -> str:
    given = text(form, name)
    if not given:
        errors[name] = f"Enter {asked}"
    elif len(given) > REASON_MAX:
        errors[name] = f"The reason must be {REASON_MAX:,} characters or fewer"
    return given


def staff_id(given: str, name: str, errors: Errors, who: str = "the person") -> str:
    if not given:
        errors[name] = f"Enter the staff identifier of {who}"
    elif len(given) > STAFF_MAX or not STAFF_ID.fullmatch(given):
        errors[name] = ("Enter a staff identifier as the sign-in service knows it, like "
                        "staff-4711, not a name")
    return given


def agency(given: str, name: str, errors: Errors) -> UUID | None:
    """An agency's id as the form offered it (whether the case's area has it is the
    domain's to say)."""
    try:
        return UUID(given)
    except ValueError:
        errors[name] = "Select an agency from the list"
        return None


@dataclass(frozen=True)
class GrantForm:
    to: Literal["agency", "person", ""]
    agency: str
    person: str
    day: str
    month: str
    year: str
    at: str  # a time of day, "17:00"; empty: the end of the day
    reason: str
    errors: Errors = field(default_factory=dict)
    agency_id: UUID | None = None
    expires_at: datetime | None = None

    @classmethod
    def of(cls, form: FormData) -> GrantForm:
        errors: Errors = {}
        to = text(form, "grant-to")
        given = {n: text(form, f"grant-{n}") for n in
                 ("agency", "person", "expiry-day", "expiry-month", "expiry-year",
                  "expiry-time")}
        agency_id = None
        if to == "agency":
            agency_id = agency(given["agency"], "grant-agency", errors)
        elif to == "person":
            staff_id(given["person"], "grant-person", errors)
        else:
            errors["grant-to"] = "Select whether to grant access to an agency or a person"
        expires_at = _expiry(given["expiry-day"], given["expiry-month"], given["expiry-year"],
                             given["expiry-time"], errors)
        why = reason(form, "grant-reason", errors, "why access is granted")
        return cls(to if to in ("agency", "person") else "",  # type: ignore[arg-type]
                   given["agency"], given["person"], given["expiry-day"],
                   given["expiry-month"], given["expiry-year"], given["expiry-time"], why,
                   errors, agency_id, expires_at)


def _expiry(day: str, month: str, year: str, at: str, errors: Errors) -> datetime | None:
    """The end of the grant as a moment (UTC), from the local day and time given; none given:
    until revoked. Whether it is still to come is the domain's rule."""
    return moment(day, month, year, at, errors, prefix="grant-expiry", default_clock=END_OF_DAY,
                  named="expiry date")


def members(given: str, errors: Errors) -> tuple[str, ...]:
    """Staff identifiers, one a line (or separated by commas)."""
    found = tuple(dict.fromkeys(p.strip() for p in re.split(r"[\n,]", given) if p.strip()))
    for person in found:
        if len(person) > STAFF_MAX or not STAFF_ID.fullmatch(person):
            errors["restrict-members"] = ("Enter each member's staff identifier on its own "
                                          "line, like staff-4711, not a name")
    return found


@dataclass(frozen=True)
class BreakGlassForm:
    case: str
    reason: str
    minutes: str
    errors: Errors = field(default_factory=dict)
    case_id: UUID | None = None

    @classmethod
    def of(cls, form: FormData) -> BreakGlassForm:
        errors: Errors = {}
        case, minutes = text(form, "case"), text(form, "minutes")
        found = UUID_IN.search(case)  # the case's reference, or an address that holds it
        if not case:
            errors["case"] = "Enter the case reference"
        elif found is None:
            errors["case"] = ("Enter the case reference in full, like "
                              "1b4e28ba-2fa1-41d2-883f-0016d3cca427")
        why = reason(form, "reason", errors, "why you need emergency access now")
        if minutes not in {str(m) for m in DURATIONS}:
            errors["minutes"] = "Select how long you need access for"
        return cls(case, why, minutes, errors, UUID(found[0]) if found else None)

    @property
    def duration(self) -> int:
        return int(self.minutes) if self.minutes.isdigit() else MAX_BREAK_GLASS_MINUTES


# The choices offered, each within the domain's limit.
DURATIONS = tuple(m for m in (15, 30, MAX_BREAK_GLASS_MINUTES) if m <= MAX_BREAK_GLASS_MINUTES)


def minutes_left(left: timedelta) -> int:
    """Whole minutes, rounded up: "1 minute left" until the very end."""
    return max(1, -(-int(left.total_seconds()) // 60))
