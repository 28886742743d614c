"""A SMART action's fields as a person types them (owner agency, for whom, what, and the due
date in a GOV.UK date input), what must be corrected in them, and the action the use case
takes (services/case_actions.py `NewAction`): one reading for a hearing's rows
(web/meeting_run_forms.py) and for the page that agrees one action outside a hearing
(web/new_action.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast
from uuid import UUID

from starlette.datastructures import FormData

from domain.actions import ForWhom
from services.case_actions import NewAction
from web.sharing import text_of

# As the API's schema bounds an action's description (api/schemas.py `ActionCreate`).
MAX_DESCRIPTION = 2_000
FOR_WHOM: dict[ForWhom, str] = {"victim": "The victim", "child": "A child",
                                "perpetrator": "The perpetrator",
                                "household": "The household"}


def uuid_of(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def due_date(parts: tuple[str, str, str], today: date) -> tuple[date | None, str | None]:
    """The due date typed in a GOV.UK date input, or what is wrong with it (as the end of a
    sentence). An action is due today or later (the domain's rule too)."""
    named = dict(zip(("day", "month", "year"), parts, strict=True))
    missing = [name for name, part in named.items() if not part]
    if len(missing) == 3:
        return None, "Enter the date the action is due by"
    if missing:
        return None, "The due date must include a " + " and a ".join(missing)
    try:
        day, month, year = (int(part) for part in parts)
        typed = date(year, month, day)
    except ValueError:
        return None, "The due date must be a real date"
    if typed < today:
        return None, "The due date must be today or in the future"
    return typed, None


@dataclass(frozen=True)
class ActionRow:
    """One SMART action as typed: owner agency, for whom, what, and by when. Its fields are
    named `{prefix}-owner`, `{prefix}-for-whom`, `{prefix}-description` and `{prefix}-due-day`
    (`-month`, `-year`): a hearing's rows and the page that agrees one action outside a
    hearing (web/new_action.py) read and check them alike."""

    owner: str = ""
    for_whom: str = ""
    description: str = ""
    due: tuple[str, str, str] = ("", "", "")

    @classmethod
    def of(cls, form: FormData, prefix: str) -> ActionRow:
        return cls(text_of(form, f"{prefix}-owner"), text_of(form, f"{prefix}-for-whom"),
                   text_of(form, f"{prefix}-description"),
                   (text_of(form, f"{prefix}-due-day"), text_of(form, f"{prefix}-due-month"),
                    text_of(form, f"{prefix}-due-year")))

    @property
    def blank(self) -> bool:
        return not (self.owner or self.for_whom or self.description or any(self.due))

    def errors(self, prefix: str, known_agencies: frozenset[UUID], today: date,
               n: int | None = None) -> dict[str, str]:
        """What must be corrected (field id -> message); `n`: the row's number on a hearing,
        which the messages name ("action 2"), else "the action"."""
        name = f"action {n}" if n is not None else "the action"
        errors: dict[str, str] = {}
        if uuid_of(self.owner) not in known_agencies:
            errors[f"{prefix}-owner"] = f"Select the agency that owns {name}"
        if self.for_whom not in FOR_WHOM:
            errors[f"{prefix}-for-whom"] = f"Select whom {name} is for"
        if not self.description:
            errors[f"{prefix}-description"] = f"Enter what {name} is"
        elif len(self.description) > MAX_DESCRIPTION:
            errors[f"{prefix}-description"] = (f"{name[:1].upper()}{name[1:]} must be "
                                               f"{MAX_DESCRIPTION:,} characters or fewer")
        _, wrong = due_date(self.due, today)
        if wrong:
            errors[f"{prefix}-due-day"] = wrong + (f" (action {n})" if n is not None else "")
        return errors

    def new_action(self, today: date, meeting_id: UUID | None = None) -> NewAction:
        """The action as the use case takes it, from a row without errors."""
        owner, (due, _) = uuid_of(self.owner), due_date(self.due, today)
        if owner is None or due is None:
            raise ValueError("an action is made of a row without errors")
        return NewAction(owner, self.description, cast(ForWhom, self.for_whom), due,
                         meeting_id)
