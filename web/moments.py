"""A moment people give on a form: a day (GOV.UK date input) and a time of day ("14:30"), in
UK time, read as a moment in UTC. Whether it may be in the past or the future is the domain's
rule, never decided here."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

# People here read and give times in the UK's own (GMT or BST).
LOCAL = ZoneInfo("Europe/London")
CLOCK = re.compile(r"(\d{1,2})[:.](\d{2})")

Errors = dict[str, str]


def field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def moment(day: str, month: str, year: str, at: str, errors: Errors, *, prefix: str,
           default_clock: time | None, named: str = "date",
           example: str = "31 3 2027") -> datetime | None:
    """The moment (UTC) of the local day and time given, under the fields `{prefix}-day` and
    `{prefix}-time`. Nothing given: None (the caller's default, "now" or "never"). A day with
    no time takes `default_clock`, or asks for the time when there is none."""
    if not (day or month or year or at):
        return None
    try:
        on = date(int(year), int(month), int(day))
    except ValueError:
        errors[f"{prefix}-day"] = f"The {named} must be a real date, like {example}"
        return None
    clock = default_clock
    if at:
        match = CLOCK.fullmatch(at)
        hours, minutes = (int(match[1]), int(match[2])) if match else (-1, -1)
        if not (0 <= hours < 24 and 0 <= minutes < 60):
            errors[f"{prefix}-time"] = "Enter the time as hours and minutes, like 17:30"
            return None
        clock = time(hours, minutes)
    if clock is None:
        errors[f"{prefix}-time"] = "Enter the time it happened, like 14:30"
        return None
    return datetime.combine(on, clock, tzinfo=LOCAL).astimezone(UTC)


def moment_of(form: FormData, prefix: str, errors: Errors, *,
              default_clock: time | None = None) -> datetime | None:
    """`moment` from the form's `{prefix}-day`, `-month`, `-year` and `-time` fields."""
    return moment(field(form, f"{prefix}-day"), field(form, f"{prefix}-month"),
                  field(form, f"{prefix}-year"), field(form, f"{prefix}-time"), errors,
                  prefix=prefix, default_clock=default_clock)
